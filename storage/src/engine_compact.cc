// Major compaction and retention reclaim.
//
// Without compaction a bucket's runs grow with every commit and every read merges them all. A
// major compaction of a partition at version Vc (its last commit when the compaction starts):
//
//   1. Pins the partition's manifest at Vc and a read pin (as a reader does), allocates one
//      run id per bucket, and writes the intent record K (synced): "base runs [first, first+n) of
//      this partition may exist". Nothing else is locked: commits go on, adding deltas above Vc.
//   2. Per bucket, merges the runs visible at Vc exactly as a read at Vc does (partial upserts
//      resolved, deletes dropped) into one new base run: full rows of every live key, chunked as
//      any run (run_format.h). All buckets go into ONE SST file (run ids ascend, so keys are
//      already in order), ingested with IngestExternalFile: the base bypasses the WAL and the
//      memtable and lands in the lowest level, so compaction I/O does not compete with ingest.
//      Base run ids carry keys::kBaseRunBit: the file never overlaps the deltas being flushed.
//      The bases' key filters go into F records of a second SST file, ingested into CF meta in
//      the same atomic call: written once, never in the WAL (manifest_record.h).
//   3. Publishes, under the table's commit_mu (a commit's manifest copy cannot race it) in one
//      synced WriteBatch: the M record (the bases, and Vc as the version the runs at or below it
//      are hidden from; the runs stay listed in their C records, see manifest_record.h), the P
//      record (commits_since_major = commits above Vc), and the K record deleted.
//      Then the manifest is swapped under state_mu. Reads at >= Vc see base + deltas above Vc;
//      reads below Vc see the old runs as before (promise 6).
//   4. Runs that no readable version needs (hidden_from <= the oldest version inside retention)
//      are dropped in that same batch, listed in D records (the M record's
//      deltas_dropped_through and the bases' F records deleted go with them; the dropped runs'
//      C records are stripped of their runs after it, or at Open after a crash between the two);
//      FreeRuns then frees their space
//      (reclaimed_runs.h: files holding only such runs dropped whole, the rest compacted through
//      a filter; no range tombstones).
//      Retention moves with time, so ReclaimExpiredVersions (maintenance thread, every 30 s) does
//      step 4 alone for partitions whose hidden runs expire later. A read that pinned an older
//      manifest still reads the dropped runs: they are freed once its pin goes (read_pins.h).
//
// A crash anywhere leaves the table as before the compaction: before step 3 the base runs are
// referenced by nothing but the K record, and Open deletes them; step 3 is one batch. The
// partition's commits_since_major is unchanged, so the compaction is queued again after Open.
//
// The workers run at a lower CPU priority (EngineOptions::compaction_nice): compaction must not
// slow ingest down, and the backlog it lets grow is bounded by the backpressure below.
//
// Backpressure: Append refuses a partition whose commits since its last major compaction reach
// max_pending_deltas (FlowExceeded), while the compactor catches up; commits of sessions that
// already wrote go on, so nothing written is ever lost to it.
#include <fmt/format.h>
#include <rocksdb/convenience.h>
#include <rocksdb/sst_file_writer.h>
#include <spdlog/spdlog.h>
#include <algorithm>
#include <filesystem>
#include <set>

#include "bucket_merge.h"
#include "engine_impl.h"
#include "key_filter.h"
#include "keys.h"
#include "manifest_record.h"
#include "rocks_status.h"
#include "run_format.h"

namespace deltatunnel::storage {
namespace {

// Builds the base runs of one compaction into one SST file.
class BaseWriter {
 public:
  // The file is written with the database's own file options: out to the disk 1 MiB at a time,
  // never more in flight (bytes_per_sync, strict), as RocksDB's flushes are. Written through the
  // page cache unsynced, a base of a GB or more went to the disk in bursts while commits waited
  // for their WAL syncs. 200 commits of 100 k rows into one partition (compacted every 20), a
  // temporary commit-only mode of deltatunnel-bench-storage, alternating runs: commit p99 199,
  // 203, 199 ms before, 144, 85, 77, 160 ms after; full runs of the benchmark 175, 260, 495 ms
  // before, 138, 184 ms after (docs/benchmarks.md).
  BaseWriter(const rocksdb::Options& options, rocksdb::ColumnFamilyHandle* cf, std::string path)
      : writer_(rocksdb::EnvOptions(options), options, cf), path_(std::move(path)) {}

