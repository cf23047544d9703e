#include "rocks_status.h"

#include <string>

namespace deltatunnel::storage {

ErrorCode ClassifyRocks(const rocksdb::Status& s) {
  using Code = rocksdb::Status::Code;
  using SubCode = rocksdb::Status::SubCode;
  switch (s.code()) {
    case Code::kOk:
      return ErrorCode::kOk;
    case Code::kIOError:
      if (s.subcode() == SubCode::kNoSpace || s.subcode() == SubCode::kSpaceLimit) {
        return ErrorCode::kNoSpace;
      }
      return ErrorCode::kIoError;
    case Code::kBusy:
    case Code::kTryAgain:
    case Code::kTimedOut:
    case Code::kIncomplete:
    case Code::kAborted:
    case Code::kShutdownInProgress:
      return ErrorCode::kBusy;
    case Code::kCorruption:
      return ErrorCode::kCorruption;
    default:
      return ErrorCode::kInternalServerError;
  }
}

Status FromRocks(const rocksdb::Status& s, std::string_view context) {
  if (s.ok()) return Status::Ok();
  std::string message(context);
  message += ": ";
  message += s.ToString();
  return Status(ClassifyRocks(s), std::move(message));
}

}  // namespace deltatunnel::storage
