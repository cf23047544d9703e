// Status and Result: errors as values, shared by every module.
//
// The error codes are the API's codes (../shared/design/api.md section 1, wire-format.md section
// 6), so the server maps a Status to HTTP in one table and nothing in between renames an error.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace deltatunnel {

enum class ErrorCode {
  kOk,
  kInvalidArgument,        // 400
  kCorruptedDataStream,    // 400
  kUnauthorized,           // 401
  kAccessDenied,           // 403
  kNoSuchObject,           // 404 (an unknown path)
  kNoSuchProject,          // 404
  kNoSuchTable,            // 404
  kNoSuchPartition,        // 404
  kUpsertSessionNotFound,  // 404
  kStatusConflict,         // 409
  kTableAlreadyExists,     // 409
  kVersionExpired,         // 410
  kRequestTooLarge,        // 413
  kUnsupportedMediaType,   // 415
  kSlotExceeded,           // 429
  kFlowExceeded,           // 429
  kServiceUnavailable,     // 503
  kInternalServerError,    // 500

  // The storage engine's own codes, classified once where the error arises (storage's FromRocks,
  // by RocksDB's code and subcode). They are not API codes: the server answers each with the API
  // code ApiErrorCode() gives, by one table (HttpStatusOf).
  kNoSpace,     // 503 ServiceUnavailable: the data directory's filesystem is full
  kIoError,     // 503 ServiceUnavailable: the device failed a read, write or sync
  kBusy,        // 503 ServiceUnavailable: try again (a stall, recovery in progress, shutting down)
  kCorruption,  // 500 InternalServerError: what is on disk is not what was written

  // The client's own: the server could not be reached, or the connection broke before the whole
  // answer was read (after the client's retries). Never an answer of a server.
  kConnectionFailed,
};

// The API code a client is answered with: the code itself, or for a storage code the API code
// that stands for it (ServiceUnavailable, InternalServerError).
ErrorCode ApiErrorCode(ErrorCode code);

// Whether a storage cause is transient (space freed, the device back, the stall over): the
// storage codes answered 503 with Retry-After.
bool IsStorageUnavailable(ErrorCode code);

// The code's name as the API spells it ("InvalidArgument").
std::string_view ErrorCodeName(ErrorCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }
  bool ok() const { return code_ == ErrorCode::kOk; }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "InvalidArgument: message"
  std::string ToString() const;

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string message) {
  return {ErrorCode::kInvalidArgument, std::move(message)};
}
inline Status Internal(std::string message) {
  return {ErrorCode::kInternalServerError, std::move(message)};
}
inline Status Corruption(std::string message) {
  return {ErrorCode::kCorruption, std::move(message)};
}

// A value or the Status that explains why there is none. Never holds an ok Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT
    assert(!std::get<Status>(v_).ok());
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace deltatunnel

// Return early with the Status of an expression that failed.
#define DT_RETURN_IF_ERROR(expr)               \
  do {                                         \
    ::deltatunnel::Status dt_status_ = (expr); \
    if (!dt_status_.ok()) return dt_status_;   \
  } while (0)

#define DT_CONCAT_INNER_(a, b) a##b
#define DT_CONCAT_(a, b) DT_CONCAT_INNER_(a, b)
// Declare `lhs` from a Result, returning its Status early when it has none.
#define DT_ASSIGN_OR_RETURN(lhs, expr) \
  DT_ASSIGN_OR_RETURN_IMPL_(DT_CONCAT_(dt_result_, __LINE__), lhs, expr)
#define DT_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return tmp.status();             \
  lhs = std::move(tmp).value()
