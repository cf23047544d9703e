#include "store/local/local_store.h"

#include <rocksdb/convenience.h>
#include <rocksdb/sst_file_writer.h>

#include <rocksdb/filter_policy.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/sst_file_manager.h>
#include <rocksdb/table.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <mutex>

#include "deltatunnel/proto/crc32c.h"
#include "rocks_logger.h"
#include "rocksdb_crc32c.h"

#include "keys.h"
#include "rocks_status.h"

namespace deltatunnel::storage {
namespace {

std::string_view View(const rocksdb::Slice& s) { return {s.data(), s.size()}; }

// The one record of the default column family (nothing else uses it): SyncBuffered's synced
// write. Overwritten each time, so it never grows.
constexpr std::string_view kWalSyncMarker = "wal-sync";

class LocalBatch final : public StoreBatch {
 public:
  LocalBatch(rocksdb::ColumnFamilyHandle* meta, rocksdb::ColumnFamilyHandle* data)
      : meta_(meta), data_(data) {}

  void Put(std::string_view key, std::string_view value) override { wb_.Put(meta_, key, value); }
  void Delete(std::string_view key) override { wb_.Delete(meta_, key); }
  void DeleteRange(std::string_view begin, std::string_view end) override {
    wb_.DeleteRange(meta_, begin, end);
  }
  void PutChunk(uint64_t run_id, std::string_view last_key, std::string_view chunk) override {
    key_.clear();
    PutBigEndian64(&key_, run_id);
    key_.append(last_key);
    wb_.Put(data_, key_, chunk);
  }
  void DropRuns(uint64_t first_run_id, uint64_t end_run_id) override {
    wb_.DeleteRange(data_, keys::RunStart(first_run_id), keys::RunStart(end_run_id));
  }
  size_t Count() const override { return wb_.Count(); }
  size_t ByteSize() const override { return wb_.GetDataSize(); }

  rocksdb::WriteBatch* batch() { return &wb_; }

 private:
  rocksdb::ColumnFamilyHandle* meta_;
  rocksdb::ColumnFamilyHandle* data_;
  rocksdb::WriteBatch wb_;
  std::string key_;  // scratch
};

class LocalRecords final : public RecordIterator {
 public:
  LocalRecords(std::unique_ptr<rocksdb::Iterator> it, std::string prefix, bool backward)
      : it_(std::move(it)), prefix_(std::move(prefix)), backward_(backward) {}

  bool Valid() const override { return it_->Valid() && it_->key().starts_with(prefix_); }
  std::string_view key() const override { return View(it_->key()); }
  std::string_view value() const override { return View(it_->value()); }
  void Next() override {
    if (backward_) {
      it_->Prev();
    } else {
      it_->Next();
    }
  }
  Status status() const override { return FromRocks(it_->status(), "reading records"); }

 private:
  std::unique_ptr<rocksdb::Iterator> it_;
  std::string prefix_;
  bool backward_;
};

class LocalChunks final : public ChunkCursor {
 public:
  LocalChunks(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* data, std::optional<uint64_t> one_run) {
    rocksdb::ReadOptions opts;
    // One run per Seek: the 8-byte run id is CF data's prefix, so prefix Bloom filters skip the
    // files without the run.
    opts.prefix_same_as_start = true;
    if (one_run) {
      upper_ = keys::RunStart(*one_run + 1);
      bound_ = rocksdb::Slice(upper_);
      opts.iterate_upper_bound = &bound_;
    }
    it_.reset(db->NewIterator(opts, data));
  }

  Status Seek(uint64_t run_id, std::string_view key) override {
    start_ = keys::RunStart(run_id);
    const size_t prefix = start_.size();
    start_.append(key);
    it_->Seek(start_);
    start_.resize(prefix);
    return Check();
  }
  Status Next() override {
    it_->Next();
    return Check();
  }
  bool Valid() const override { return valid_; }
  std::string_view chunk() const override { return View(it_->value()); }

 private:
  Status Check() {
    valid_ = it_->Valid() && it_->key().starts_with(start_);
    if (!it_->Valid() && !it_->status().ok()) return FromRocks(it_->status(), "reading run");
    return Status::Ok();
  }

