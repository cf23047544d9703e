// Retention: the runs no readable version needs any more, dropped and their space freed.
//
// A major compaction hides the runs it folds from the version it compacted at (engine_compact.cc);
// such a run is still read by the versions below it, for as long as they are inside retention
// (acid.data.retain.hours). Once the oldest readable version is at or above the version a run is
// hidden from, the run is dropped (DropExpired) in one batch with the partition's new M record:
// the dropped run ids in D records (reclaimed_runs.h), and the F records of dropped bases deleted.
// After that batch (RetireDropped): the dropped deltas' C records are stripped of their runs (at
// Open after a crash between the two, manifest_record.h), and FreeRuns frees their space: SST
// files holding only such runs dropped whole, the rest compacted through a filter, no range
// tombstones.
//
// A compaction drops what expired in its own publish. Retention moves with time, so
// ReclaimExpiredVersions (maintenance thread, every 30 s) does the same alone for partitions whose
// hidden runs expire later. A read that pinned an older manifest still reads the dropped runs:
// they are freed once its pin goes (read_pins.h).
#include <spdlog/spdlog.h>
#include <algorithm>
#include <set>

#include "coding.h"
#include "engine_impl.h"
#include "keys.h"
#include "manifest_record.h"
#include "records.h"

namespace deltatunnel::storage {
namespace {

RunRanges RangesOf(const std::vector<RunRef>& runs) {
  std::vector<uint64_t> ids;
  for (const RunRef& r : runs) ids.push_back(r.run_id);
  return ToRunRanges(std::move(ids));
}

}  // namespace

uint64_t EngineImpl::OldestReadableLocked(const TableState& t, int64_t now) const {
  // Version V is readable while commit V+1 is younger than retention (engine_read.cc); commit
  // times never go backwards, so the readable versions are a suffix.
  const int64_t retain_ms = int64_t{t.retain_hours} * 3600 * 1000;
  auto it = std::upper_bound(t.commit_times.begin(), t.commit_times.end(), now - retain_ms);
  // A consumer's offset is kept past that (engine_consumers.cc).
  const uint64_t by_time = std::min<uint64_t>(static_cast<uint64_t>(it - t.commit_times.begin()),
                                              HeldFromLocked(t, now));
  const uint64_t oldest = std::max<uint64_t>(by_time, t.retain_floor);
  return std::min<uint64_t>(oldest, t.version);
}

void EngineImpl::PutRunsRecord(const TableState& t, const std::string& canonical,
                               const PartitionManifest& m, StoreBatch* wb) {
  wb->Put(keys::PartitionRuns(t.id, canonical), RunsRecordOf(m).SerializeAsString());
}

EngineImpl::DroppedRuns EngineImpl::DropExpired(const TableState& t, uint64_t oldest,
                                                PartitionManifest* next, StoreBatch* wb) {
  DroppedRuns dropped;
  dropped.runs = DropExpiredRuns(next, oldest);
  dropped.ranges = RangesOf(dropped.runs);
  PutReclaimRecords(dropped.ranges, wb);
  for (const RunRef& r : dropped.runs) {
    if (r.base && !r.in_runs_record) wb->Delete(keys::BaseFilter(t.id, r.run_id));
  }
  return dropped;
}

void EngineImpl::RetireDropped(TableState& t, DroppedRuns dropped) {
  StripCommitRuns(t, dropped.runs);
  CountReclaimed(dropped.ranges);
  FreeRuns(std::move(dropped.ranges));
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
  auto wb = store_->NewBatch();
  for (uint64_t v : versions) {
    auto value = store_->Get(keys::Commit(t.id, v));
    messages::CommitRecord c;
    if (!value.ok() || !*value || !ParseRecord(**value, &c))
      continue;  // the table is being dropped
    c.clear_runs();
    wb->Put(keys::Commit(t.id, v), c.SerializeAsString());
  }
  if (wb->Count() == 0) return;
  MutexLock commit_lock(&t.commit_mu);
  if (t.dropped) return;
  Status st =
      store_->Write(*wb, Durability::kBuffered, "stripping dropped runs from commit records");
  if (!st.ok()) spdlog::warn("{}", st.ToString());
}

void EngineImpl::PutReclaimRecords(const RunRanges& ranges, StoreBatch* wb) {
  for (const auto& [first, end] : ranges) {
    std::string value;
    PutBigEndian64(&value, end);
    wb->Put(keys::Reclaim(first), value);
  }
}

Status EngineImpl::LoadReclaims() {
  PendingFree f;  // mark 0: no read is left from before the restart
  auto it = store_->Scan("D");
  for (; it->Valid(); it->Next()) {
    if (it->key().size() != 9 || it->value().size() != 8) return Corruption("corrupt D record");
    f.runs.emplace_back(GetBigEndian64(it->key().substr(1)), GetBigEndian64(it->value()));
  }
  DT_RETURN_IF_ERROR(it->status());
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
    Status st = store_->FreeRuns(f.runs);
    if (st.ok()) {
      auto wb = store_->NewBatch();
      for (const auto& [first, end] : f.runs) wb->Delete(keys::Reclaim(first));
      st = store_->Write(*wb, Durability::kBuffered, "deleting D records");
    }
    // Not freed (shutdown): the D records stay, and the next Open frees the runs.
    if (!st.ok()) spdlog::warn("{}", st.ToString());
  }
}

void EngineImpl::ReclaimExpiredVersions() {
  std::vector<std::shared_ptr<TableState>> tables;
  {
    ReaderLock lock(&catalog_mu_);
    for (const auto& [id, t] : tables_by_id_) tables.push_back(t);
  }
  for (const auto& tp : tables) {
    TableState& t = *tp;
    DroppedRuns dropped;
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
        auto wb = store_->NewBatch();
        DroppedRuns gone = DropExpired(t, oldest, next.get(), wb.get());
        if (gone.runs.empty()) continue;
        PutRunsRecord(t, canonical, *next, wb.get());
        Status st = store_->Write(*wb, Durability::kBuffered, "reclaiming expired versions");
        if (!st.ok()) {
          spdlog::warn("{}: {}", t.record.name(), st.ToString());
          continue;
        }
        {
          MutexLock lock(&t.state_mu);
          t.partitions[canonical] = std::move(next);
        }
        dropped.runs.insert(dropped.runs.end(), gone.runs.begin(), gone.runs.end());
        dropped.ranges.insert(dropped.ranges.end(), gone.ranges.begin(), gone.ranges.end());
      }
    }
    RetireDropped(t, std::move(dropped));
  }
  FreeRuns({});  // ranges that waited for older reads to go
}

}  // namespace deltatunnel::storage
