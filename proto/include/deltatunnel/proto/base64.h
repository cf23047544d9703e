// Base64 (RFC 4648 section 4, the standard alphabet): BINARY values in JSON and CSV, and the keys
// and values of etcd's JSON gateway.
#pragma once

#include <string>
#include <string_view>

namespace deltatunnel::proto {

// Appends the padded encoding of `bytes`.
void AppendBase64(std::string_view bytes, std::string* out);

// Decodes `text` into `out` (replacing its contents). Padding is optional; whitespace and the
// URL-safe alphabet are refused. False if `text` is not base64.
bool DecodeBase64(std::string_view text, std::string* out);

}  // namespace deltatunnel::proto
