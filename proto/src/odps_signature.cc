#include "deltatunnel/proto/odps_signature.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>

namespace deltatunnel::proto {
namespace {

constexpr std::string_view kOdpsPrefix = "x-odps-";

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

std::string HeaderOrEmpty(const std::map<std::string, std::string>& headers, const char* name) {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

}  // namespace

std::string OdpsCanonicalString(const SignatureInput& input) {
  std::string out = input.method;
  out += '\n';
  out += HeaderOrEmpty(input.headers, "content-md5");
  out += '\n';
  out += HeaderOrEmpty(input.headers, "content-type");
  out += '\n';
  out += HeaderOrEmpty(input.headers, "date");
  out += '\n';

  // The clients sign x-odps-* query parameters as headers too; a parameter overrides a header.
  std::map<std::string, std::string> signed_headers;
  for (const auto& [name, value] : input.headers) {
    if (StartsWith(name, kOdpsPrefix)) signed_headers[name] = value;
  }
  for (const auto& [name, value] : input.query) {
    if (StartsWith(name, kOdpsPrefix)) signed_headers[name] = value;
  }
  for (const auto& [name, value] : signed_headers) {
    out += name;
    out += ':';
    out += value;
    out += '\n';
  }

  out += input.path;
  if (!input.query.empty()) {
    auto params = input.query;
    std::stable_sort(params.begin(), params.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    char sep = '?';
    for (const auto& [name, value] : params) {
      out += sep;
      sep = '&';
      out += name;
      if (!value.empty()) {
        out += '=';
        out += value;
      }
    }
  }
  return out;
}

std::string OdpsSignature(std::string_view secret, std::string_view canonical) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  HMAC(EVP_sha1(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(canonical.data()), canonical.size(), digest,
       &digest_len);
  std::string b64(4 * ((digest_len + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()), digest,
                          static_cast<int>(digest_len));
  b64.resize(static_cast<size_t>(n));
  return b64;
}

std::string OdpsAuthorization(std::string_view access_id, std::string_view secret,
                              const SignatureInput& input) {
  std::string out = "ODPS ";
  out += access_id;
  out += ':';
  out += OdpsSignature(secret, OdpsCanonicalString(input));
  return out;
}

}  // namespace deltatunnel::proto
