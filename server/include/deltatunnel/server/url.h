// Request targets: percent-decoding and query strings. Pure functions, no sockets.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "deltatunnel/proto/status.h"

namespace deltatunnel::server {

// Decodes %XX escapes. With `plus_is_space` (form rules, for query strings only) '+' becomes ' ';
// paths keep '+'. InvalidArgument for a '%' not followed by two hex digits.
Result<std::string> PercentDecode(std::string_view text, bool plus_is_space);

// "a=1&b=x%20y&c" -> {{"a","1"},{"b","x y"},{"c",""}}, in order; empty pieces are skipped.
Result<std::vector<std::pair<std::string, std::string>>> ParseQuery(std::string_view query);

// Splits a request target into its (still encoded) path and query; the query excludes '?'.
std::pair<std::string_view, std::string_view> SplitTarget(std::string_view target);

}  // namespace deltatunnel::server
