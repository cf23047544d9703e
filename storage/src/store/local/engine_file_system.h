// The file system the engine's RocksDB writes through: the default one, wrapped for three reasons.
//
//  1. Errors RocksDB can recover from. POSIX reports EIO as a plain IOError, which RocksDB 7.8
//     counts as fatal when a write (WAL append or sync), a flush or a MANIFEST write fails: the
//     database then refuses every write until it is closed and opened again. A failed file is
//     never written again by RocksDB (it starts a new WAL, flushes the memtables to new tables),
//     so an I/O error of one file is marked retryable and file-scoped, as RocksDB's distributed
//     file systems mark theirs: RocksDB then stops writes, and resumes them by itself (a new WAL,
//     the memtables flushed and synced) once the device takes writes again, retrying every second.
//     No space (ENOSPC) goes the same way, as a space limit: RocksDB would count a full disk met
//     while it switches WALs as fatal.
//  2. A WAL whose write or sync failed is never synced again in the background. RocksDB 7.8's
//     SyncWAL() does not check the database's error first, and on a WAL writer that saw an error
//     it aborts the process (WritableFileWriter's assertion `sync_without_flush_called_`; Debian's
//     librocksdb keeps assertions); a failed SyncWAL() racing other writers also left the writer
//     with an error no Resume cleared. So the engine never calls SyncWAL(): its background sync is
//     a synced write (LocalStore::SyncBuffered), which RocksDB refuses while writes are stopped,
//     and it is skipped while WalSyncGate says a WAL write or sync failed.
//  3. Tests inject faults (EngineOptions::faults, fault_injection.h) at every write point.
#pragma once

#include <rocksdb/file_system.h>

#include <atomic>
#include <memory>

#include "deltatunnel/storage/fault_injection.h"

namespace deltatunnel::storage {

// See (2) above.
class WalSyncGate {
 public:
  // A WAL write or sync failed: called before the failure is returned to RocksDB.
  void Failed() { failed_ = true; }
  // RocksDB recovered (its failed WAL files are closed and obsolete): background syncs resume.
  void Reopen() { failed_ = false; }
  bool failed() const { return failed_.load(); }

 private:
  std::atomic<bool> failed_{false};
};

// The engine's FileSystem over `base`. `faults` may be null.
std::shared_ptr<rocksdb::FileSystem> NewEngineFileSystem(std::shared_ptr<rocksdb::FileSystem> base,
                                                         std::shared_ptr<FaultInjector> faults,
                                                         WalSyncGate* wal_gate);

}  // namespace deltatunnel::storage
