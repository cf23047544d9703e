// BackupRunner: the engine's backups (backup.h) into its backup directory, one at a time, each on
// a thread of its own so that a request only starts it and progress can be read while it runs.
//
// Invariants: at most one backup runs; while it does, a verify or a delete is refused
// (StatusConflict) rather than blocked behind it, and the list answers what the directory held
// before it. The destructor stops a running backup (what it copied so far is purged by the next
// one) and waits for its thread; the engine destroys the runner before it closes its database.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <rocksdb/db.h>

#include "backup_dir.h"
#include "deltatunnel/storage/backup.h"
#include "mutex.h"
#include "store/store.h"
#include "thread_annotations.h"

namespace deltatunnel::storage {

class BackupRunner final : public Backups {
 public:
  BackupRunner(std::string dir, uint64_t rate_bytes_per_sec, rocksdb::DB* db,
               std::function<int64_t()> now_ms);
  ~BackupRunner() override;
  BackupRunner(const BackupRunner&) = delete;
  BackupRunner& operator=(const BackupRunner&) = delete;

  // Starts a backup and answers it running. StatusConflict while one runs.
  Result<BackupJob> Start() override EXCLUDES(mu_);
  // The running backup, or the last one (nullopt before the first).
  std::optional<BackupJob> Last() override EXCLUDES(mu_);
  // The backups in the directory, oldest first (none while it does not exist yet).
  Result<std::vector<BackupInfo>> List() override EXCLUDES(mu_);
  Result<BackupCheck> Verify(uint32_t id) override EXCLUDES(mu_);
  Status Delete(uint32_t id) override EXCLUDES(mu_);

 private:
  // The directory, opened on first use (made by the first backup).
  Result<std::shared_ptr<BackupDir>> DirLocked(bool create) REQUIRES(mu_);
  // Refuses while a backup runs; else the directory (NoSuchObject if it does not exist).
  Result<std::shared_ptr<BackupDir>> IdleDir() EXCLUDES(mu_);
  void Run(std::shared_ptr<BackupDir> dir) EXCLUDES(mu_);

  const std::string dir_path_;
  const uint64_t rate_bytes_per_sec_;
  rocksdb::DB* const db_;
  const std::function<int64_t()> now_ms_;

  Mutex mu_;
  std::shared_ptr<BackupDir> dir_ GUARDED_BY(mu_);
  std::vector<BackupInfo> list_ GUARDED_BY(mu_);  // as of the last change made here
  bool running_ GUARDED_BY(mu_) = false;
  std::optional<BackupJob> job_ GUARDED_BY(mu_);
  std::thread thread_ GUARDED_BY(mu_);
  std::atomic<uint64_t> copied_{0};  // bytes, of the running backup
};

}  // namespace deltatunnel::storage
