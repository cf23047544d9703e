// A strict reader of the Prometheus text format 0.0.4, for tests of /metrics.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace deltatunnel::testing {

// Sample -> value, keyed by the series as written: `name{labels}` (or `name`). Throws
// std::runtime_error naming the line when a line is malformed, a sample comes before its
// family's HELP and TYPE lines, a TYPE is unknown, or a series appears twice.
std::map<std::string, double> ParseMetricsText(std::string_view text);

}  // namespace deltatunnel::testing
