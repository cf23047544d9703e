#include "openapi_route.h"

namespace deltatunnel::server {

void AddOpenApiRoute(Router& router) {
  router.Add("GET", "/api/v1/openapi.json", [](Request&) {
    Response r;
    r.headers["content-type"] = "application/json";
    r.headers["cache-control"] = "no-cache";
    r.body = std::string(OpenApiDocument());
    return r;
  });
}

}  // namespace deltatunnel::server
