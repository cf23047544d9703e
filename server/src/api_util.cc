#include "api_util.h"

#include "deltatunnel/server/format_time_text.h"

#include <fmt/format.h>

#include <charconv>
#include <chrono>

namespace deltatunnel::server {

Response JsonResponse(const nlohmann::json& body, int status) {
  Response r;
  r.status = status;
  r.headers["content-type"] = "application/json";
  // Invalid UTF-8 (a user's bytes shown back: a rejected row's text) is replaced, never thrown.
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
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

nlohmann::json TimeOrNull(int64_t ms) {
  return ms == 0 ? nlohmann::json(nullptr) : nlohmann::json(FormatRfc3339Millis(ms));
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

Result<int64_t> ParseTimeParam(std::string_view text, std::string_view param_name) {
  auto bad = [&](std::string_view why) {
    return InvalidArgument(fmt::format(
        "'{}' must be RFC 3339 (2026-11-25T10:10:10.123Z) or epoch milliseconds, not '{}'{}",
        param_name, text, why));
  };
  if (!text.empty() && text.find_first_not_of("0123456789-") == std::string_view::npos &&
      text.find('-', 1) == std::string_view::npos) {
    int64_t ms = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), ms);
    if (ec != std::errc() || end != text.data() + text.size()) return bad("");
    return ms;
  }
  DateTimeText parsed;
  if (Status s = ParseDateTimeText(text, &parsed); !s.ok()) return bad(": " + s.message());
  if (!parsed.has_offset) return bad(": it needs an offset such as Z or +08:00");
  return (parsed.local_seconds - parsed.offset_seconds) * 1000 + parsed.nanos / 1000000;
}

}  // namespace deltatunnel::server
