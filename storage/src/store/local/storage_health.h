// Whether storage can take writes now, as RocksDB's own error handling says.
//
// RocksDB stops writes when a WAL write or sync, a flush or a MANIFEST write fails (a "hard"
// background error), and resumes them when it recovers: by itself once space is freed (its
// SstFileManager) or the failed file is behind it (errors engine_file_system.h marks retryable),
// or when the engine's maintenance thread calls DB::Resume(). StorageHealth listens to both ends
// (RocksDB's EventListener) so that the engine answers "not writable" at once, with the cause
// classified (kNoSpace, kIoError), and /readyz follows without a restart.
//
// Errors of RocksDB's own background compactions do not stop writes (RocksDB retries them) and
// are not counted here.
#pragma once

#include <rocksdb/listener.h>

#include <atomic>
#include <string>

#include "deltatunnel/proto/status.h"
#include "engine_file_system.h"
#include "mutex.h"

namespace deltatunnel::storage {

class StorageHealth final : public rocksdb::EventListener {
 public:
  explicit StorageHealth(WalSyncGate* wal_gate) : wal_gate_(wal_gate) {}

  const char* Name() const override { return "DeltatunnelStorageHealth"; }
  void OnBackgroundError(rocksdb::BackgroundErrorReason reason, rocksdb::Status* error) override;
  void OnErrorRecoveryEnd(const rocksdb::BackgroundErrorRecoveryInfo& info) override;

  // Ok while writes can succeed; else the cause (kNoSpace, kIoError, kBusy), with a message.
  Status Writable() const;
  bool stopped() const { return stopped_.load(std::memory_order_acquire); }
  // The maintenance thread's DB::Resume() succeeded.
  void Recovered();
  // Times writes were stopped and resumed, for metrics and tests.
  uint64_t stops() const { return stops_.load(); }
  uint64_t recoveries() const { return recoveries_.load(); }

 private:
  WalSyncGate* const wal_gate_;
  std::atomic<bool> stopped_{false};
  std::atomic<uint64_t> stops_{0};
  std::atomic<uint64_t> recoveries_{0};
  mutable Mutex mu_;
  Status cause_ GUARDED_BY(mu_);
};

}  // namespace deltatunnel::storage
