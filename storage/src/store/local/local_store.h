// The local backend of store.h: one RocksDB database in a directory, records in CF `meta`, run
// chunks in CF `data` under run_id(BE8) + last key (keys.h). A StoreBatch is one WriteBatch, so
// each change of the engine is atomic through RocksDB's WAL; kSynced syncs it.
//
// It owns the database and its life: the options (engine_open's figures are here now), the file
// system every file goes through (engine_file_system.h: injected faults, the WAL sync gate), the
// listener that follows RocksDB's write stops and recoveries (storage_health.h), the compaction
// filter that frees dropped runs (reclaimed_runs.h), and the backups (backup_runner.h).
#pragma once

#include <rocksdb/db.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "backup_runner.h"
#include "deltatunnel/storage/fault_injection.h"
#include "engine_file_system.h"
#include "reclaimed_runs.h"
#include "storage_health.h"
#include "store/store.h"

namespace deltatunnel::storage {

struct LocalStoreOptions {
  std::string dir;  // the database's directory, made if missing
  uint64_t block_cache_bytes = 256ull << 20;
  uint64_t file_delete_bytes_per_sec = 0;  // 0: obsolete files are unlinked at once
  std::shared_ptr<FaultInjector> faults;   // tests: faults of the directory's files
  std::string backup_dir;                  // "": no backups
  uint64_t backup_rate_bytes_per_sec = 0;  // 0: unlimited
  std::function<int64_t()> now_ms;         // backups' times
};

class LocalStore final : public Store {
 public:
  static Result<std::unique_ptr<LocalStore>> Open(LocalStoreOptions options);
  ~LocalStore() override;
  LocalStore(const LocalStore&) = delete;
  LocalStore& operator=(const LocalStore&) = delete;

  std::unique_ptr<StoreBatch> NewBatch() override;
  Status Write(StoreBatch& batch, Durability durability, std::string_view what) override;
  Result<std::optional<std::string>> Get(std::string_view key) override;
  std::unique_ptr<RecordIterator> Scan(std::string_view prefix) override;
  std::unique_ptr<RecordIterator> ScanBackward(std::string_view prefix,
                                               std::string_view from) override;
  std::unique_ptr<ChunkCursor> NewChunkCursor(std::optional<uint64_t> one_run) override;
  // An SST file for each column family, `<dir>/bulk-<name>.sst` and `-records.sst`, ingested
  // by Install in one atomic IngestExternalFiles call: the runs bypass the WAL and the memtable
  // and land in the lowest level, so compaction I/O does not compete with ingest.
  Result<std::unique_ptr<BulkWriter>> NewBulkWriter(std::string_view name) override;
  Status Install(BulkWriter& writer) override;
  // The runs' files are dropped whole, then RocksDB compacts what else overlaps them while the
  // compaction filter drops their chunks (reclaimed_runs.h).
  Status FreeRuns(const RunRanges& runs) override;
  Status Writable() override;
  // DB::Resume().
  bool Resume() override;
  // A synced write of a marker record (never DB::SyncWAL(): engine_file_system.h, reason 2),
  // skipped while a WAL write or sync failed.
  bool SyncBuffered() override;
  void StopBackgroundWork() override;
  StoreStats Stats() override;
  Backups* backups() override { return backups_.get(); }

  // Tests: flushes the memtables to table files.
  void TEST_Flush();

 private:
  explicit LocalStore(LocalStoreOptions options) : options_(std::move(options)) {}
  Status OpenDb();
  // Deletes the files of bulk writers a crash interrupted (Open).
  void RemoveLeftoverFiles();

  LocalStoreOptions options_;
  // Declared before db_: RocksDB calls the filter, the file system and the listener until db_ is
  // closed.
  ReclaimedRuns reclaimed_;
  ReclaimFilter reclaim_filter_{&reclaimed_};
  WalSyncGate wal_gate_;
  std::unique_ptr<rocksdb::Env> env_;
  std::shared_ptr<StorageHealth> health_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  rocksdb::ColumnFamilyHandle* meta_ = nullptr;
  rocksdb::ColumnFamilyHandle* data_ = nullptr;
  std::string last_resume_error_;  // Resume's (one caller: the maintenance thread)
  // Null without options.backup_dir; destroyed first, before the database closes.
  std::unique_ptr<BackupRunner> backups_;
};

}  // namespace deltatunnel::storage
