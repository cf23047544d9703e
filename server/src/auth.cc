#include "auth.h"

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <optional>

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

// An RFC 1123 date ("Sun, 06 Nov 1994 08:49:37 GMT"), the form ODPS clients send, as Unix seconds.
std::optional<int64_t> ParseHttpDate(std::string_view text) {
  std::tm tm{};
  const std::string s(text);
  const char* end = strptime(s.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end == nullptr || *end != '\0') return std::nullopt;
  return static_cast<int64_t>(timegm(&tm));
}

Status CheckDate(const Request& req, uint32_t max_skew_s) {
  const std::string_view date = req.Header("date");
  if (date.empty()) return Unauthorized("a signed request needs a Date header");
  const std::optional<int64_t> when = ParseHttpDate(date);
  if (!when) {
    return Unauthorized(fmt::format(
        "the Date header '{}' is not an RFC 1123 date such as 'Sun, 06 Nov 1994 08:49:37 GMT'",
        date));
  }
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  const int64_t skew = *when - now;
  if (skew > static_cast<int64_t>(max_skew_s) || -skew > static_cast<int64_t>(max_skew_s)) {
    return Unauthorized(fmt::format(
        "the request's Date '{}' is {} s {} the server's clock, more than the {} s allowed", date,
        skew > 0 ? skew : -skew, skew > 0 ? "ahead of" : "behind", max_skew_s));
  }
  return Status::Ok();
}

// Content-MD5 as RFC 1864 has it (base64 of the digest) or as hex, which some clients send.
Status CheckContentMd5(const Request& req) {
  const std::string_view sent = req.Header("content-md5");
  if (sent.empty()) return Status::Ok();
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(req.body.data(), req.body.size(), digest, &n, EVP_md5(), nullptr);
  std::string hex;
  static const char kHex[] = "0123456789abcdef";
  for (unsigned i = 0; i < n; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 15];
  }
  unsigned char b64[64];
  const int b64_len = EVP_EncodeBlock(b64, digest, static_cast<int>(n));
  const std::string_view base64(reinterpret_cast<const char*>(b64), static_cast<size_t>(b64_len));
  bool match = sent == base64;
  if (!match && sent.size() == hex.size()) {
    match = std::equal(sent.begin(), sent.end(), hex.begin(), [](char a, char b) {
      return std::tolower(static_cast<unsigned char>(a)) == b;
    });
  }
  if (match) return Status::Ok();
  return {ErrorCode::kInvalidArgument,
          fmt::format("Content-MD5 '{}' does not match the body (MD5 {} / {})", sent, hex, base64)};
}

}  // namespace

Status Authenticator::Check(const Request& req, std::string_view project) const {
  return Verify(req, project, true);
}

Status Authenticator::CheckAdmin(const Request& req) const {
  if (!config_.enabled) return Status::Ok();
  // Project names never are "*" (IsValidName): only a credential granting "*" passes.
  Status s = Verify(req, "*", true);
  if (s.code() == ErrorCode::kAccessDenied) {
    return {ErrorCode::kAccessDenied,
            "server-wide data needs a credential granting every project (\"*\")"};
  }
  return s;
}

Status Authenticator::CheckHeaders(const Request& req, std::string_view project) const {
  return Verify(req, project, false);
}

Status Authenticator::Verify(const Request& req, std::string_view project, bool with_body) const {
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
    DT_RETURN_IF_ERROR(CheckDate(req, config_.max_clock_skew_s));
    if (with_body) DT_RETURN_IF_ERROR(CheckContentMd5(req));
    if (!Grants(key.projects, project)) {
      return Denied(fmt::format("access key '{}'", access_id), project);
    }
    return Status::Ok();
  }
  return Unauthorized(fmt::format("access key '{}' is not known", access_id));
}

}  // namespace deltatunnel::server
