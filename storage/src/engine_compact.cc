// Major compaction.
//
// Without compaction a bucket's runs grow with every commit and every read merges them all. A
// major compaction of a partition at version Vc (its last commit when the compaction starts) goes
// through three stages (CompactPartition):
//
//   1. Prepare (PrepareCompaction): pins the partition's manifest at Vc and a read pin (as a
//      reader does), allocates one run id per bucket, and writes the intent record K (synced):
//      "base runs [first, first+n) of this partition may exist". Nothing else is locked: commits
//      go on, adding deltas above Vc.
//   2. Merge (MergeBases): per bucket, merges the runs visible at Vc exactly as a read at Vc does
//      (partial upserts resolved, deletes dropped) into one new base run: full rows of every live
//      key, chunked as any run (run_format.h), into ONE bulk writer (store/store.h; run ids
//      ascend, so keys are already in order; the local backend writes an SST file). Base run ids
//      carry keys::kBaseRunBit: the local backend's file never overlaps the deltas being
//      flushed. The bases' key filters go into F records through the same writer: written once,
//      never in the WAL (manifest_record.h).
//   3. Install (InstallBases): Store::Install makes the bases and their F records present at
//      once (the local backend ingests its files in one IngestExternalFiles call, straight into
//      the lowest level: compaction I/O does not compete with ingest). Then publishes, under
//      the table's commit_mu (a commit's manifest copy cannot race it) in one synced batch: the
//      M record (the bases, and Vc as
//      the version the runs at or below it are hidden from; the runs stay listed in their C
//      records, see manifest_record.h), the P record (commits_since_major = commits above Vc),
//      and the K record deleted; runs no readable version needs any more are dropped in that
//      same batch (retention: engine_retention.cc). Then the manifest is swapped under state_mu.
//      Reads at >= Vc see base + deltas above Vc; reads below Vc see the old runs as before
//      (promise 6). A partition truncated or dropped since Vc (engine_truncate.cc) is not
//      published: the bases are abandoned.
//
// A failure after the intent (AbandonCompaction) deletes the base runs, their F records and the
// intent, and the files written so far (a disk that filled up halfway); if that batch cannot be
// written either (the same fault), the intent stays and the next Open deletes the runs it names.
//
// A crash anywhere leaves the table as before the compaction: before the publish the base runs are
// referenced by nothing but the K record, and Open deletes them; the publish is one batch. The
// partition's commits_since_major is unchanged, so the compaction is queued again after Open.
//
// The workers run at a lower CPU priority (EngineOptions::compaction_nice): compaction must not
// slow ingest down, and the backlog it lets grow is bounded by the backpressure below.
//
// Backpressure: Append refuses a partition whose commits since its last major compaction reach
// max_pending_deltas (FlowExceeded), while the compactor catches up; commits of sessions that
// already wrote go on, so nothing written is ever lost to it.
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <algorithm>
#include <filesystem>

#include "bucket_merge.h"
#include "engine_impl.h"
#include "key_filter.h"
#include "keys.h"
#include "manifest_record.h"
#include "records.h"
#include "run_format.h"

namespace deltatunnel::storage {
namespace {

// Builds the base runs of one compaction, chunked as any run (run_format.h), into a bulk writer.
class BaseWriter {
 public:
  explicit BaseWriter(BulkWriter* out) : out_(out) {}

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

 private:
  Status Cut() {
    DT_RETURN_IF_ERROR(out_->PutChunk(run_id_, last_key_, chunk_));
    run_bytes_ += chunk_.size();
    chunk_.clear();
    return Status::Ok();
  }

