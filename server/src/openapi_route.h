// The OpenAPI 3 document of the HTTP API (docs/openapi.json, embedded at build time by
// server/cmake/embed_text.cmake), served at GET /api/v1/openapi.json without authentication: it
// holds no data, and the console's reference page reads it.
#pragma once

#include <string_view>

#include "deltatunnel/server/router.h"

namespace deltatunnel::server {

// The document's bytes, as in docs/openapi.json.
std::string_view OpenApiDocument();

void AddOpenApiRoute(Router& router);

}  // namespace deltatunnel::server
