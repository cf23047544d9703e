// Major compaction on the native surface (api.md section 5):
//   POST /api/v1/projects/{project}/tables/{table}/compact[?partition=SPEC]   202 {"id", "state"}
//   GET  /api/v1/compactions[?project=P]      queued and running, then recent ones, newest first
// The compaction runs on the engine's compactor threads; the request only queues it.
#pragma once

#include "api_context.h"
#include "deltatunnel/server/http_types.h"

namespace deltatunnel::server {

Response HandleCompact(ApiContext& ctx, Request& req);
Response HandleListCompactions(ApiContext& ctx, Request& req);

}  // namespace deltatunnel::server
