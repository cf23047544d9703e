#include "deltatunnel/storage/types.h"

namespace deltatunnel::storage {

std::string_view SessionStatusName(SessionStatus s) {
  switch (s) {
    case SessionStatus::kNormal:
      return "normal";
    case SessionStatus::kCommitting:
      return "committing";
    case SessionStatus::kCommitted:
      return "committed";
    case SessionStatus::kExpired:
      return "expired";
    case SessionStatus::kCritical:
      return "critical";
    case SessionStatus::kAborted:
      return "aborted";
  }
  return "unknown";
}

std::string_view ChangeKindName(ChangeKind kind) {
  switch (kind) {
    case ChangeKind::kInsert:
      return "insert";
    case ChangeKind::kUpdate:
      return "update";
    case ChangeKind::kDelete:
      return "delete";
  }
  return "unknown";
}

std::string_view CommitOperationName(CommitOperation op) {
  switch (op) {
    case CommitOperation::kCommit:
      return "commit";
    case CommitOperation::kTruncate:
      return "truncate";
    case CommitOperation::kDropPartition:
      return "drop_partition";
    case CommitOperation::kAlterSchema:
      return "alter_schema";
  }
  return "unknown";
}

}  // namespace deltatunnel::storage
