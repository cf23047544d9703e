#include "deltatunnel/proto/status.h"

namespace deltatunnel {

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk:
      return "OK";
    case ErrorCode::kInvalidArgument:
      return "InvalidArgument";
    case ErrorCode::kCorruptedDataStream:
      return "CorruptedDataStream";
    case ErrorCode::kUnauthorized:
      return "Unauthorized";
    case ErrorCode::kAccessDenied:
      return "AccessDenied";
    case ErrorCode::kNoSuchObject:
      return "NoSuchObject";
    case ErrorCode::kNoSuchProject:
      return "NoSuchProject";
    case ErrorCode::kNoSuchTable:
      return "NoSuchTable";
    case ErrorCode::kNoSuchPartition:
      return "NoSuchPartition";
    case ErrorCode::kUpsertSessionNotFound:
      return "UpsertSessionNotFound";
    case ErrorCode::kStatusConflict:
      return "StatusConflict";
    case ErrorCode::kTableAlreadyExists:
      return "TableAlreadyExists";
    case ErrorCode::kVersionExpired:
      return "VersionExpired";
    case ErrorCode::kRequestTooLarge:
      return "RequestTooLarge";
    case ErrorCode::kUnsupportedMediaType:
      return "UnsupportedMediaType";
    case ErrorCode::kSlotExceeded:
      return "SlotExceeded";
    case ErrorCode::kFlowExceeded:
      return "FlowExceeded";
    case ErrorCode::kServiceUnavailable:
      return "ServiceUnavailable";
    case ErrorCode::kInternalServerError:
      return "InternalServerError";
    case ErrorCode::kNoSpace:
      return "NoSpace";
    case ErrorCode::kIoError:
      return "IoError";
    case ErrorCode::kBusy:
      return "Busy";
    case ErrorCode::kCorruption:
      return "Corruption";
    case ErrorCode::kConnectionFailed:
      return "ConnectionFailed";
  }
  return "InternalServerError";
}

ErrorCode ApiErrorCode(ErrorCode code) {
  switch (code) {
    case ErrorCode::kNoSpace:
    case ErrorCode::kIoError:
    case ErrorCode::kBusy:
    case ErrorCode::kConnectionFailed:
      return ErrorCode::kServiceUnavailable;
    case ErrorCode::kCorruption:
      return ErrorCode::kInternalServerError;
    default:
      return code;
  }
}

bool IsStorageUnavailable(ErrorCode code) {
  return code == ErrorCode::kNoSpace || code == ErrorCode::kIoError || code == ErrorCode::kBusy;
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string s(ErrorCodeName(code_));
  s += ": ";
  s += message_;
  return s;
}

}  // namespace deltatunnel