  Status Open() {
    rocksdb::Status s = writer_.Open(path_);
    if (!s.ok()) return FromRocks(s, "compaction: opening " + path_);
    return Status::Ok();
  }

  void StartRun(uint64_t run_id) {
    run_id_ = run_id;
    run_rows_ = run_bytes_ = 0;
    hashes_.clear();
  }

  Status Add(std::string_view key, std::string_view row) {
    AppendEntry(&chunk_, {key, proto::RowOp::kUpsert, {}, row});
    last_key_.assign(key);
    hashes_.push_back(KeyHash(key));
    ++run_rows_;
    if (chunk_.size() >= kChunkTargetBytes) return Cut();
    return Status::Ok();
  }

  // Ends the run: its row and byte counts and its key filter.
  Status FinishRun(uint64_t* rows, uint64_t* bytes, std::string* key_filter) {
    if (!chunk_.empty()) DT_RETURN_IF_ERROR(Cut());
    *rows = run_rows_;
    *bytes = run_bytes_;
    *key_filter = run_rows_ == 0 ? std::string() : BuildKeyFilter(hashes_);
    return Status::Ok();
  }

  // Finishes the file; false when it holds nothing (no file to ingest).
  Result<bool> Finish() {
    if (entries_ == 0) return false;
    rocksdb::Status s = writer_.Finish();
    if (!s.ok()) return FromRocks(s, "compaction: writing " + path_);
    return true;
  }

 private:
  Status Cut() {
    rocksdb::Status s = writer_.Put(keys::RunStart(run_id_) + last_key_, chunk_);
    if (!s.ok()) return FromRocks(s, "compaction: writing " + path_);
    run_bytes_ += chunk_.size();
    ++entries_;
    chunk_.clear();
    return Status::Ok();
  }

  rocksdb::SstFileWriter writer_;
  std::string path_;
  uint64_t run_id_ = 0;
  uint64_t run_rows_ = 0;
  uint64_t run_bytes_ = 0;
  uint64_t entries_ = 0;
  std::string chunk_;
  std::string last_key_;
  std::vector<uint64_t> hashes_;
};

// Writes the bases' key filters as F records into one SST file for CF meta; false when no base
// has one (no file to ingest).
Result<bool> WriteBaseFilters(const rocksdb::Options& options, rocksdb::ColumnFamilyHandle* cf,
                              const std::string& path, uint64_t table_id,
                              const std::vector<RunRef>& bases) {
  rocksdb::SstFileWriter writer(rocksdb::EnvOptions(options), options, cf);
  bool opened = false;
  for (const RunRef& base : bases) {  // run ids ascend: so do their keys
    if (!base.key_filter) continue;
    rocksdb::Status s = opened ? rocksdb::Status::OK() : writer.Open(path);
    if (s.ok()) s = writer.Put(keys::BaseFilter(table_id, base.run_id), *base.key_filter);
    if (!s.ok()) return FromRocks(s, "compaction: writing " + path);
    opened = true;
  }
  if (!opened) return false;
  rocksdb::Status s = writer.Finish();
  if (!s.ok()) return FromRocks(s, "compaction: writing " + path);
  return true;
}

RunRanges RangesOf(const std::vector<RunRef>& runs) {
  std::vector<uint64_t> ids;
  for (const RunRef& r : runs) ids.push_back(r.run_id);
  return ToRunRanges(std::move(ids));
}

}  // namespace

uint64_t EngineImpl::OldestReadableLocked(const TableState& t, int64_t now) const {
  // Version V is readable while commit V+1 is younger than retention (engine_read.cc); commit
  // times never go backwards, so the readable versions are a suffix.
  const int64_t retain_ms = int64_t{t.record.retain_hours()} * 3600 * 1000;
  auto it = std::upper_bound(t.commit_times.begin(), t.commit_times.end(), now - retain_ms);
  return std::min<uint64_t>(static_cast<uint64_t>(it - t.commit_times.begin()), t.version);
}

void EngineImpl::PutRunsRecord(const TableState& t, const std::string& canonical,
                               const PartitionManifest& m, rocksdb::WriteBatch* wb) {
  wb->Put(meta_cf_, keys::PartitionRuns(t.id, canonical), RunsRecordOf(m).SerializeAsString());
}

void EngineImpl::PutDropRecords(const TableState& t, const std::vector<RunRef>& dropped,
                                rocksdb::WriteBatch* wb) {
  PutReclaimRecords(RangesOf(dropped), wb);
  for (const RunRef& r : dropped) {
    if (r.base && !r.in_runs_record) wb->Delete(meta_cf_, keys::BaseFilter(t.id, r.run_id));
  }
}

void EngineImpl::StripCommitRuns(TableState& t, const std::vector<RunRef>& dropped) {
  // Their runs are ignored at Open already (deltas_dropped_through): this only gives the space
  // back (after a crash before it, LoadCommitLog strips them). C records of old versions change
  // nowhere else: they are read without a lock, and written under commit_mu only so as not to bring
  // back those of a table being dropped.
  std::set<uint64_t> versions;
  for (const RunRef& r : dropped) {
    if (!r.base && !r.in_runs_record) versions.insert(r.version);
  }
  rocksdb::WriteBatch wb;
  for (uint64_t v : versions) {
    std::string value;
    rocksdb::Status st = db_->Get({}, meta_cf_, keys::Commit(t.id, v), &value);
    messages::CommitRecord c;
    if (!st.ok() || !c.ParseFromString(value)) continue;  // the table is being dropped
    c.clear_runs();
    wb.Put(meta_cf_, keys::Commit(t.id, v), c.SerializeAsString());
  }
  if (wb.Count() == 0) return;
  MutexLock commit_lock(&t.commit_mu);
  if (t.dropped) return;
  rocksdb::Status st = db_->Write({}, &wb);
  if (!st.ok()) spdlog::warn("stripping dropped runs from commit records: {}", st.ToString());
}

void EngineImpl::PutReclaimRecords(const RunRanges& ranges, rocksdb::WriteBatch* wb) {
  for (const auto& [first, end] : ranges) {
    std::string value;
    PutBigEndian64(&value, end);
    wb->Put(meta_cf_, keys::Reclaim(first), value);
  }
}

Status EngineImpl::LoadReclaims() {
  PendingFree f;  // mark 0: no read is left from before the restart
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, meta_cf_));
  for (it->Seek("D"); it->Valid() && it->key().starts_with("D"); it->Next()) {
    if (it->key().size() != 9 || it->value().size() != 8) return Corruption("corrupt D record");
    f.runs.emplace_back(GetBigEndian64(std::string_view(it->key().data() + 1, 8)),
                        GetBigEndian64(std::string_view(it->value().data(), 8)));
  }
  if (!it->status().ok()) return FromRocks(it->status(), "loading D records");
  MutexLock lock(&free_mu_);
  if (!f.runs.empty()) pending_free_.push_back(std::move(f));
  return Status::Ok();
}

