// One-shot loads (api.md section 3):
//   POST /api/v1/projects/{project}/tables/{table}/load[?partition=SPEC][&max_bad_rows=N]
// An NDJSON, CSV or JSON-array body becomes one session, appended and committed in one request: one
// atomic commit or nothing. `Idempotency-Key` makes a retry safe: a key already committed for the
// table answers the first load's result with "duplicate": true and applies nothing.
#pragma once

#include "api_context.h"
#include "deltatunnel/server/http_types.h"

namespace deltatunnel::server {

Response HandleLoad(ApiContext& ctx, Request& req);

}  // namespace deltatunnel::server
