// Online backups of the whole engine into a directory, and their restore.
//
// A backup is RocksDB's BackupEngine over the engine's one database: it flushes, then copies the
// live files while writes go on. Every change of the engine is one atomic WriteBatch, so a backup
// holds a prefix of the engine's history: each table at one version, every commit up to it whole,
// nothing after it. Backups are incremental: a file already in the directory (same name, size and
// checksum) is not copied again, so a backup after the first costs what changed since. A backup is
// verified without restoring it (every file's checksum, then its catalog read in place).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "deltatunnel/proto/status.h"

namespace deltatunnel::storage {

struct BackupInfo {
  uint32_t id = 0;
  int64_t created_at_ms = 0;
  uint64_t size_bytes = 0;  // of its files, shared ones included
  uint32_t files = 0;
};

// A table as a backup holds it.
struct BackupTable {
  std::string project;
  std::string table;
  uint64_t version = 0;
};

// A verified (or restored) backup: its files' checksums matched, and its catalog read.
struct BackupCheck {
  BackupInfo backup;
  std::vector<BackupTable> tables;  // by project, then table
};

// The backup being made, or the last one made since the engine opened.
struct BackupJob {
  std::string state;  // "running", "done", "failed"
  int64_t started_at_ms = 0;
  int64_t finished_at_ms = 0;  // 0 while running
  // While running, the progress in steps of 1 MiB; when done, the bytes of the files it added to
  // the directory (the files of earlier backups it shares were not copied again).
  uint64_t bytes_copied = 0;
  std::optional<BackupCheck> result;  // when done
  std::string error;                  // when failed
};

// The backups in `dir`, oldest first. NoSuchObject when `dir` holds no backups.
Result<std::vector<BackupInfo>> ListBackups(const std::string& dir);
// Checks backup `id` (the latest when absent) of `dir` without restoring it. Corruption with the
// file that failed; NoSuchObject for an unknown id.
Result<BackupCheck> VerifyBackup(const std::string& dir, std::optional<uint32_t> id);
// Restores backup `id` (the latest when absent) of `dir` into `data_dir`, which must not hold a
// database (InvalidArgument if it does: a restore never overwrites data). Verifies it first.
Result<BackupCheck> RestoreBackup(const std::string& dir, std::optional<uint32_t> id,
                                  const std::string& data_dir);

}  // namespace deltatunnel::storage