void EngineImpl::CountReclaimed(const RunRanges& runs) {
  for (const auto& [first, end] : runs) versions_reclaimed_ += end - first;
}

void EngineImpl::FreeRuns(RunRanges runs) {
  if (!runs.empty()) {
    PendingFree f;
    f.runs = std::move(runs);
    f.mark = read_pins_.Mark();
    MutexLock lock(&free_mu_);
    pending_free_.push_back(std::move(f));
  }
  // A read pinned before the runs were dropped (on an older manifest) may still read them, so their
  // freeing waits for a later call. Without one, no reader can see the runs any more: SST files
  // holding nothing else are dropped whole (DeleteFilesInRanges), and RocksDB compacts what else
  // overlaps them, with the
  // ReclaimFilter removing their chunks, beside its own compactions rather than exclusive of
  // them (which would let L0 pile up and stall ingest). Then their D records go.
  std::vector<PendingFree> ready;
  {
    MutexLock lock(&free_mu_);
    auto keep =
        std::stable_partition(pending_free_.begin(), pending_free_.end(),
                              [&](const PendingFree& f) { return !read_pins_.NoneBefore(f.mark); });
    ready.assign(std::make_move_iterator(keep), std::make_move_iterator(pending_free_.end()));
    pending_free_.erase(keep, pending_free_.end());
  }
  for (const PendingFree& f : ready) {
    reclaimed_.Add(f.runs);
    std::vector<std::string> bounds;
    for (const auto& [first, end] : f.runs) {
      bounds.push_back(keys::RunStart(first));
      bounds.push_back(keys::RunStart(end));
    }
    std::vector<rocksdb::Slice> slices(bounds.begin(), bounds.end());
    std::vector<rocksdb::RangePtr> ranges;
    for (size_t i = 0; i < slices.size(); i += 2) ranges.emplace_back(&slices[i], &slices[i + 1]);
    rocksdb::Status s = rocksdb::DeleteFilesInRanges(db_.get(), data_cf_, ranges.data(),
                                                     ranges.size(), /*include_end=*/false);
    if (!s.ok()) spdlog::warn("dropping the files of reclaimed runs: {}", s.ToString());
    bool freed = s.ok();
    rocksdb::CompactRangeOptions opts;
    opts.exclusive_manual_compaction = false;
    opts.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForceOptimized;
    for (size_t i = 0; i < slices.size() && freed; i += 2) {
      s = db_->CompactRange(opts, data_cf_, &slices[i], &slices[i + 1]);
      if (!s.ok()) {
        spdlog::warn("freeing reclaimed runs: {}", s.ToString());
        freed = false;
      }
    }
    if (freed) {
      rocksdb::WriteBatch wb;
      for (const auto& [first, end] : f.runs) wb.Delete(meta_cf_, keys::Reclaim(first));
      s = db_->Write({}, &wb);
      if (!s.ok()) spdlog::warn("deleting D records: {}", s.ToString());
    }
    // Not freed (shutdown): the D records stay, and the next Open frees the runs.
    reclaimed_.Remove(f.runs);
  }
}

