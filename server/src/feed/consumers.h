// Consumers of a table's changes (issue 26; api.md "Consumers"): a named offset the server keeps
// durably, which holds the table's retention until the consumer acknowledges past it.
//   POST   .../tables/{table}/consumers                    {"name", "from_version"?}  201
//   GET    .../tables/{table}/consumers                    {"consumers": [...]}
//   GET    .../tables/{table}/consumers/{consumer}
//   GET    .../tables/{table}/consumers/{consumer}/changes  the full form or a feed, from its
//   offset POST   .../tables/{table}/consumers/{consumer}/ack     {"version": V} DELETE
//   .../tables/{table}/consumers/{consumer}                                 204
// A consumer: {"name", "offset", "latest", "lag_versions", "lag_seconds", "created_at",
// "acked_at", "lost"}.
#pragma once

#include "api_context.h"
#include "deltatunnel/server/http_types.h"

namespace deltatunnel::server {

Response HandleCreateConsumer(ApiContext& ctx, Request& req);
Response HandleListConsumers(ApiContext& ctx, Request& req);
Response HandleGetConsumer(ApiContext& ctx, Request& req);
Response HandleConsumerChanges(ApiContext& ctx, Request& req);
Response HandleAckConsumer(ApiContext& ctx, Request& req);
Response HandleDropConsumer(ApiContext& ctx, Request& req);

}  // namespace deltatunnel::server
