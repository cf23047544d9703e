#include "api_util.h"

#include <fmt/format.h>

#include <charconv>
#include <chrono>

namespace deltatunnel::server {

Response JsonResponse(const nlohmann::json& body, int status) {
  Response r;
  r.status = status;
  r.headers["content-type"] = "application/json";
  r.body = body.dump();
  return r;
}

Result<uint64_t> QueryUint(const Request& req, std::string_view name, uint64_t fallback,
                           uint64_t min, uint64_t max) {
  const std::string* raw = req.Query(name);
  if (raw == nullptr || raw->empty()) return fallback;
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(raw->data(), raw->data() + raw->size(), v);
  if (ec != std::errc() || end != raw->data() + raw->size() || v < min || v > max) {
    return InvalidArgument(fmt::format(
        "query parameter '{}' must be an integer from {} to {}, not '{}'", name, min, max, *raw));
  }
  return v;
}

std::optional<std::string> QueryString(const Request& req, std::string_view name) {
  const std::string* raw = req.Query(name);
  if (raw == nullptr || raw->empty()) return std::nullopt;
  return *raw;
}

const std::string& PathParam(const Request& req, const std::string& name) {
  static const std::string kEmpty;
  auto it = req.params.find(name);
  return it == req.params.end() ? kEmpty : it->second;
}

Result<nlohmann::json> ParseJsonBody(const Request& req) {
  try {
    return nlohmann::json::parse(req.body);
  } catch (const nlohmann::json::parse_error& e) {
    return InvalidArgument(fmt::format("the body is not valid JSON: {}", e.what()));
  }
}

std::string FormatRfc3339Millis(int64_t ms) {
  using namespace std::chrono;
  const sys_days day = floor<days>(sys_time<milliseconds>(milliseconds(ms)));
  const year_month_day ymd(day);
  const int64_t in_day = ms - duration_cast<milliseconds>(day.time_since_epoch()).count();
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                     in_day / 3600000, in_day / 60000 % 60, in_day / 1000 % 60, in_day % 1000);
}

namespace {

bool ReadDigits(std::string_view s, size_t& pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  pos += n;
  return true;
}

bool Expect(std::string_view s, size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c) return false;
  ++pos;
  return true;
}

}  // namespace

Result<int64_t> ParseTimeParam(std::string_view text, std::string_view param_name) {
  auto bad = [&] {
    return InvalidArgument(fmt::format(
        "'{}' must be RFC 3339 (2026-11-25T10:10:10.123Z) or epoch milliseconds, not '{}'",
        param_name, text));
  };
  if (!text.empty() && text.find_first_not_of("0123456789-") == std::string_view::npos &&
      text.find('-', 1) == std::string_view::npos) {
    int64_t ms = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), ms);
    if (ec != std::errc() || end != text.data() + text.size()) return bad();
    return ms;
  }
  size_t pos = 0;
  int y, mo, d, h, mi, sec;
  if (!ReadDigits(text, pos, 4, y) || !Expect(text, pos, '-') || !ReadDigits(text, pos, 2, mo) ||
      !Expect(text, pos, '-') || !ReadDigits(text, pos, 2, d)) {
    return bad();
  }
  if (pos >= text.size() || (text[pos] != 'T' && text[pos] != 't' && text[pos] != ' '))
    return bad();
  ++pos;
  if (!ReadDigits(text, pos, 2, h) || !Expect(text, pos, ':') || !ReadDigits(text, pos, 2, mi) ||
      !Expect(text, pos, ':') || !ReadDigits(text, pos, 2, sec)) {
    return bad();
  }
  int64_t frac_ms = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (digits < 3) frac_ms = frac_ms * 10 + (text[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return bad();
    for (int i = digits; i < 3; ++i) frac_ms *= 10;
  }
  int64_t offset_s = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int sign = text[pos] == '-' ? -1 : 1;
    ++pos;
    int oh, om;
    if (!ReadDigits(text, pos, 2, oh) || !Expect(text, pos, ':') || !ReadDigits(text, pos, 2, om)) {
      return bad();
    }
    offset_s = sign * (oh * 3600 + om * 60);
  } else {
    return bad();
  }
  if (pos != text.size()) return bad();
  using namespace std::chrono;
  const year_month_day ymd{year(y), month(static_cast<unsigned>(mo)),
                           day(static_cast<unsigned>(d))};
  if (!ymd.ok() || h > 23 || mi > 59 || sec > 60) return bad();
  const int64_t days_since = sys_days(ymd).time_since_epoch().count();
  return ((days_since * 86400 + h * 3600 + mi * 60 + sec) - offset_s) * 1000 + frac_ms;
}

}  // namespace deltatunnel::server