Status EngineImpl::CompactPartition(uint64_t table_id, const std::string& canonical,
                                    CompactionCounts* counts) {
  std::shared_ptr<TableState> tp = FindTableById(table_id);
  if (!tp) return Status::Ok();  // dropped while queued
  TableState& t = *tp;

  // 1. Pin the partition at Vc.
  ManifestPtr pinned;
  ReadPins::Pin pin;
  {
    MutexLock lock(&t.state_mu);
    auto it = t.partitions.find(canonical);
    if (it == t.partitions.end()) return Status::Ok();  // never committed
    pinned = it->second;
    pin = read_pins_.Take();
  }
  if (pinned->commits_since_major == 0) return Status::Ok();  // nothing since the last one
  const uint64_t vc = pinned->version;
  const uint32_t buckets = static_cast<uint32_t>(pinned->buckets.size());

  // Not while a filesystem fault stops writes: the compaction is queued again once it is gone.
  DT_RETURN_IF_ERROR(health_->Writable());
  DT_ASSIGN_OR_RETURN(const uint64_t allocated, AllocateRunIds(buckets));
  const uint64_t first_id = keys::kBaseRunBit | allocated;
  messages::CompactionIntentRecord intent;
  intent.set_first_run_id(first_id);
  intent.set_run_count(buckets);
  intent.set_version(vc);
  rocksdb::WriteOptions synced;
  synced.sync = options_.sync_commits;
  rocksdb::Status st = db_->Put(synced, meta_cf_, keys::CompactionIntent(t.id, canonical),
                                intent.SerializeAsString());
  if (!st.ok()) return FromRocks(st, "compaction: writing its intent");
  const std::string path = fmt::format("{}/compaction-{}.sst", options_.data_dir, first_id);
  const std::string filters_path =
      fmt::format("{}/compaction-{}-filters.sst", options_.data_dir, first_id);
  // On failure from here on, the base runs go and the intent with them, and so do the files
  // written so far (a disk that filled up halfway). If the batch cannot be written now (the same
  // fault), the intent stays and the next Open deletes the runs it names.
  auto abandon = [&](Status why) {
    std::error_code ignored;
    std::filesystem::remove(path, ignored);
    std::filesystem::remove(filters_path, ignored);
    rocksdb::WriteBatch wb;
    wb.DeleteRange(data_cf_, keys::RunStart(first_id), keys::RunStart(first_id + buckets));
    wb.DeleteRange(meta_cf_, keys::BaseFilter(t.id, first_id),
                   keys::BaseFilter(t.id, first_id + buckets));
    wb.Delete(meta_cf_, keys::CompactionIntent(t.id, canonical));
    rocksdb::Status s = db_->Write(synced, &wb);
    if (!s.ok()) spdlog::warn("abandoning a compaction: {}", s.ToString());
    return why;
  };

  // 2. Merge each bucket at Vc into its base run, all into one SST file.
  BaseWriter writer(db_->GetOptions(data_cf_), data_cf_, path);
  if (Status s = writer.Open(); !s.ok()) return abandon(s);
  std::vector<RunRef> bases(buckets);
  MergedKey key;
  uint64_t keys_seen = 0;
  for (uint32_t b = 0; b < buckets; ++b) {
    std::vector<RunRef> runs = VisibleRuns(*pinned, b, vc);
    for (const RunRef& r : runs) {
      counts->input_rows += r.rows;
      counts->input_bytes += r.bytes;
    }
    writer.StartRun(first_id + b);
    BucketMerge merge(*t.schema, db_.get(), data_cf_, std::move(runs));
    if (Status s = merge.Init(); !s.ok()) return abandon(s);
    for (;;) {
      auto has = merge.Next(&key, 0, /*encode=*/true);
      if (!has.ok()) return abandon(has.status());
      if (!*has) break;
      if ((++keys_seen & 4095) == 0 && compaction_cancel_.load()) {
        return abandon(Status(ErrorCode::kServiceUnavailable, "the engine is shutting down"));
      }
      if (key.op != proto::RowOp::kUpsert) continue;
      if (Status s = writer.Add(key.key, key.encoded); !s.ok()) return abandon(s);
    }
    RunRef& base = bases[b];
    std::string filter;
    if (Status s = writer.FinishRun(&base.rows, &base.bytes, &filter); !s.ok()) return abandon(s);
    base.run_id = first_id + b;
    base.version = vc;
    base.base = true;
    if (!filter.empty()) base.key_filter = std::make_shared<const std::string>(std::move(filter));
    counts->output_rows += base.rows;
    counts->output_bytes += base.bytes;
  }
  auto wrote = writer.Finish();
  if (!wrote.ok()) return abandon(wrote.status());
  auto wrote_filters =
      WriteBaseFilters(db_->GetOptions(meta_cf_), meta_cf_, filters_path, t.id, bases);
  if (!wrote_filters.ok()) return abandon(wrote_filters.status());
  // The ingest does not keep snapshot consistency (no reader can name the fresh base run ids), so
  // the base file lands in the bottom level with sequence number 0 even while some RocksDB
  // snapshot exists, and RocksDB never rewrites it to zero them out. Both files land in one
  // atomic call, or neither does.
  pin.reset();
  std::vector<rocksdb::IngestExternalFileArg> ingest;
  for (auto [cf, file, has] :
       {std::tuple(data_cf_, path, *wrote), std::tuple(meta_cf_, filters_path, *wrote_filters)}) {
    if (!has) continue;
    rocksdb::IngestExternalFileArg& arg = ingest.emplace_back();
    arg.column_family = cf;
    arg.external_files = {file};
    arg.options.move_files = true;
    arg.options.snapshot_consistency = false;
  }
  if (!ingest.empty()) st = db_->IngestExternalFiles(ingest);
  std::error_code ignored;
  std::filesystem::remove(path, ignored);
  std::filesystem::remove(filters_path, ignored);
  if (!st.ok()) return abandon(FromRocks(st, "compaction: ingesting the base"));
  if (options_.compaction_pause) options_.compaction_pause();

  // 3. Publish.
  rocksdb::WriteBatch wb;
  std::vector<RunRef> dropped_runs;
  RunRanges dropped;
  {
    MutexLock commit_lock(&t.commit_mu);
    if (t.dropped) return abandon(Status::Ok());
    ManifestPtr current;
    uint64_t oldest = 0;
    {
      MutexLock lock(&t.state_mu);
      current = t.partitions.at(canonical);
      oldest = OldestReadableLocked(t, Now());
    }
    auto next = std::make_shared<PartitionManifest>();
    next->spec = current->spec;
    next->buckets.resize(buckets);
    next->version = current->version;
    next->base_version = vc;
    next->commits_since_major = current->commits_since_major - pinned->commits_since_major;
    for (uint32_t b = 0; b < buckets; ++b) {
      auto& out = next->buckets[b];
      const auto& in = current->buckets[b];
      size_t i = 0;
      for (; i < in.size() && in[i].version <= vc; ++i) {
        RunRef r = in[i];
        r.hidden_from = std::min(r.hidden_from, vc);
        out.push_back(std::move(r));
      }
      if (bases[b].rows > 0) out.push_back(bases[b]);
      next->rows += bases[b].rows;
      next->bytes += bases[b].bytes;
      for (; i < in.size(); ++i) {
        out.push_back(in[i]);
        next->rows += in[i].rows;
        next->bytes += in[i].bytes;
      }
    }
    dropped_runs = DropExpiredRuns(next.get(), oldest);
    dropped = RangesOf(dropped_runs);
    PutDropRecords(t, dropped_runs, &wb);
    PutRunsRecord(t, canonical, *next, &wb);
    messages::PartitionRecord p;
    p.set_partition(canonical);
    p.set_version(next->version);
    p.set_commits_since_major(next->commits_since_major);
    p.set_rows(next->rows);
    p.set_bytes(next->bytes);
    wb.Put(meta_cf_, keys::Partition(t.id, canonical), p.SerializeAsString());
    wb.Delete(meta_cf_, keys::CompactionIntent(t.id, canonical));
    st = db_->Write(synced, &wb);
    if (!st.ok()) return abandon(FromRocks(st, "compaction: publishing"));
    const uint64_t pending = next->commits_since_major;
    {
      MutexLock lock(&t.state_mu);
      t.partitions[canonical] = std::move(next);
    }
    // Commits that came while it ran may have crossed the threshold again.
    MaybeQueueCompaction(t, canonical, pending);
  }
  StripCommitRuns(t, dropped_runs);
  CountReclaimed(dropped);
  FreeRuns(std::move(dropped));
  return Status::Ok();
}

