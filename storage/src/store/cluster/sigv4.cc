#include "store/cluster/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>

namespace deltatunnel::storage::cluster {
namespace {

std::string Hex(const unsigned char* bytes, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kDigits[bytes[i] >> 4]);
    out.push_back(kDigits[bytes[i] & 0xf]);
  }
  return out;
}

std::string Hmac(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<const char*>(out), len);
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Leading and trailing spaces gone, inner runs of spaces one space.
std::string TrimValue(std::string_view v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

// "host;x-amz-date" and the canonical header lines, sorted by lower-cased name.
std::pair<std::string, std::string> CanonicalHeaders(const SigV4Request& request) {
  std::vector<std::pair<std::string, std::string>> headers;
  headers.reserve(request.headers.size());
  for (const auto& [name, value] : request.headers)
    headers.emplace_back(Lower(name), TrimValue(value));
  std::stable_sort(headers.begin(), headers.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string signed_names;
  std::string lines;
  for (size_t i = 0; i < headers.size(); ++i) {
    // Repeated names fold into one line, their values joined by commas in order.
    if (i > 0 && headers[i].first == headers[i - 1].first) {
      lines.back() = ',';
      lines += headers[i].second + "\n";
      continue;
    }
    if (!signed_names.empty()) signed_names += ';';
    signed_names += headers[i].first;
    lines += headers[i].first + ":" + headers[i].second + "\n";
  }
  return {signed_names, lines};
}

std::string Scope(const SigV4Scope& scope, std::string_view amz_date) {
  return std::string(amz_date.substr(0, 8)) + "/" + scope.region + "/" + scope.service +
         "/aws4_request";
}

}  // namespace

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return Hex(digest, sizeof digest);
}

std::string UriEncode(std::string_view s, bool keep_slash) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' ||
        (keep_slash && c == '/')) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kDigits[c >> 4]);
      out.push_back(kDigits[c & 0xf]);
    }
  }
  return out;
}

std::string SigV4CanonicalRequest(const SigV4Request& request) {
  std::vector<std::pair<std::string, std::string>> query;
  query.reserve(request.query.size());
  for (const auto& [name, value] : request.query) {
    query.emplace_back(UriEncode(name, false), UriEncode(value, false));
  }
  std::sort(query.begin(), query.end());
  std::string query_string;
  for (const auto& [name, value] : query) {
    if (!query_string.empty()) query_string += '&';
    query_string += name + "=" + value;
  }
  const auto [signed_names, lines] = CanonicalHeaders(request);
  return request.method + "\n" + (request.path.empty() ? "/" : request.path) + "\n" + query_string +
         "\n" + lines + "\n" + signed_names + "\n" + request.payload_hash;
}

std::string SigV4Authorization(const SigV4Request& request, const SigV4Credentials& credentials,
                               const SigV4Scope& scope, std::string_view amz_date) {
  const std::string scope_string = Scope(scope, amz_date);
  const std::string to_sign = "AWS4-HMAC-SHA256\n" + std::string(amz_date) + "\n" + scope_string +
                              "\n" + Sha256Hex(SigV4CanonicalRequest(request));
  std::string key = Hmac("AWS4" + credentials.secret_key, amz_date.substr(0, 8));
  key = Hmac(key, scope.region);
  key = Hmac(key, scope.service);
  key = Hmac(key, "aws4_request");
  const std::string mac = Hmac(key, to_sign);
  return "AWS4-HMAC-SHA256 Credential=" + credentials.access_key + "/" + scope_string +
         ", SignedHeaders=" + CanonicalHeaders(request).first +
         ", Signature=" + Hex(reinterpret_cast<const unsigned char*>(mac.data()), mac.size());
}

}  // namespace deltatunnel::storage::cluster
