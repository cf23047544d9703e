#include "deltatunnel/server/http_types.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace deltatunnel::server {

Cancellation::Cancellation(Clock::time_point start, uint32_t deadline_s) : deadline_s_(deadline_s) {
  if (deadline_s == 0) return;
  const auto at = start + std::chrono::seconds(deadline_s);
  deadline_ns_.store(
      std::chrono::duration_cast<std::chrono::nanoseconds>(at.time_since_epoch()).count(),
      std::memory_order_relaxed);
}

Status Cancellation::Check() const {
  if (gone_.load(std::memory_order_relaxed)) {
    return {ErrorCode::kServiceUnavailable,
            "the client closed its connection; the request's work was stopped"};
  }
  const int64_t deadline = deadline_ns_.load(std::memory_order_relaxed);
  if (deadline == kNoDeadline) return Status::Ok();
  const int64_t now =
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
  if (now < deadline) return Status::Ok();
  expired_.store(true, std::memory_order_relaxed);
  return {ErrorCode::kServiceUnavailable,
          fmt::format("the request ran past its deadline of {} s (limits.request_deadline_s) and "
                      "was stopped; ask for less at once (fewer keys, a smaller body)",
                      deadline_s_)};
}

Cancellation::Reason Cancellation::reason() const {
  if (gone_.load(std::memory_order_relaxed)) return Reason::kClientGone;
  if (expired_.load(std::memory_order_relaxed)) return Reason::kDeadline;
  return Reason::kNone;
}

const std::string* Request::Query(std::string_view name) const {
  for (const auto& [k, v] : query) {
    if (k == name) return &v;
  }
  return nullptr;
}

std::string_view Request::Header(std::string_view lower_name) const {
  auto it = headers.find(std::string(lower_name));
  return it == headers.end() ? std::string_view() : std::string_view(it->second);
}

int HttpStatusOf(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk:
      return 200;
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kCorruptedDataStream:
      return 400;
    case ErrorCode::kUnauthorized:
      return 401;
    case ErrorCode::kAccessDenied:
      return 403;
    case ErrorCode::kNoSuchObject:
    case ErrorCode::kNoSuchProject:
    case ErrorCode::kNoSuchTable:
    case ErrorCode::kNoSuchPartition:
    case ErrorCode::kUpsertSessionNotFound:
      return 404;
    case ErrorCode::kStatusConflict:
    case ErrorCode::kTableAlreadyExists:
      return 409;
    case ErrorCode::kVersionExpired:
      return 410;
    case ErrorCode::kRequestTooLarge:
      return 413;
    case ErrorCode::kUnsupportedMediaType:
      return 415;
    case ErrorCode::kSlotExceeded:
    case ErrorCode::kFlowExceeded:
      return 429;
    case ErrorCode::kServiceUnavailable:
    case ErrorCode::kNoSpace:
    case ErrorCode::kIoError:
    case ErrorCode::kBusy:
    case ErrorCode::kConnectionFailed:  // a service the server depends on is unreachable
      return 503;
    case ErrorCode::kInternalServerError:
    case ErrorCode::kCorruption:
      return 500;
  }
  return 500;
}

Response ErrorResponse(const Status& status, const std::string& request_id, int retry_after_s) {
  Response r;
  r.status = HttpStatusOf(status.code());
  if (status.ok()) r.status = 500;  // an ok Status is no error: a handler bug
  r.headers["content-type"] = "application/json";
  if (r.status == 429 || r.status == 503) {
    r.headers["retry-after"] = std::to_string(retry_after_s);
  }
  nlohmann::json body = {
      {"Code", status.ok() ? "InternalServerError"
                           : std::string(ErrorCodeName(ApiErrorCode(status.code())))},
      {"Message", status.message()},
      {"RequestId", request_id}};
  // Invalid UTF-8 in a message (a user's bytes echoed back) is replaced, never thrown.
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

}  // namespace deltatunnel::server