void EngineImpl::MaybeQueueCompaction(const TableState& t, const std::string& canonical,
                                      uint64_t commits_since_major) {
  if (!compactor_ || commits_since_major < t.record.commit_threshold()) return;
  compactor_->Enqueue(t.id, t.record.project(), t.record.name(), canonical, {canonical},
                      /*automatic=*/true);
}

void EngineImpl::RequeueDueCompactions() {
  if (!compactor_ || health_->stopped()) return;
  std::vector<std::shared_ptr<TableState>> tables;
  {
    ReaderLock lock(&catalog_mu_);
    for (const auto& [id, t] : tables_by_id_) tables.push_back(t);
  }
  for (const auto& t : tables) {
    std::vector<std::pair<std::string, uint64_t>> due;
    {
      MutexLock lock(&t->state_mu);
      for (const auto& [canonical, m] : t->partitions) {
        if (m->commits_since_major >= t->record.commit_threshold()) {
          due.emplace_back(canonical, m->commits_since_major);
        }
      }
    }
    for (const auto& [canonical, pending] : due) MaybeQueueCompaction(*t, canonical, pending);
  }
}

Status EngineImpl::CheckFlow(const TableState& t, const std::string& canonical) {
  if (!compactor_ || options_.max_pending_deltas == 0) return Status::Ok();
  uint64_t pending = 0;
  {
    MutexLock lock(&t.state_mu);
    auto it = t.partitions.find(canonical);
    if (it != t.partitions.end()) pending = it->second->commits_since_major;
  }
  if (pending < options_.max_pending_deltas) return Status::Ok();
  ++flow_exceeded_;
  return {ErrorCode::kFlowExceeded,
          fmt::format("partition '{}' of table '{}' has {} commits waiting for major compaction "
                      "(limit {}); retry when the compactor has caught up",
                      canonical, t.record.name(), pending, options_.max_pending_deltas)};
}

