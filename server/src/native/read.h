// The native reads (api.md section 4), all snapshot reads at one table version:
//   GET
//   .../tables/{table}/data?[partition][&version|&timestamp][&columns][&limit][&format][&timezone]
//   POST .../tables/{table}/lookup   {"partition": SPEC, "keys": [{...}], "version": N}
//   GET  .../tables/{table}/changes?from_version=A[&to_version=B][&partition][&format][&timezone]
//   GET  .../tables/{table}/history?key=K[&partition][&limit][&timezone]   one key's states
// Each answer carries the version it was read at in `x-deltatunnel-version`. data and changes
// stream (chunked) with bounded memory, whatever the table's size.
#pragma once

#include "api_context.h"
#include "deltatunnel/server/http_types.h"

namespace deltatunnel::server {

Response HandleData(ApiContext& ctx, Request& req);
Response HandleLookup(ApiContext& ctx, Request& req);
Response HandleChanges(ApiContext& ctx, Request& req);
Response HandleHistory(ApiContext& ctx, Request& req);

}  // namespace deltatunnel::server
