// BackupDir: one directory of backups (backup.h), through RocksDB's BackupEngine. The engine
// keeps one open while it runs (backups are made of its database); the free functions of backup.h
// open one for a single call (verify or restore, server stopped or not).
//
// Invariants: a backup in the directory is whole or absent (BackupEngine writes its meta file
// last; a backup stopped half way is purged by the next one); files are shared between backups by
// name, size and checksum, so a backup copies only what the last one did not have.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <rocksdb/db.h>
#include <rocksdb/utilities/backup_engine.h>

#include "deltatunnel/storage/backup.h"

namespace deltatunnel::storage {

class BackupDir {
 public:
  // `create`: make the directory if it is absent (else NoSuchObject for a missing one).
  // `rate_bytes_per_sec`: the most a backup copies a second (0: no limit).
  static Result<std::unique_ptr<BackupDir>> Open(const std::string& dir, bool create,
                                                 uint64_t rate_bytes_per_sec = 0);

  // Flushes `db` and copies what the directory lacks. `progress` is called every 1 MiB copied.
  Result<BackupInfo> Create(rocksdb::DB* db, const std::function<void()>& progress);
  // Oldest first.
  std::vector<BackupInfo> List() const;
  // The latest backup's id when `id` is absent; NoSuchObject when there is none, or no such one.
  Result<uint32_t> Resolve(std::optional<uint32_t> id) const;
  // Every file's checksum, then the catalog read in place (Tables).
  Result<BackupCheck> Verify(uint32_t id) const;
  // The bytes of backup `id`'s files that no other backup in the directory shares: what making it
  // copied.
  uint64_t NewBytes(uint32_t id) const;
  // The tables and versions backup `id` holds, read from it in place.
  Result<std::vector<BackupTable>> Tables(uint32_t id) const;
  Status Delete(uint32_t id);
  Status Restore(uint32_t id, const std::string& data_dir) const;
  // Makes a Create in progress return (Busy) as soon as it can.
  void Stop();

  static constexpr uint64_t kProgressStep = 1 << 20;

 private:
  BackupDir(std::string dir, std::unique_ptr<rocksdb::BackupEngine> engine)
      : dir_(std::move(dir)), engine_(std::move(engine)) {}
  Result<BackupInfo> Info(uint32_t id) const;

  std::string dir_;
  std::unique_ptr<rocksdb::BackupEngine> engine_;  // thread-safe (its own read-write lock)
};

}  // namespace deltatunnel::storage