Result<CompactionInfo> EngineImpl::Compact(const std::string& project, const std::string& table,
                                           const std::optional<std::string>& partition) {
  DT_ASSIGN_OR_RETURN(auto t, GetTable(project, table));
  if (!compactor_) {
    return Status(ErrorCode::kServiceUnavailable,
                  "major compaction is off on this server (compaction threads = 0)");
  }
  std::vector<std::string> partitions;
  std::optional<std::string> canonical;
  if (partition) {
    DT_ASSIGN_OR_RETURN(proto::PartitionSpec spec,
                        proto::ParsePartitionSpec(*t->schema, *partition));
    canonical = spec.canonical;
    partitions.push_back(spec.canonical);
  } else {
    MutexLock lock(&t->state_mu);
    for (const auto& [name, m] : t->partitions) partitions.push_back(name);
  }
  return compactor_->Enqueue(t->id, t->record.project(), t->record.name(), canonical,
                             std::move(partitions), /*automatic=*/false);
}

std::vector<CompactionInfo> EngineImpl::Compactions() {
  return compactor_ ? compactor_->List() : std::vector<CompactionInfo>{};
}

void EngineImpl::WaitForCompactions() {
  if (compactor_) compactor_->WaitIdle();
}

void EngineImpl::ReclaimExpiredVersions() {
  std::vector<std::shared_ptr<TableState>> tables;
  {
    ReaderLock lock(&catalog_mu_);
    for (const auto& [id, t] : tables_by_id_) tables.push_back(t);
  }
  for (const auto& tp : tables) {
    TableState& t = *tp;
    RunRanges dropped;
    std::vector<RunRef> dropped_runs;
    {
      MutexLock commit_lock(&t.commit_mu);
      if (t.dropped) continue;
      std::vector<std::pair<std::string, ManifestPtr>> parts;
      uint64_t oldest = 0;
      {
        MutexLock lock(&t.state_mu);
        oldest = OldestReadableLocked(t, Now());
        for (const auto& [name, m] : t.partitions) {
          if (m->base_version > 0) parts.emplace_back(name, m);
        }
      }
      for (auto& [canonical, m] : parts) {
        auto next = std::make_shared<PartitionManifest>(*m);
        std::vector<RunRef> gone_runs = DropExpiredRuns(next.get(), oldest);
        if (gone_runs.empty()) continue;
        RunRanges gone = RangesOf(gone_runs);
        rocksdb::WriteBatch wb;
        PutDropRecords(t, gone_runs, &wb);
        PutRunsRecord(t, canonical, *next, &wb);
        rocksdb::Status st = db_->Write({}, &wb);
        if (!st.ok()) {
          spdlog::warn("reclaiming expired versions of {}: {}", t.record.name(), st.ToString());
          continue;
        }
        {
          MutexLock lock(&t.state_mu);
          t.partitions[canonical] = std::move(next);
        }
        dropped.insert(dropped.end(), gone.begin(), gone.end());
        dropped_runs.insert(dropped_runs.end(), gone_runs.begin(), gone_runs.end());
      }
    }
    StripCommitRuns(t, dropped_runs);
    CountReclaimed(dropped);
    FreeRuns(std::move(dropped));
  }
  FreeRuns({});  // ranges that waited for older reads to go
}

