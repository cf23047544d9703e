// The console (issue 8): a single-page app in the browser, served by the server itself.
//
//   GET /                                  console/index.html        (no authentication)
//   GET /console/<file>                    the other embedded files  (no authentication)
//   GET /api/v1/metrics/history[?since=MS][&limit=N]
//        the server's own metrics, sampled once a second for the last hour (MetricsHistory);
//        authenticated like the rest of /api/v1 (any valid credential, no project needed)
//   GET /api/v1/openapi.json               the OpenAPI document     (no authentication)
//
// The static files hold no data; every figure the pages show comes from the native API with the
// bearer token the user gives the page.
#pragma once

#include <memory>
#include <string_view>

#include "deltatunnel/server/server.h"

namespace deltatunnel::server {

// The content type for a file name by its extension.
std::string_view ConsoleContentType(std::string_view path);

std::unique_ptr<ServerModule> MakeConsoleModule();

}  // namespace deltatunnel::server