  std::string upper_;     // outlives the iterator that points at it
  rocksdb::Slice bound_;  // over upper_
  std::unique_ptr<rocksdb::Iterator> it_;
  std::string start_;  // the run's prefix
  bool valid_ = false;
};

// Writes each column family's share into its own SST file, opened on its first entry. The files
// are written with the database's own file options: out to the disk 1 MiB at a time, never more
// in flight (bytes_per_sync, strict), as RocksDB's flushes are. Written through the page cache
// unsynced, a base of a GB or more went to the disk in bursts while commits waited for their WAL
// syncs. 200 commits of 100 k rows into one partition (compacted every 20), a temporary
// commit-only mode of deltatunnel-bench-storage, alternating runs: commit p99 199, 203, 199 ms
// before, 144, 85, 77, 160 ms after (docs/benchmarks.md).
class LocalBulkWriter final : public BulkWriter {
 public:
  struct File {
    File(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, std::string p)
        : options(db->GetOptions(cf)),
          writer(rocksdb::EnvOptions(options), options, cf),
          family(cf),
          path(std::move(p)) {}
    rocksdb::Options options;
    rocksdb::SstFileWriter writer;
    rocksdb::ColumnFamilyHandle* family;
    std::string path;
    bool opened = false;

    Status Add(std::string_view key, std::string_view value) {
      rocksdb::Status s = opened ? rocksdb::Status::OK() : writer.Open(path);
      opened = true;
      if (s.ok()) s = writer.Put(key, value);
      return FromRocks(s, "writing " + path);
    }
  };

  LocalBulkWriter(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* meta,
                  rocksdb::ColumnFamilyHandle* data, const std::string& prefix)
      : chunks(db, data, prefix + ".sst"), records(db, meta, prefix + "-records.sst") {}
  ~LocalBulkWriter() override {
    std::error_code ignored;
    std::filesystem::remove(chunks.path, ignored);
    std::filesystem::remove(records.path, ignored);
  }

  Status PutChunk(uint64_t run_id, std::string_view last_key, std::string_view chunk) override {
    key_.clear();
    PutBigEndian64(&key_, run_id);
    key_.append(last_key);
    return chunks.Add(key_, chunk);
  }
  Status Put(std::string_view key, std::string_view value) override {
    return records.Add(key, value);
  }

  File chunks;
  File records;

 private:
  std::string key_;  // scratch
};

}  // namespace

Result<std::unique_ptr<LocalStore>> LocalStore::Open(LocalStoreOptions options) {
  std::unique_ptr<LocalStore> store(new LocalStore(std::move(options)));
  DT_RETURN_IF_ERROR(store->OpenDb());
  return store;
}

Status LocalStore::OpenDb() {
  rocksdb::Options db_opts;
  db_opts.create_if_missing = true;
  db_opts.create_missing_column_families = true;
  // Write SST files and the WAL out to disk as they grow (1 MiB at a time) rather than in one burst
  // at their end, and (strict) never with more than that in flight per file: a commit's WAL sync
  // then does not queue behind a flush's or a compaction's whole file. deltatunnel-bench-storage,
  // commit p99 at 100 k rows (50 commits), same hour: 90 and 126 ms without strict, 56 and 52 ms
  // with it, ingest unchanged (docs/benchmarks.md).
  db_opts.bytes_per_sync = 1 << 20;
  db_opts.wal_bytes_per_sync = 1 << 20;
  db_opts.strict_bytes_per_sync = true;
  // Obsolete WAL and SST files go to trash (a rename) and are freed gradually, 16 MiB at a time,
  // by RocksDB's DeleteScheduler, not unlinked at once: on a filesystem mounted with `discard`,
  // freeing the 2 GB of WAL a flush of CF meta releases stalled the journal and the commits' WAL
  // syncs behind it. deltatunnel-bench-storage, commit p99 (max) at 100 k rows, alternating runs:
  // 18, 24, 23 ms (103, 44, 69) at once, 11, 13, 9 ms (11, 15, 10) gradually (docs/benchmarks.md).
  // Trash above 4x the SST files' size is deleted at once, so a slow disk cannot pile it up.
  // Every file goes through the engine's file system (engine_file_system.h); RocksDB's stops and
  // recoveries of writes are followed by health_ (storage_health.h).
  env_ = rocksdb::NewCompositeEnv(
      NewEngineFileSystem(rocksdb::FileSystem::Default(), options_.faults, &wal_gate_));
  db_opts.env = env_.get();
  db_opts.info_log = NewRocksLogger();  // no LOG file in the data directory (rocks_logger.h)
  health_ = std::make_shared<StorageHealth>(&wal_gate_);
  db_opts.listeners.push_back(health_);
  if (options_.file_delete_bytes_per_sec > 0) {
    rocksdb::Status fm;
    db_opts.sst_file_manager.reset(rocksdb::NewSstFileManager(
        env_.get(), nullptr, "", static_cast<int64_t>(options_.file_delete_bytes_per_sec), true,
        &fm, 4.0, 16 << 20));
    if (!fm.ok()) return FromRocks(fm, "starting the file deleter");
  }
  rocksdb::BlockBasedTableOptions table_opts;
  table_opts.block_cache = rocksdb::NewLRUCache(options_.block_cache_bytes);
  rocksdb::ColumnFamilyOptions cf_opts;
  cf_opts.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table_opts));
  // CF data: every read stays inside one run (the 8-byte run id prefix), so prefix Bloom filters
  // (in SST files and the memtable) let a lookup's Seek(run|key) skip the files without that run.
  rocksdb::BlockBasedTableOptions data_table_opts = table_opts;
  data_table_opts.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  data_table_opts.whole_key_filtering = false;
  rocksdb::ColumnFamilyOptions data_opts;
  data_opts.table_factory.reset(rocksdb::NewBlockBasedTableFactory(data_table_opts));
  data_opts.prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(8));
  data_opts.memtable_prefix_bloom_size_ratio = 0.05;
  data_opts.compaction_filter = &reclaim_filter_;
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {
      {rocksdb::kDefaultColumnFamilyName, cf_opts}, {"meta", cf_opts}, {"data", data_opts}};
  // A new data directory is made here first: RocksDB would log an error on looking into one that
  // does not exist yet (a failure to make it is RocksDB's to report, below).
  std::error_code ignored;
  std::filesystem::create_directories(options_.dir, ignored);
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_opts, options_.dir, cfs, &handles_, &raw);
  if (!s.ok()) return FromRocks(s, "opening " + options_.dir);
  db_.reset(raw);
  meta_ = handles_[1];
  data_ = handles_[2];
  static std::once_flag crc_logged;
  std::call_once(crc_logged, [] {
    if (RocksDbCrc32cIsOurs()) {
      spdlog::info("RocksDB's CRC32C: deltatunnel's ({})",
                   proto::Crc32cHardware() ? "the crc32 instruction" : "a table, no SSE4.2");
    } else {
      spdlog::warn(
          "RocksDB's CRC32C: its own, not deltatunnel's (rocksdb_crc32c.h); appends are "
          "slower");
    }
  });
  RemoveLeftoverFiles();
  if (!options_.backup_dir.empty()) {
    backups_ = std::make_unique<BackupRunner>(
        options_.backup_dir, options_.backup_rate_bytes_per_sec, db_.get(), options_.now_ms);
  }
  return Status::Ok();
}