Status EngineImpl::RecoverCompactions() {
  // Base runs of compactions a crash interrupted: referenced by nothing but their intent.
  rocksdb::WriteBatch wb;
  int interrupted = 0;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, meta_cf_));
  for (it->Seek("K"); it->Valid() && it->key().starts_with("K"); it->Next()) {
    messages::CompactionIntentRecord intent;
    if (it->key().size() < 9 ||
        !intent.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return Corruption("corrupt compaction intent record");
    }
    const uint64_t table_id = GetBigEndian64(std::string_view(it->key().data() + 1, 8));
    const uint64_t first = intent.first_run_id();
    const uint64_t end = first + intent.run_count();
    wb.DeleteRange(data_cf_, keys::RunStart(first), keys::RunStart(end));
    wb.DeleteRange(meta_cf_, keys::BaseFilter(table_id, first), keys::BaseFilter(table_id, end));
    wb.Delete(meta_cf_, it->key());
    ++interrupted;
  }
  if (!it->status().ok()) return FromRocks(it->status(), "reading intents");
  if (wb.Count() > 0) {
    rocksdb::WriteOptions wo;
    wo.sync = true;
    rocksdb::Status st = db_->Write(wo, &wb);
    if (!st.ok()) return FromRocks(st, "dropping interrupted compactions");
    spdlog::info("dropped the output of {} interrupted compaction(s)", interrupted);
  }
  // Leftover SST files of compactions that never ingested.
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(options_.data_dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with("compaction-") && name.ends_with(".sst")) {
      std::filesystem::remove(entry.path(), ec);
    }
  }
  if (options_.compaction_threads == 0) return Status::Ok();
  compactor_ = std::make_unique<CompactionQueue>(
      options_.compaction_threads, options_.compaction_nice,
      [this](uint64_t table_id, const std::string& canonical, CompactionCounts* counts) {
        return CompactPartition(table_id, canonical, counts);
      },
      [this] { return Now(); }, [this] { return NewSessionId(); });
  // Partitions over their threshold (a compaction a crash or a stop interrupted, or never run).
  ReaderLock lock(&catalog_mu_);
  for (const auto& [id, t] : tables_by_id_) {
    MutexLock state_lock(&t->state_mu);
    for (const auto& [canonical, m] : t->partitions) {
      if (m->commits_since_major >= t->record.commit_threshold()) {
        compactor_->Enqueue(t->id, t->record.project(), t->record.name(), canonical, {canonical},
                            /*automatic=*/true);
      }
    }
  }
  return Status::Ok();
}

}  // namespace deltatunnel::storage
