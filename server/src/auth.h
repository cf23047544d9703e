// Authentication and project rights (api.md section 1, wire-format.md section 7). Where it is on,
// every request but /healthz and /readyz carries an ODPS v2 signature
// (`Authorization: ODPS <AccessId>:<signature>`) or `Authorization: Bearer <token>`; the key or
// token grants a list of projects ("*" for all). 401 Unauthorized for a missing or bad credential,
// 403 AccessDenied for a good one without rights on the project.
#pragma once

#include <string>
#include <string_view>

#include "deltatunnel/proto/status.h"
#include "deltatunnel/server/config.h"
#include "deltatunnel/server/http_types.h"

namespace deltatunnel::server {

class Authenticator {
 public:
  explicit Authenticator(AuthConfig config) : config_(std::move(config)) {}

  bool enabled() const { return config_.enabled; }
  // Checks the request's credential, and its rights on `project` ("" when the request names none:
  // any valid credential will do).
  Status Check(const Request& req, std::string_view project) const;

 private:
  AuthConfig config_;
};

}  // namespace deltatunnel::server
