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

}  // namespace deltatunnel::storage
