// ODPS v2 request signatures (wire-format.md section 7), shared by the server (verifies) and the
// client (signs):
//
//   canonical = METHOD "\n" content-md5 "\n" content-type "\n" date "\n"
//               ("x-odps-*" headers and query parameters, lower-cased, sorted by name,
//               "name:value\n") path [ "?" query parameters sorted by name, "k=v" or "k" when the
//               value is empty, "&" ]
//   Authorization: ODPS <AccessId>:base64(HMAC-SHA1(secret, canonical))
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace deltatunnel::proto {

struct SignatureInput {
  std::string method;                                      // upper case
  std::string path;                                        // percent-decoded URL path
  std::vector<std::pair<std::string, std::string>> query;  // percent-decoded
  std::map<std::string, std::string> headers;              // names lower-cased
};

std::string OdpsCanonicalString(const SignatureInput& input);
// base64(HMAC-SHA1(secret, canonical))
std::string OdpsSignature(std::string_view secret, std::string_view canonical);
// "ODPS <access_id>:<signature>" for the request.
std::string OdpsAuthorization(std::string_view access_id, std::string_view secret,
                              const SignatureInput& input);

}  // namespace deltatunnel::proto
