// The local backend of store.h: one RocksDB database, records in CF `meta`, run chunks in CF
// `data` under run_id(BE8) + last key (keys.h). A StoreBatch is one WriteBatch, so each change of
// the engine is atomic through RocksDB's WAL; kSynced syncs it.
//
// The database itself (its options, its file system, its maintenance: WAL syncs, recovery from a
// stop, compaction output ingested, space freed) is still opened and run by the engine
// (engine_open.cc); LocalStore reads and writes through the handles it is given, which must
// outlive it.
#pragma once

#include <rocksdb/db.h>

#include <string>

#include "reclaimed_runs.h"
#include "store/store.h"

namespace deltatunnel::storage {

class LocalStore final : public Store {
 public:
  // `reclaimed`: the set the compaction filter of CF data drops the chunks of (reclaimed_runs.h).
  // Bulk writers write their files into `dir` (the database's directory).
  LocalStore(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* meta, rocksdb::ColumnFamilyHandle* data,
             ReclaimedRuns* reclaimed, std::string dir)
      : db_(db), meta_(meta), data_(data), reclaimed_(reclaimed), dir_(std::move(dir)) {}

  std::unique_ptr<StoreBatch> NewBatch() override;
  Status Write(StoreBatch& batch, Durability durability, std::string_view what) override;
  Result<std::optional<std::string>> Get(std::string_view key) override;
  std::unique_ptr<RecordIterator> Scan(std::string_view prefix) override;
  std::unique_ptr<RecordIterator> ScanBackward(std::string_view prefix,
                                               std::string_view from) override;
  std::unique_ptr<ChunkCursor> NewChunkCursor(std::optional<uint64_t> one_run) override;
  // The runs' files are dropped whole, then RocksDB compacts what else overlaps them while the
  // compaction filter drops their chunks (reclaimed_runs.h).
  Status FreeRuns(const RunRanges& runs) override;
  // An SST file for each column family, `<dir>/bulk-<name>.sst` and `-records.sst`, ingested
  // by Install in one atomic IngestExternalFiles call: the runs bypass the WAL and the memtable
  // and land in the lowest level, so compaction I/O does not compete with ingest.
  Result<std::unique_ptr<BulkWriter>> NewBulkWriter(std::string_view name) override;
  Status Install(BulkWriter& writer) override;
  // Deletes the files of bulk writers a crash interrupted (Open, before any writer is made).
  void RemoveLeftoverFiles();

 private:
  rocksdb::DB* db_;
  rocksdb::ColumnFamilyHandle* meta_;
  rocksdb::ColumnFamilyHandle* data_;
  ReclaimedRuns* reclaimed_;
  std::string dir_;
};

}  // namespace deltatunnel::storage
