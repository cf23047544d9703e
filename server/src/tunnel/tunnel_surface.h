// The Tunnel upsert surface: /projects/{project}/[schemas/{schema}/]tables/{table}/upserts
// (wire-format.md section 1). One resource, five calls told apart by method and `upsertid`:
//   POST   (no upsertid)            create a session         GET    ?upsertid   reload
//   PUT    ?upsertid&bucketid...    write one record stream  POST   ?upsertid   commit (idempotent)
//   PUT    ?upsertid (no bucketid)  write NDJSON or CSV      DELETE ?upsertid   abort
#pragma once

#include "api_context.h"
#include "deltatunnel/server/http_types.h"

namespace deltatunnel::server {

Response HandleUpserts(ApiContext& ctx, Request& req);

}  // namespace deltatunnel::server
