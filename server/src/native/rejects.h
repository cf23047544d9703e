// The reject quarantine (issue 26; api.md "Reject quarantine"): the rows a load skipped with
// max_bad_rows, kept per table in sets (one a load) until replayed or purged.
//   GET    .../tables/{table}/rejects                 {"rejects": [set, ...], "rows", "bytes"}
//   GET    .../tables/{table}/rejects/{reject}        set + "rejected": [{line, column?, reason,
//                                                      text}]
//   GET    .../tables/{table}/rejects/{reject}/rows   the rows as sent, in the set's format (CSV
//                                                      under its header): fix them, replay them
//   POST   .../tables/{table}/rejects/{reject}/replay a load into the set's partition of the body
//                                                      (corrected rows), or without a body of the
//                                                      rows as they are; the set is marked
//                                                      replayed in the load's commit
//   DELETE .../tables/{table}/rejects/{reject}        204
//   DELETE .../tables/{table}/rejects                 {"purged": [id, ...]}
// A set: {"id", "partition", "format", "created_at", "load_version", "rows", "bytes",
// "replayed_version", "replayed_at"}.
#pragma once

#include "api_context.h"
#include "deltatunnel/server/http_types.h"

namespace deltatunnel::server {

Response HandleListRejects(ApiContext& ctx, Request& req);
Response HandleGetRejects(ApiContext& ctx, Request& req);
Response HandleRejectRows(ApiContext& ctx, Request& req);
Response HandleReplayRejects(ApiContext& ctx, Request& req);
Response HandlePurgeRejects(ApiContext& ctx, Request& req);
Response HandlePurgeRejectSet(ApiContext& ctx, Request& req);

}  // namespace deltatunnel::server
