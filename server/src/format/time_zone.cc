// TimeZone (format/time_zone.h). Zone files are read once and cached for the life of the process:
// a request names its zone on every call and the files do not change under a running server.
#include "deltatunnel/server/format_time_zone.h"

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <mutex>
#include <sstream>
#include <unordered_map>

#include "format/tzif.h"

namespace deltatunnel::server {
namespace {

constexpr int32_t kMaxOffset = 18 * 3600;

bool Digits(std::string_view s, size_t n, int* out) {
  if (s.size() < n) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

// "+08:00", "+0800", "+08", "-05:30:00", "+053000".
bool ParseOffset(std::string_view s, int32_t* seconds) {
  if (s.empty() || (s[0] != '+' && s[0] != '-')) return false;
  const int sign = s[0] == '-' ? -1 : 1;
  s.remove_prefix(1);
  int h = 0, m = 0, sec = 0;
  if (!Digits(s, 2, &h)) return false;
  s.remove_prefix(2);
  const bool colon = !s.empty() && s[0] == ':';
  if (!s.empty()) {
    if (colon) s.remove_prefix(1);
    if (!Digits(s, 2, &m) || m > 59) return false;
    s.remove_prefix(2);
  }
  if (!s.empty()) {
    if (colon != (s[0] == ':')) return false;
    if (colon) s.remove_prefix(1);
    if (!Digits(s, 2, &sec) || sec > 59 || s.size() != 2) return false;
  }
  const int32_t v = h * 3600 + m * 60 + sec;
  if (v > kMaxOffset) return false;
  *seconds = sign * v;
  return true;
}

std::string OffsetName(int32_t offset) {
  if (offset == 0) return "UTC";
  std::string s(1, offset < 0 ? '-' : '+');
  const int32_t a = offset < 0 ? -offset : offset;
  auto two = [&s](int v) {
    s += static_cast<char>('0' + v / 10);
    s += static_cast<char>('0' + v % 10);
  };
  two(a / 3600);
  s += ':';
  two(a / 60 % 60);
  if (a % 60 != 0) {
    s += ':';
    two(a % 60);
  }
  return s;
}

// IANA names are path components of [A-Za-z0-9_+-.]; "." and ".." are refused so a name cannot
// leave the zone folder.
bool ValidZoneName(std::string_view name) {
  if (name.empty() || name.size() > 255 || name.front() == '/' || name.back() == '/') return false;
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('/', start);
    if (end == std::string_view::npos) end = name.size();
    const std::string_view part = name.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    for (char c : part) {
      const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '+' || c == '-' || c == '.';
      if (!ok) return false;
    }
    start = end + 1;
  }
  return true;
}

Result<std::shared_ptr<const ZoneRules>> LoadZone(const std::string& name) {
  static std::mutex mu;
  static std::unordered_map<std::string, std::shared_ptr<const ZoneRules>> cache;
  {
    std::lock_guard<std::mutex> lock(mu);
    auto it = cache.find(name);
    if (it != cache.end()) return it->second;
  }
  const char* dir = std::getenv("TZDIR");
  const std::string path =
      std::string(dir != nullptr && *dir != '\0' ? dir : "/usr/share/zoneinfo") + "/" + name;
  std::ifstream in(path, std::ios::binary);
  if (!in) return InvalidArgument("unknown time zone '" + name + "'");
  std::ostringstream bytes;
  bytes << in.rdbuf();
  Result<ZoneRules> rules = ParseTzif(bytes.str());
  if (!rules.ok()) return InvalidArgument("unknown time zone '" + name + "'");
  auto shared = std::make_shared<const ZoneRules>(std::move(rules).value());
  std::lock_guard<std::mutex> lock(mu);
  return cache.emplace(name, std::move(shared)).first->second;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if ((a[i] | 0x20) != (b[i] | 0x20)) return false;
  }
  return true;
}

}  // namespace

TimeZone TimeZone::FixedOffset(int32_t offset_seconds) {
  TimeZone z;
  z.fixed_offset_ = offset_seconds;
  z.name_ = OffsetName(offset_seconds);
  return z;
}

Result<TimeZone> TimeZone::Parse(std::string_view name) {
  if (EqualsIgnoreCase(name, "UTC") || EqualsIgnoreCase(name, "GMT") || name == "Z") {
    return TimeZone();
  }
  std::string_view offset = name;
  if (name.size() > 3 &&
      (EqualsIgnoreCase(name.substr(0, 3), "UTC") || EqualsIgnoreCase(name.substr(0, 3), "GMT"))) {
    offset.remove_prefix(3);
  }
  if (!offset.empty() && (offset[0] == '+' || offset[0] == '-')) {
    int32_t seconds;
    if (!ParseOffset(offset, &seconds)) {
      return InvalidArgument("time zone '" + std::string(name) +
                             "' is not an offset like +08:00 (at most +-18:00) or an IANA name");
    }
    return FixedOffset(seconds);
  }
  if (!ValidZoneName(name)) {
    return InvalidArgument("unknown time zone '" + std::string(name) +
                           "': expected an IANA name such as Asia/Shanghai or an offset such as "
                           "+08:00");
  }
  DT_ASSIGN_OR_RETURN(auto rules, LoadZone(std::string(name)));
  TimeZone z;
  z.name_ = std::string(name);
  z.rules_ = std::move(rules);
  return z;
}

int32_t TimeZone::OffsetAt(int64_t utc_seconds) const {
  return rules_ == nullptr ? fixed_offset_ : rules_->OffsetAt(utc_seconds);
}

int64_t TimeZone::LocalToUtc(int64_t local_seconds) const {
  if (rules_ == nullptr) return local_seconds - fixed_offset_;
  // Real zones change offset at most once within a day, so the offsets a day before and a day after
  // are the only candidates.
  const int32_t before = rules_->OffsetAt(local_seconds - 86400);
  const int32_t after = rules_->OffsetAt(local_seconds + 86400);
  const int64_t with_before = local_seconds - before;
  const int64_t with_after = local_seconds - after;
  const bool before_valid = rules_->OffsetAt(with_before) == before;
  const bool after_valid = rules_->OffsetAt(with_after) == after;
  if (before_valid && after_valid) return std::min(with_before, with_after);  // overlap
  if (after_valid) return with_after;
  return with_before;  // valid, or a gap: read with the offset before the transition
}

}  // namespace deltatunnel::server
