#include "auth.h"

#include <fmt/format.h>
#include <openssl/crypto.h>

#include <algorithm>

#include "deltatunnel/proto/odps_signature.h"
#include "deltatunnel/proto/schema.h"
#include "odps/routes.h"

namespace deltatunnel::server {
namespace {

bool ConstantTimeEqual(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool Grants(const std::vector<std::string>& projects, std::string_view project) {
  if (project.empty()) return true;
  return std::any_of(projects.begin(), projects.end(), [&](const std::string& p) {
    return p == "*" || proto::NamesEqual(p, project);
  });
}

Status Unauthorized(std::string message) { return {ErrorCode::kUnauthorized, std::move(message)}; }

Status Denied(std::string_view who, std::string_view project) {
  return {ErrorCode::kAccessDenied, fmt::format("{} has no rights on project '{}'", who, project)};
}

}  // namespace

Status Authenticator::Check(const Request& req, std::string_view project) const {
  if (!config_.enabled) return Status::Ok();
  const std::string_view auth = req.Header("authorization");
  if (auth.empty()) {
    return Unauthorized("authentication is on: sign the request (ODPS) or send a bearer token");
  }
  if (auth.substr(0, 7) == "Bearer ") {
    const std::string_view token = auth.substr(7);
    for (const BearerToken& t : config_.bearer_tokens) {
      if (!ConstantTimeEqual(t.token, token)) continue;
      if (!Grants(t.projects, project)) return Denied("the bearer token", project);
      return Status::Ok();
    }
    return Unauthorized("the bearer token is not valid");
  }
  if (auth.substr(0, 5) != "ODPS ") {
    return Unauthorized(
        "the Authorization header must be 'ODPS <AccessId>:<signature>' or "
        "'Bearer <token>'");
  }
  const std::string_view credential = auth.substr(5);
  const size_t colon = credential.rfind(':');
  if (colon == std::string_view::npos) {
    return Unauthorized("the ODPS Authorization header must be 'ODPS <AccessId>:<signature>'");
  }
  const std::string_view access_id = credential.substr(0, colon);
  const std::string_view signature = credential.substr(colon + 1);
  for (const AccessKey& key : config_.access_keys) {
    if (key.id != access_id) continue;
    proto::SignatureInput input;
    input.method = req.method;
    // Clients sign the path after their endpoint, which may end in /api.
    input.path = std::string(odps::SignedPath(req.path));
    input.query = req.query;
    input.headers = req.headers;
    const std::string expected =
        proto::OdpsSignature(key.secret, proto::OdpsCanonicalString(input));
    if (!ConstantTimeEqual(expected, signature)) {
      return Unauthorized(
          fmt::format("the signature of access key '{}' does not match", access_id));
    }
    if (!Grants(key.projects, project)) {
      return Denied(fmt::format("access key '{}'", access_id), project);
    }
    return Status::Ok();
  }
  return Unauthorized(fmt::format("access key '{}' is not known", access_id));
}

}  // namespace deltatunnel::server
