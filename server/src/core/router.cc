#include "deltatunnel/server/router.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <stdexcept>

#include "deltatunnel/server/url.h"

namespace deltatunnel::server {
namespace {

std::vector<std::string> SplitSegments(std::string_view path) {
  std::vector<std::string> out;
  if (path.empty() || path == "/") return out;
  if (path.front() == '/') path.remove_prefix(1);
  while (true) {
    size_t slash = path.find('/');
    out.emplace_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

bool IsCapture(const std::string& segment) {
  return segment.size() >= 3 && segment.front() == '{' && segment.back() == '}';
}

// "/a[/b/{c}]/d" -> {"/a/d", "/a/b/{c}/d"}. Groups do not nest.
std::vector<std::string> ExpandOptional(std::string_view pattern) {
  std::vector<std::string> out = {""};
  size_t i = 0;
  while (i < pattern.size()) {
    size_t open = pattern.find('[', i);
    std::string_view fixed = pattern.substr(i, open == std::string_view::npos ? open : open - i);
    for (std::string& p : out) p.append(fixed);
    if (open == std::string_view::npos) break;
    size_t close = pattern.find(']', open);
    if (close == std::string_view::npos ||
        pattern.substr(open + 1, close - open - 1).find('[') != std::string_view::npos) {
      throw std::invalid_argument(fmt::format("route pattern '{}': unbalanced '['", pattern));
    }
    std::string_view group = pattern.substr(open + 1, close - open - 1);
    size_t n = out.size();
    for (size_t k = 0; k < n; ++k) out.push_back(out[k] + std::string(group));
    i = close + 1;
  }
  return out;
}

// The segments with every capture written "{}": two routes of one shape match the same paths.
std::vector<std::string> Shape(std::vector<std::string> segments) {
  for (std::string& seg : segments) {
    if (IsCapture(seg)) seg = "{}";
  }
  return segments;
}

// Literal segments score 1, captures 0; the lexicographically largest vector is the most specific.
std::vector<int> Specificity(const Route& r) {
  std::vector<int> s;
  for (const std::string& seg : r.segments) s.push_back(IsCapture(seg) ? 0 : 1);
  return s;
}

}  // namespace

void Router::Add(std::string_view method, std::string_view pattern, Handler handler,
                 RouteOptions options) {
  if (pattern.empty() || pattern.front() != '/') {
    throw std::invalid_argument(fmt::format("route pattern '{}' must start with '/'", pattern));
  }
  if (pattern.find(']') != std::string_view::npos && pattern.find('[') == std::string_view::npos) {
    throw std::invalid_argument(fmt::format("route pattern '{}': unbalanced ']'", pattern));
  }
  for (const std::string& expanded : ExpandOptional(pattern)) {
    Route r{std::string(method), std::string(pattern), SplitSegments(expanded), handler, options};
    std::set<std::string> names;
    for (const std::string& seg : r.segments) {
      if (seg.find_first_of("{}") != std::string::npos && !IsCapture(seg)) {
        throw std::invalid_argument(fmt::format(
            "route pattern '{}': segment '{}' is not a literal or {{name}}", pattern, seg));
      }
      if (IsCapture(seg) && !names.insert(seg).second) {
        throw std::invalid_argument(
            fmt::format("route pattern '{}' captures {} twice", pattern, seg));
      }
    }
    for (const Route& old : routes_) {
      if (old.method == r.method && Shape(old.segments) == Shape(r.segments)) {
        throw std::logic_error(fmt::format("route {} {} is registered twice", method, expanded));
      }
    }
    routes_.push_back(std::move(r));
  }
}

void Router::Wrap(std::string_view method, std::string_view pattern,
                  const std::function<Handler(Handler)>& wrap) {
  bool found = false;
  for (Route& r : routes_) {
    if (r.method == method && r.pattern == pattern) {
      r.handler = wrap(std::move(r.handler));
      found = true;
    }
  }
  if (!found) throw std::logic_error(fmt::format("no route {} {} to wrap", method, pattern));
}

Router::Match Router::Find(std::string_view method, std::string_view encoded_path) const {
  Match m;
  std::vector<std::string> segments;
  for (const std::string& raw : SplitSegments(encoded_path)) {
    auto decoded = PercentDecode(raw, false);
    if (!decoded.ok()) {
      m.kind = Match::Kind::kBadPath;
      m.error = decoded.status().message();
      return m;
    }
    segments.push_back(std::move(decoded).value());
  }
  const Route* best = nullptr;
  std::vector<int> best_score;
  std::set<std::string> allowed;
  for (const Route& r : routes_) {
    if (r.segments.size() != segments.size()) continue;
    bool match = true;
    for (size_t i = 0; i < segments.size() && match; ++i) {
      match = IsCapture(r.segments[i]) || r.segments[i] == segments[i];
    }
    if (!match) continue;
    if (r.method != method) {
      allowed.insert(r.method);
      continue;
    }
    std::vector<int> score = Specificity(r);
    if (best == nullptr || score > best_score) {
      best = &r;
      best_score = std::move(score);
    }
  }
  if (best == nullptr) {
    m.kind = allowed.empty() ? Match::Kind::kNotFound : Match::Kind::kMethodNotAllowed;
    m.allowed.assign(allowed.begin(), allowed.end());
    return m;
  }
  m.kind = Match::Kind::kFound;
  m.route = best;
  for (size_t i = 0; i < segments.size(); ++i) {
    const std::string& seg = best->segments[i];
    if (IsCapture(seg)) m.params[seg.substr(1, seg.size() - 2)] = segments[i];
  }
  return m;
}

}  // namespace deltatunnel::server
