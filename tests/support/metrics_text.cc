#include "metrics_text.h"

#include <fmt/format.h>

#include <regex>
#include <set>
#include <stdexcept>
#include <string>

namespace deltatunnel::testing {
namespace {

std::string FamilyOf(const std::string& name, const std::map<std::string, std::string>& types) {
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    std::string_view s(suffix);
    if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
      std::string base = name.substr(0, name.size() - s.size());
      auto it = types.find(base);
      if (it != types.end() && it->second == "histogram") return base;
    }
  }
  return name;
}

}  // namespace

std::map<std::string, double> ParseMetricsText(std::string_view text) {
  static const std::regex kHelp(R"(# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .*)");
  static const std::regex kType(
      R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped))");
  static const std::regex kSample(
      R"lit(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? (-?[0-9.e+-]+|\+Inf|-Inf|NaN))lit");
  std::set<std::string> helped;
  std::map<std::string, std::string> types;
  std::map<std::string, double> out;
  size_t line_no = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    if (nl == std::string_view::npos) throw std::runtime_error("the last line has no newline");
    std::string line(text.substr(0, nl));
    text.remove_prefix(nl + 1);
    ++line_no;
    auto fail = [&](std::string_view why) {
      throw std::runtime_error(fmt::format("line {} '{}': {}", line_no, line, why));
    };
    std::smatch m;
    if (std::regex_match(line, m, kHelp)) {
      if (!helped.insert(m[1]).second) fail("a second HELP");
      continue;
    }
    if (std::regex_match(line, m, kType)) {
      if (helped.count(m[1]) == 0) fail("TYPE before HELP");
      if (!types.emplace(m[1], m[2]).second) fail("a second TYPE");
      continue;
    }
    if (!std::regex_match(line, m, kSample)) fail("not a sample, HELP or TYPE line");
    std::string family = FamilyOf(m[1], types);
    if (types.count(family) == 0) fail("a sample before its TYPE line");
    std::string key = line.substr(0, line.rfind(' '));
    if (!out.emplace(key, std::stod(m[5])).second) fail("the series appears twice");
  }
  return out;
}

}  // namespace deltatunnel::testing
