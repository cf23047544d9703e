#include "storage_health.h"

#include <spdlog/spdlog.h>

#include "rocks_status.h"

namespace deltatunnel::storage {

void StorageHealth::OnBackgroundError(rocksdb::BackgroundErrorReason reason,
                                      rocksdb::Status* error) {
  if (reason == rocksdb::BackgroundErrorReason::kCompaction || error == nullptr || error->ok()) {
    return;
  }
  Status cause = FromRocks(*error, "storage cannot take writes until it recovers");
  {
    MutexLock lock(&mu_);
    cause_ = cause;
  }
  if (!stopped_.exchange(true, std::memory_order_acq_rel)) {
    ++stops_;
    spdlog::error("{}; reads go on, writes resume by themselves once the cause is gone",
                  cause.ToString());
  }
}

void StorageHealth::OnErrorRecoveryEnd(const rocksdb::BackgroundErrorRecoveryInfo& info) {
  if (!info.new_bg_error.ok()) {
    spdlog::warn("storage recovery did not succeed yet: {}", info.new_bg_error.ToString());
    return;
  }
  Recovered();
}

void StorageHealth::Recovered() {
  if (!stopped_.exchange(false, std::memory_order_acq_rel)) return;
  wal_gate_->Reopen();
  ++recoveries_;
  spdlog::info("storage recovered: writes resume");
}

Status StorageHealth::Writable() const {
  if (!stopped()) return Status::Ok();
  MutexLock lock(&mu_);
  if (cause_.ok()) return Status(ErrorCode::kBusy, "storage is recovering");
  return cause_;
}

}  // namespace deltatunnel::storage