  BulkWriter* out_;
  uint64_t run_id_ = 0;
  uint64_t run_rows_ = 0;
  uint64_t run_bytes_ = 0;
  std::string chunk_;
  std::string last_key_;
  std::vector<uint64_t> hashes_;
};

// Whether a run readable at the latest version is encoded in an older schema than the table's.
bool HasOlderSchemaRuns(const PartitionManifest& m, const SchemaHistory& schemas) {
  const uint32_t current = schemas.Current().id;
  for (const auto& bucket : m.buckets) {
    // Newest first: the runs readable at the latest version are the last ones (hidden_from never
    // decreases along a bucket, manifest.h), not the history retention keeps before them.
    for (auto it = bucket.rbegin(); it != bucket.rend() && it->hidden_from == kForever; ++it) {
      if (it->schema_id != current) return true;
    }
  }
  return false;
}

}  // namespace

// What one partition's compaction carries from stage to stage.
struct EngineImpl::CompactionJob {
  std::string canonical;
  ManifestPtr pinned;  // the partition at Vc
  ReadPins::Pin pin;   // the runs the merge reads stay until it is done
  // The table's version when it started: the partition has no version of its own after the
  // pinned one up to it, so the bases hold its state at Vc, and are written in the schema at Vc,
  // the newest (a compaction after a schema change rewrites the rows in it).
  uint64_t vc = 0;
  SchemaHistoryPtr schemas;
  uint32_t buckets = 0;
  uint64_t first_id = 0;             // base run ids: first_id + bucket
  std::unique_ptr<BulkWriter> bulk;  // the bases and their F records, until installed
  std::vector<RunRef> bases;         // by bucket
  bool published = false;
  DroppedRuns dropped;  // by the publish's batch
};

Status EngineImpl::CompactPartition(uint64_t table_id, const std::string& canonical,
                                    CompactionCounts* counts) {
  std::shared_ptr<TableState> tp = FindTableById(table_id);
  if (!tp) return Status::Ok();  // dropped while queued
  TableState& t = *tp;
  CompactionJob job;
  job.canonical = canonical;
  DT_ASSIGN_OR_RETURN(const bool due, PrepareCompaction(t, &job));
  if (!due) return Status::Ok();
  Status st = MergeBases(t, &job, counts);
  if (st.ok()) st = InstallBases(t, &job);
  // Failed, or the table was dropped meanwhile: the bases go (AbandonCompaction).
  if (!st.ok() || !job.published) return AbandonCompaction(t, job, st);
  RetireDropped(t, std::move(job.dropped));
  return Status::Ok();
}

Result<bool> EngineImpl::PrepareCompaction(TableState& t, CompactionJob* job) {
  {
    MutexLock lock(&t.state_mu);
    auto it = t.partitions.find(job->canonical);
    if (it == t.partitions.end()) return false;  // never committed
    job->pinned = it->second;
    job->schemas = t.schemas;
    job->vc = t.version;
    job->pin = read_pins_.Take();
  }
  // Nothing since the last one, and no run in an older schema than the table's.
  if (job->pinned->commits_since_major == 0 && !HasOlderSchemaRuns(*job->pinned, *job->schemas)) {
    return false;
  }
  job->buckets = static_cast<uint32_t>(job->pinned->buckets.size());

  // Not while a filesystem fault stops writes: the compaction is queued again once it is gone.
  DT_RETURN_IF_ERROR(store_->Writable());
  DT_ASSIGN_OR_RETURN(const uint64_t allocated, AllocateRunIds(job->buckets));
  job->first_id = keys::kBaseRunBit | allocated;
  messages::CompactionIntentRecord intent;
  intent.set_first_run_id(job->first_id);
  intent.set_run_count(job->buckets);
  intent.set_version(job->vc);
  DT_RETURN_IF_ERROR(store_->Put(keys::CompactionIntent(t.id, job->canonical),
                                 intent.SerializeAsString(), CommitDurability(),
                                 "compaction: writing its intent"));
  DT_ASSIGN_OR_RETURN(job->bulk,
                      store_->NewBulkWriter(fmt::format("compaction-{}", job->first_id)));
  return true;
}

Status EngineImpl::AbandonCompaction(const TableState& t, CompactionJob& job, Status why) {
  job.bulk.reset();
  auto wb = store_->NewBatch();
  wb->DropRuns(job.first_id, job.first_id + job.buckets);
  wb->DeleteRange(keys::BaseFilter(t.id, job.first_id),
                  keys::BaseFilter(t.id, job.first_id + job.buckets));
  wb->Delete(keys::CompactionIntent(t.id, job.canonical));
  Status st = store_->Write(*wb, CommitDurability(), "abandoning a compaction");
  if (!st.ok()) spdlog::warn("{}", st.ToString());
  return why;
}

Status EngineImpl::MergeBases(const TableState& t, CompactionJob* job, CompactionCounts* counts) {
  BaseWriter writer(job->bulk.get());
  job->bases.resize(job->buckets);
  const SchemaVersion& target = job->schemas->At(job->vc);
  MergedKey key;
  uint64_t keys_seen = 0;
  for (uint32_t b = 0; b < job->buckets; ++b) {
    std::vector<RunRef> runs = VisibleRuns(*job->pinned, b, job->vc);
    for (const RunRef& r : runs) {
      counts->input_rows += r.rows;
      counts->input_bytes += r.bytes;
    }
    writer.StartRun(job->first_id + b);
    BucketMerge merge(*job->schemas, target, store_.get(), std::move(runs));
    DT_RETURN_IF_ERROR(merge.Init());
    for (;;) {
      DT_ASSIGN_OR_RETURN(const bool has, merge.Next(&key, 0, /*encode=*/true));
      if (!has) break;
      if ((++keys_seen & 4095) == 0 && compaction_cancel_.load()) {
        return Status(ErrorCode::kServiceUnavailable, "the engine is shutting down");
      }
      if (key.op != proto::RowOp::kUpsert) continue;
      DT_RETURN_IF_ERROR(writer.Add(key.key, key.encoded));
    }
    RunRef& base = job->bases[b];
    std::string filter;
    DT_RETURN_IF_ERROR(writer.FinishRun(&base.rows, &base.bytes, &filter));
    base.run_id = job->first_id + b;
    base.version = job->vc;
    base.base = true;
    base.schema_id = target.id;
    if (!filter.empty()) base.key_filter = std::make_shared<const std::string>(std::move(filter));
    counts->output_rows += base.rows;
    counts->output_bytes += base.bytes;
  }
  // The bases' key filters, as F records (manifest_record.h); run ids ascend: so do their keys.
  for (const RunRef& base : job->bases) {
    if (base.key_filter) {
      DT_RETURN_IF_ERROR(job->bulk->Put(keys::BaseFilter(t.id, base.run_id), *base.key_filter));
    }
  }
  return Status::Ok();
}

Status EngineImpl::InstallBases(TableState& t, CompactionJob* job) {
  job->pin.reset();
  Status st = store_->Install(*job->bulk);
  job->bulk.reset();
  if (!st.ok()) return Status(st.code(), "compaction: " + st.message());
  if (options_.compaction_pause) options_.compaction_pause();

  // Publish, under commit_mu: a commit's manifest copy cannot race it.
  MutexLock commit_lock(&t.commit_mu);
  if (t.dropped) return Status::Ok();  // not published: the caller abandons the bases
  ManifestPtr current;
  uint64_t oldest = 0;
  {
    MutexLock lock(&t.state_mu);
    current = t.partitions.at(job->canonical);
    oldest = OldestReadableLocked(t, Now());
  }
  // Truncated (or dropped) since Vc: the bases hold rows it deleted. Not published.
  if (current->base_version > job->vc) return Status::Ok();
  std::shared_ptr<PartitionManifest> next = WithBases(*current, *job->pinned, job->vc, job->bases);
  auto wb = store_->NewBatch();
  job->dropped = DropExpired(t, oldest, next.get(), wb.get());
  PutRunsRecord(t, job->canonical, *next, wb.get());
  PutPartitionRecord(t, job->canonical, *next, wb.get());
  wb->Delete(keys::CompactionIntent(t.id, job->canonical));
  DT_RETURN_IF_ERROR(store_->Write(*wb, CommitDurability(), "compaction: publishing"));
  job->published = true;
  const uint64_t pending = next->commits_since_major;
  {
    MutexLock lock(&t.state_mu);
    t.partitions[job->canonical] = std::move(next);
  }
  // Commits that came while it ran may have crossed the threshold again.
  MaybeQueueCompaction(t, job->canonical, pending);
  return Status::Ok();
}

Durability EngineImpl::CommitDurability() const {
  return options_.sync_commits ? Durability::kSynced : Durability::kBuffered;
}

uint64_t EngineImpl::CompactionDueAt(const TableState& t) const {
  // Automatic compaction off: only the backpressure bound makes one due, so that writes to the
  // partition are never refused for good.
  uint64_t due = t.auto_compaction ? t.commit_threshold.load() : UINT64_MAX;
  if (options_.max_pending_deltas > 0) due = std::min<uint64_t>(due, options_.max_pending_deltas);
  return due;
}

void EngineImpl::MaybeQueueCompaction(const TableState& t, const std::string& canonical,
                                      uint64_t commits_since_major) {
  if (!compactor_ || commits_since_major < CompactionDueAt(t)) return;
  compactor_->Enqueue(t.id, t.record.project(), t.record.name(), canonical, {canonical},
                      /*automatic=*/true);
}

void EngineImpl::RequeueDueCompactions() {
  if (!compactor_ || !store_->Writable().ok()) return;
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
        if (m->commits_since_major >= CompactionDueAt(*t)) {
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
  // Due by CompactionDueAt whatever the table's threshold; queued here too, as the bound may have
  // been lowered since the partition's last commit (a restart with a smaller max_pending_deltas).
  // One queued or running already is answered instead.
  MaybeQueueCompaction(t, canonical, pending);
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
Status EngineImpl::RecoverCompactions() {
  // Base runs of compactions a crash interrupted: referenced by nothing but their intent.
  auto wb = store_->NewBatch();
  int interrupted = 0;
  auto it = store_->Scan("K");
  for (; it->Valid(); it->Next()) {
    messages::CompactionIntentRecord intent;
    if (it->key().size() < 9 || !ParseRecord(it->value(), &intent)) {
      return Corruption("corrupt compaction intent record");
    }
    const uint64_t table_id = GetBigEndian64(it->key().substr(1, 8));
    const uint64_t first = intent.first_run_id();
    const uint64_t end = first + intent.run_count();
    wb->DropRuns(first, end);
    wb->DeleteRange(keys::BaseFilter(table_id, first), keys::BaseFilter(table_id, end));
    wb->Delete(it->key());
    ++interrupted;
  }
  DT_RETURN_IF_ERROR(it->status());
  if (wb->Count() > 0) {
    DT_RETURN_IF_ERROR(store_->Write(*wb, Durability::kSynced, "dropping interrupted compactions"));
    spdlog::info("dropped the output of {} interrupted compaction(s)", interrupted);
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
      if (m->commits_since_major >= t->commit_threshold) {
        compactor_->Enqueue(t->id, t->record.project(), t->record.name(), canonical, {canonical},
                            /*automatic=*/true);
      }
    }
  }
  return Status::Ok();
}

}  // namespace deltatunnel::storage
