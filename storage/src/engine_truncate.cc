// Truncate and partition drop: deleting a partition's rows without touching them.
//
// A truncate of a partition at version V is a commit that publishes no runs and hides every run of
// the partition from V on: a major compaction at V that made no bases (manifest.h, Truncated).
// Reads at V and later see the partition empty; reads below V see it as before, for as long as
// retention keeps those versions, and then retention frees the runs as it frees any hidden run.
// A drop is a truncate that also takes the partition out of the listing, until a commit writes it
// again. So neither costs more than a commit, whatever the partition holds.
//
// Under the table's commit_mu, for n partitions: versions V+1 .. V+n, one per partition, in one
// synced WriteBatch:
//   C table_id version   -> CommitRecord of kind truncate or drop_partition, no runs
//   M table_id partition -> base version = that version, every run hidden from it on
//   P table_id partition -> that version, nothing waiting for compaction, no rows
//   V table_id           -> V+n
// then published in memory in one step, as a commit is. A compaction pinned below a truncate is
// not published (InstallBases): its bases would hold rows the truncate deleted.
//
// Lifecycle (ApplyLifecycles, every maintenance pass): a table's `lifecycle` days after its last
// modification, a partition is dropped as above; a non-partitioned table is dropped whole, as
// MaxCompute does.
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <algorithm>
#include <set>

#include "catalog.h"
#include "engine_impl.h"
#include "keys.h"