LocalStore::~LocalStore() {
  backups_.reset();  // stops a running backup
  if (!db_) return;
  db_->DisableManualCompaction();
  for (auto* h : handles_) static_cast<void>(db_->DestroyColumnFamilyHandle(h));
  static_cast<void>(db_->Close());
}

void LocalStore::StopBackgroundWork() {
  backups_.reset();
  // A FreeRuns in CompactRange returns now; the engine's D records keep its runs for the next
  // Open.
  db_->DisableManualCompaction();
}

Status LocalStore::Writable() { return health_->Writable(); }

bool LocalStore::Resume() {
  rocksdb::Status s = db_->Resume();
  if (s.ok()) {
    health_->Recovered();
    last_resume_error_.clear();
    return true;
  }
  // Each new reason once (it is asked every second while the fault lasts).
  std::string why = s.ToString();
  if (why != last_resume_error_) {
    spdlog::info("storage not recovered yet: {}", why);
    last_resume_error_ = std::move(why);
  }
  return false;
}

bool LocalStore::SyncBuffered() {
  if (wal_gate_.failed()) return false;
  // A synced write of one marker record, not DB::SyncWAL(): a failure then takes RocksDB's write
  // path, as a commit's sync does, and RocksDB refuses it while writes are stopped. A failed
  // SyncWAL() racing other writers left 7.8's log writer with a sticky error that no Resume
  // cleared (the flaky "a fault at a write point" test, 1 run in 12 here).
  rocksdb::WriteOptions synced;
  synced.sync = true;
  rocksdb::Status s =
      db_->Put(synced, handles_[0], rocksdb::Slice(kWalSyncMarker.data(), kWalSyncMarker.size()),
               rocksdb::Slice());
  if (!s.ok()) spdlog::warn("syncing the WAL: {}", s.ToString());
  return true;
}

StoreStats LocalStore::Stats() {
  StoreStats st;
  st.stops = health_->stops();
  st.recoveries = health_->recoveries();
  uint64_t sst = 0, mem = 0;
  db_->GetIntProperty(data_, "rocksdb.total-sst-files-size", &sst);
  db_->GetIntProperty(data_, "rocksdb.cur-size-all-mem-tables", &mem);
  st.bytes = sst + mem;
  return st;
}

