#include "deltatunnel/server/http_types.h"

#include <nlohmann/json.hpp>

namespace deltatunnel::server {

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
