// Small helpers shared by the API handlers: query parameters, JSON answers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "deltatunnel/proto/status.h"
#include "deltatunnel/server/http_types.h"
#include "write_guard.h"

namespace deltatunnel::server {

// The Retry-After of an error answer: a 503 from a handler is storage that cannot serve now.
inline int RetryAfterOf(const Status& s) {
  const bool storage = s.code() == ErrorCode::kServiceUnavailable || IsStorageUnavailable(s.code());
  return storage ? kStorageRetryAfterSeconds : 1;
}

// Runs `fn` (returning Result<Response>), turning a failure into the error answer.
template <typename Fn>
Response Answer(const Request& req, Fn&& fn) {
  Result<Response> r = fn();
  if (!r.ok()) return ErrorResponse(r.status(), req.request_id, RetryAfterOf(r.status()));
  return std::move(r).value();
}

// 200 (or `status`) with a JSON body.
Response JsonResponse(const nlohmann::json& body, int status = 200);

// The query parameter as an unsigned integer in [min, max]; `fallback` when absent. InvalidArgument
// naming the parameter otherwise.
Result<uint64_t> QueryUint(const Request& req, std::string_view name, uint64_t fallback,
                           uint64_t min, uint64_t max);
// The query parameter when present and non-empty.
std::optional<std::string> QueryString(const Request& req, std::string_view name);
// A required path capture ({project}, {table}).
const std::string& PathParam(const Request& req, const std::string& name);

// Parses a JSON body; InvalidArgument saying where it is malformed.
Result<nlohmann::json> ParseJsonBody(const Request& req);

// Milliseconds since the epoch as RFC 3339 UTC with milliseconds: "2026-11-25T10:00:00.000Z".
std::string FormatRfc3339Millis(int64_t ms);
// The same, or null for 0 (a time not reached yet: a job's start or end).
nlohmann::json TimeOrNull(int64_t ms);
// "2026-11-25T10:10:10.123Z", "2026-11-25T18:10:10+08:00" or epoch milliseconds ("1764065410123").
Result<int64_t> ParseTimeParam(std::string_view text, std::string_view param_name);

}  // namespace deltatunnel::server
