// Authentication and project rights (api.md section 1, wire-format.md section 7). Where it is on,
// every request but /healthz and /readyz carries an ODPS v2 signature
// (`Authorization: ODPS <AccessId>:<signature>`) or `Authorization: Bearer <token>`; the key or
// token grants a list of projects ("*" for all). 401 Unauthorized for a missing or bad credential,
// 403 AccessDenied for a good one without rights on the project.
//
// Freshness (issue 24, finding 3): a signed request's `Date` must be present and within
// auth.max_clock_skew_s of the server's clock, and a `Content-MD5` it sends must match its body.
// What remains: within the window a captured request can be replayed as it is (the same body, if
// it sent Content-MD5; any body if it did not). Tunnel writes are idempotent upserts of the same
// rows, and loads can carry an Idempotency-Key; TLS in front of the server keeps requests from
// being captured at all.
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
  // any valid credential will do), and a Content-MD5 against the body.
  Status Check(const Request& req, std::string_view project) const;
  // A credential that grants every project ("*"): what server-wide data (/metrics, the console's
  // history) needs where authentication is on, since it names every project's tables.
  Status CheckAdmin(const Request& req) const;
  // The same on the header alone, before the body is read (Content-MD5 is left for Check).
  Status CheckHeaders(const Request& req, std::string_view project) const;

 private:
  Status Verify(const Request& req, std::string_view project, bool with_body) const;

  AuthConfig config_;
};

}  // namespace deltatunnel::server
