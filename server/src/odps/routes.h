// The ODPS REST surface's routes, each served bare and under the `/api` prefix that clients put in
// their endpoint (`http://host:port/api`), which never collides with the native `/api/v1/...`.
// The API module registers them through its own `add` (authentication, metrics, the worker pool).
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "api_context.h"
#include "deltatunnel/server/http_types.h"

namespace deltatunnel::server::odps {

using OdpsHandler = Response (*)(ApiContext&, Request&);
using AddRoute = std::function<void(const char* method, const std::string& pattern, OdpsHandler)>;

// Every ODPS route is registered once per prefix: bare, and under the endpoint's "/api". (A
// pattern cannot start with an optional group.)
inline constexpr std::string_view kPrefixes[] = {"", "/api"};

void RegisterOdpsRoutes(const AddRoute& add);

// The path a client signed (wire-format.md section 7): the request's path after the endpoint's
// `/api` prefix for ODPS paths (/api/projects/..., /api/tenants, /api/logview/...,
// /api/webconsole/...); any other path as is (the native /api/v1/... included).
std::string_view SignedPath(std::string_view path);

}  // namespace deltatunnel::server::odps