namespace deltatunnel::storage {

Result<std::vector<CommitInfo>> EngineImpl::Truncate(const std::string& project,
                                                     const std::string& table,
                                                     const std::optional<std::string>& partition) {
  DT_ASSIGN_OR_RETURN(auto t, GetTable(project, table));
  std::vector<std::string> canonicals;
  if (partition) {
    DT_ASSIGN_OR_RETURN(proto::PartitionSpec spec,
                        proto::ParsePartitionSpec(*t->schema, *partition));
    canonicals.push_back(spec.canonical);
  }
  return TruncatePartitions(*t, canonicals, /*all=*/!partition, /*drop=*/false,
                            /*if_exists=*/false);
}

Result<std::vector<CommitInfo>> EngineImpl::DropPartitions(
    const std::string& project, const std::string& table,
    const std::vector<std::string>& partitions, bool if_exists) {
  DT_ASSIGN_OR_RETURN(auto t, GetTable(project, table));
  if (t->schema->partition_columns.empty()) {
    return InvalidArgument(
        fmt::format("table '{}.{}' is not partitioned: truncate it instead of dropping a partition",
                    project, table));
  }
  std::vector<std::string> canonicals;
  for (const std::string& p : partitions) {
    DT_ASSIGN_OR_RETURN(proto::PartitionSpec spec, proto::ParsePartitionSpec(*t->schema, p));
    canonicals.push_back(spec.canonical);
  }
  return TruncatePartitions(*t, canonicals, /*all=*/false, /*drop=*/true, if_exists);
}

std::vector<std::shared_ptr<SessionState>> EngineImpl::AbortPartitionSessions(
    TableState& t, const std::set<std::string>& canonicals, StoreBatch* wb) {
  std::vector<std::shared_ptr<SessionState>> open;
  {
    MutexLock lock(&sessions_mu_);
    for (const auto& [id, s] : sessions_) {
      if (s->table.get() == &t && canonicals.count(s->opened.partition()) != 0) open.push_back(s);
    }
  }
  std::vector<std::shared_ptr<SessionState>> aborting;
  for (auto& s : open) {
    WriterLock session_lock(&s->mu);
    if (s->gone || s->status != messages::SESSION_NORMAL) continue;
    messages::SessionRecord rec = s->opened;
    rec.set_status(messages::SESSION_ABORTED);
    {
      MutexLock counts(&s->counts_mu);
      s->counts.CopyTo(&rec);
      DeleteRuns(rec.id(), s->counts.runs, wb);
    }
    wb->Put(keys::Session(rec.id()), rec.SerializeAsString());
    s->gone = true;  // no append adds a run the batch does not delete
    aborting.push_back(s);
  }
  return aborting;
}

void EngineImpl::FinishPartitionAborts(const std::vector<std::shared_ptr<SessionState>>& sessions,
                                       bool written) {
  for (const auto& s : sessions) {
    WriterLock session_lock(&s->mu);
    s->gone = false;
    if (!written) continue;
    s->status = messages::SESSION_ABORTED;
    MutexLock counts(&s->counts_mu);
    s->counts.runs.clear();
  }
  if (written) {
    for (const auto& s : sessions) ForgetSession(s->opened.id());
  }
}

void EngineImpl::ApplyLifecycles() {
  if (!store_->Writable().ok()) return;  // tried again on the next pass
  const int64_t now = Now();
  std::vector<std::pair<std::shared_ptr<TableState>, int64_t>> tables;  // with their cutoffs
  {
    ReaderLock lock(&catalog_mu_);
    for (const auto& [id, t] : tables_by_id_) {
      const uint32_t days = t->lifecycle_days;
      if (days > 0) tables.emplace_back(t, now - int64_t{days} * 24 * 3600 * 1000);
    }
  }
  for (const auto& [t, cutoff] : tables) {
    const std::string& project = t->record.project();
    const std::string& name = t->record.name();
    std::vector<std::string> expired;
    bool table_expired = false;
    {
      MutexLock lock(&t->state_mu);
      if (t->closed_to_reads) continue;  // dropped meanwhile
      if (t->schema->partition_columns.empty()) {
        table_expired = LastModifiedLocked(*t) < cutoff;
      } else {
        for (const auto& [canonical, m] : t->partitions) {
          if (m->dropped || m->version == 0) continue;
          if (t->commit_times[m->version - 1] < cutoff) expired.push_back(canonical);
        }
      }
    }
    if (table_expired) {
      // Only the table looked at, only if still unmodified: a commit landing, or the name
      // dropped and taken again meanwhile, keeps it (StatusConflict, NoSuchTable).
      RunRanges runs;
      Status s = DropTableLocked(project, name, &runs, DropIfUnmodified{t.get(), cutoff});
      if (s.ok()) {
        FreeRuns(std::move(runs));
        spdlog::info("lifecycle: dropped table {}.{}", project, name);
      } else if (s.code() != ErrorCode::kNoSuchTable && s.code() != ErrorCode::kStatusConflict) {
        spdlog::warn("lifecycle: dropping table {}.{}: {}", project, name, s.ToString());
      }
      continue;
    }
    if (expired.empty()) continue;
    auto made = TruncatePartitions(*t, expired, /*all=*/false, /*drop=*/true, /*if_exists=*/true,
                                   /*modified_before=*/cutoff);
    if (!made.ok()) {
      spdlog::warn("lifecycle: dropping partitions of {}.{}: {}", project, name,
                   made.status().ToString());
      continue;
    }
    for (const CommitInfo& c : *made) {
      spdlog::info("lifecycle: dropped partition {} of {}.{} (version {})", c.partition, project,
                   name, c.version);
    }
  }
}

Result<std::vector<CommitInfo>> EngineImpl::TruncatePartitions(TableState& t,
                                                               std::vector<std::string> canonicals,
                                                               bool all, bool drop, bool if_exists,
                                                               int64_t modified_before) {
  MutexLock commit_lock(&t.commit_mu);
  if (t.dropped) {
    return Status(ErrorCode::kNoSuchTable,
                  fmt::format("table '{}.{}' does not exist", t.record.project(), t.record.name()));
  }
  DT_RETURN_IF_ERROR(store_->Writable());

  uint64_t version = 0;
  int64_t committed_at = Now();
  std::vector<ManifestPtr> current;
  {
    MutexLock state_lock(&t.state_mu);
    version = t.version;
    if (!t.commit_times.empty()) committed_at = std::max(committed_at, t.commit_times.back());
    if (all) {
      for (const auto& [canonical, m] : t.partitions) {
        if (!m->dropped) canonicals.push_back(canonical);
      }
    }
    std::vector<std::string> found;
    for (const std::string& canonical : canonicals) {
      auto it = t.partitions.find(canonical);
      const bool exists = it != t.partitions.end() && !it->second->dropped;
      if (!exists && if_exists) continue;
      if (!exists) {
        return Status(ErrorCode::kNoSuchPartition,
                      fmt::format("partition '{}' of table '{}.{}' does not exist", canonical,
                                  t.record.project(), t.record.name()));
      }
      if (std::find(found.begin(), found.end(), canonical) != found.end()) continue;
      if (t.commit_times[it->second->version - 1] >= modified_before) continue;
      found.push_back(canonical);
      current.push_back(it->second);
    }
    canonicals = std::move(found);
  }
  std::vector<CommitInfo> made;
  if (canonicals.empty()) return made;
  // commit_mu held: no commit or compaction changes these partitions meanwhile. A drop aborts
  // the sessions open on them in its own batch: a drop that fails aborts none.
  auto wb = store_->NewBatch();
  std::vector<std::shared_ptr<SessionState>> aborting;
  if (drop) aborting = AbortPartitionSessions(t, {canonicals.begin(), canonicals.end()}, wb.get());

  const auto kind = drop ? messages::COMMIT_DROP_PARTITION : messages::COMMIT_TRUNCATE;
  std::vector<std::shared_ptr<PartitionManifest>> next;
  for (size_t i = 0; i < canonicals.size(); ++i) {
    ++version;
    next.push_back(Truncated(*current[i], version, drop));
    messages::CommitRecord c;
    c.set_version(version);
    c.set_committed_at_ms(committed_at);
    c.set_partition(canonicals[i]);
    c.set_kind(kind);
    wb->Put(keys::Commit(t.id, version), c.SerializeAsString());
    PutRunsRecord(t, canonicals[i], *next.back(), wb.get());
    PutPartitionRecord(t, canonicals[i], *next.back(), wb.get());
    made.push_back({version, committed_at, canonicals[i], "", 0, 0, 0,
                    drop ? CommitOperation::kDropPartition : CommitOperation::kTruncate});
  }
  wb->Put(keys::TableVersion(t.id), keys::Fixed64(version));
  Status written =
      store_->Write(*wb, CommitDurability(), drop ? "dropping partitions" : "truncating");
  FinishPartitionAborts(aborting, written.ok());
  DT_RETURN_IF_ERROR(written);

  {
    MutexLock state_lock(&t.state_mu);
    for (size_t i = 0; i < canonicals.size(); ++i) {
      t.partitions[canonicals[i]] = std::move(next[i]);
      t.commit_times.push_back(committed_at);
    }
    t.version = version;
  }
  Published(t, version);
  commits_ += canonicals.size();
  return made;
}

}  // namespace deltatunnel::storage