void LocalStore::TEST_Flush() {
  rocksdb::FlushOptions fo;
  static_cast<void>(db_->Flush(fo, db_->DefaultColumnFamily()));
  static_cast<void>(db_->Flush(fo, data_));
}

std::unique_ptr<StoreBatch> LocalStore::NewBatch() {
  return std::make_unique<LocalBatch>(meta_, data_);
}

Status LocalStore::Write(StoreBatch& batch, Durability durability, std::string_view what) {
  rocksdb::WriteOptions wo;
  wo.sync = durability == Durability::kSynced;
  return FromRocks(db_->Write(wo, static_cast<LocalBatch&>(batch).batch()), what);
}

Result<std::optional<std::string>> LocalStore::Get(std::string_view key) {
  std::string value;
  rocksdb::Status st = db_->Get({}, meta_, key, &value);
  if (st.IsNotFound()) return std::optional<std::string>();
  if (!st.ok()) return FromRocks(st, "reading a record");
  return std::optional<std::string>(std::move(value));
}

std::unique_ptr<RecordIterator> LocalStore::Scan(std::string_view prefix) {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, meta_));
  it->Seek(prefix);
  return std::make_unique<LocalRecords>(std::move(it), std::string(prefix), false);
}

std::unique_ptr<RecordIterator> LocalStore::ScanBackward(std::string_view prefix,
                                                         std::string_view from) {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, meta_));
  it->SeekForPrev(from);
  return std::make_unique<LocalRecords>(std::move(it), std::string(prefix), true);
}

std::unique_ptr<ChunkCursor> LocalStore::NewChunkCursor(std::optional<uint64_t> one_run) {
  return std::make_unique<LocalChunks>(db_.get(), data_, one_run);
}

Result<std::unique_ptr<BulkWriter>> LocalStore::NewBulkWriter(std::string_view name) {
  return std::unique_ptr<BulkWriter>(std::make_unique<LocalBulkWriter>(
      db_.get(), meta_, data_, options_.dir + "/bulk-" + std::string(name)));
}

Status LocalStore::Install(BulkWriter& bulk) {
  auto& w = static_cast<LocalBulkWriter&>(bulk);
  // Without snapshot consistency (no reader can name what a bulk writer wrote before a batch
  // does), the files land in the bottom level with sequence number 0 even while some RocksDB
  // snapshot exists, and RocksDB never rewrites them to zero them out.
  std::vector<rocksdb::IngestExternalFileArg> ingest;
  for (LocalBulkWriter::File* f : {&w.chunks, &w.records}) {
    if (!f->opened) continue;
    rocksdb::Status s = f->writer.Finish();
    if (!s.ok()) return FromRocks(s, "writing " + f->path);
    rocksdb::IngestExternalFileArg& arg = ingest.emplace_back();
    arg.column_family = f->family;
    arg.external_files = {f->path};
    arg.options.move_files = true;
    arg.options.snapshot_consistency = false;
  }
  if (ingest.empty()) return Status::Ok();
  return FromRocks(db_->IngestExternalFiles(ingest), "ingesting bulk-written runs");
}

void LocalStore::RemoveLeftoverFiles() {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(options_.dir, ec)) {
    const std::string name = entry.path().filename().string();
    // compaction-*.sst: the same files, as versions before the Store seam named them.
    if ((name.starts_with("bulk-") || name.starts_with("compaction-")) && name.ends_with(".sst")) {
      std::filesystem::remove(entry.path(), ec);
    }
  }
}

Status LocalStore::FreeRuns(const RunRanges& runs) {
  reclaimed_.Add(runs);
  std::vector<std::string> bounds;
  for (const auto& [first, end] : runs) {
    bounds.push_back(keys::RunStart(first));
    bounds.push_back(keys::RunStart(end));
  }
  std::vector<rocksdb::Slice> slices(bounds.begin(), bounds.end());
  std::vector<rocksdb::RangePtr> ranges;
  for (size_t i = 0; i < slices.size(); i += 2) ranges.emplace_back(&slices[i], &slices[i + 1]);
  Status st = FromRocks(rocksdb::DeleteFilesInRanges(db_.get(), data_, ranges.data(), ranges.size(),
                                                     /*include_end=*/false),
                        "dropping the files of reclaimed runs");
  rocksdb::CompactRangeOptions opts;
  opts.exclusive_manual_compaction = false;
  opts.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForceOptimized;
  for (size_t i = 0; i < slices.size() && st.ok(); i += 2) {
    st = FromRocks(db_->CompactRange(opts, data_, &slices[i], &slices[i + 1]),
                   "freeing reclaimed runs");
  }
  reclaimed_.Remove(runs);
  return st;
}

}  // namespace deltatunnel::storage
