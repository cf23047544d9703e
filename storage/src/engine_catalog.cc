// The catalog: tables per project under case-insensitive names (N records hold the lower-cased
// name, T records the spelling given at creation). Table ids come from a persisted counter and are
// never reused, so nothing of a dropped table can be mistaken for a new one's.
#include <fmt/format.h>

#include "catalog.h"
#include "engine_impl.h"
#include "keys.h"

namespace deltatunnel::storage {

std::shared_ptr<TableState> EngineImpl::FindTable(const std::string& project,
                                                  const std::string& table) {
  ReaderLock lock(&catalog_mu_);
  auto it = tables_by_name_.find(keys::Name(project, table));
  return it == tables_by_name_.end() ? nullptr : it->second;
}

Result<std::shared_ptr<TableState>> EngineImpl::GetTable(const std::string& project,
                                                         const std::string& table) {
  auto t = FindTable(project, table);
  if (!t) {
    return Status(ErrorCode::kNoSuchTable,
                  fmt::format("table '{}.{}' does not exist", project, table));
  }
  return t;
}

std::shared_ptr<TableState> EngineImpl::FindTableById(uint64_t id) {
  ReaderLock lock(&catalog_mu_);
  auto it = tables_by_id_.find(id);
  return it == tables_by_id_.end() ? nullptr : it->second;
}

void TableState::SetSettings(const messages::TableRecord& rec) {
  {
    MutexLock lock(&settings_mu);
    settings = rec;
  }
  retain_hours = rec.retain_hours();
  commit_threshold = rec.commit_threshold();
  lifecycle_days = LifecycleDays(rec);
  auto_compaction = AutoCompaction(rec);
  bucket_num = rec.bucket_num();
  retain_floor = rec.retain_floor_version();
}

messages::TableRecord TableState::Settings() const {
  MutexLock lock(&settings_mu);
  return settings;
}

TableInfo EngineImpl::DescribeLocked(const TableState& t) {
  TableInfo info = TableInfoFromRecord(t.Settings(), *t.Schemas()->Current().schema);
  MutexLock lock(&t.state_mu);
  info.version = t.version;
  for (const auto& [name, m] : t.partitions) {
    if (!m->dropped) ++info.partitions;
    info.rows += m->rows;
    info.bytes += m->bytes;
    info.commits_since_major = std::max(info.commits_since_major, m->commits_since_major);
  }
  return info;
}

Result<TableInfo> EngineImpl::CreateTable(const TableDef& def) {
  DT_ASSIGN_OR_RETURN(messages::TableRecord rec,
                      BuildTableRecord(def, options_.default_commit_threshold));
  DT_RETURN_IF_ERROR(CheckCommitThreshold(rec.commit_threshold()));
  DT_ASSIGN_OR_RETURN(proto::TableSchema schema, SchemaFromRecord(rec));
  if (!(schema == def.schema)) {
    return Internal("the schema does not survive its own encoding: " + def.name);
  }
  WriterLock lock(&catalog_mu_);
  const std::string name_key = keys::Name(def.project, def.name);
  if (tables_by_name_.count(name_key) != 0) {
    return Status(ErrorCode::kTableAlreadyExists,
                  fmt::format("table '{}.{}' already exists", def.project, def.name));
  }
  auto t = std::make_shared<TableState>();
  t->id = next_table_id_;
  rec.set_id(t->id);
  rec.set_created_at_ms(Now());
  t->record = std::move(rec);
  t->schema = std::make_shared<const proto::TableSchema>(std::move(schema));
  {
    MutexLock state_lock(&t->state_mu);
    t->schemas =
        std::make_shared<const SchemaHistory>(std::vector<SchemaVersion>{{0, 0, t->schema}});
  }
  t->SetSettings(t->record);

  auto wb = store_->NewBatch();
  wb->Put(keys::Table(t->id), t->record.SerializeAsString());
  wb->Put(keys::TableVersion(t->id), keys::Fixed64(0));
  wb->Put(name_key, keys::Fixed64(t->id));
  wb->Put(keys::kNextTableId, keys::Fixed64(t->id + 1));
  DT_RETURN_IF_ERROR(store_->Write(*wb, CommitDurability(), "creating table"));
  next_table_id_ = t->id + 1;
  tables_by_name_[name_key] = t;
  tables_by_id_[t->id] = t;
  return DescribeLocked(*t);
}

Status EngineImpl::CheckCommitThreshold(uint32_t threshold) const {
  // Below the bound of backpressure, or the partition would refuse appends before its automatic
  // compaction is due.
  if (compactor_ && options_.max_pending_deltas > 0 && threshold >= options_.max_pending_deltas) {
    return InvalidArgument(fmt::format(
        "property 'compaction.major.commit-threshold' ({}) must be below the server's "
        "max_pending_deltas ({}): a partition refuses appends once that many commits wait for "
        "major compaction",
        threshold, options_.max_pending_deltas));
  }
  return Status::Ok();
}

Status EngineImpl::CheckEmpty(TableState& t) {
  const auto refuse = [&](std::string_view why) {
    return InvalidArgument(fmt::format(
        "property 'write.bucket.num' can change only while the table is empty, and table "
        "'{}.{}' {}; create a new table to change it",
        t.record.project(), t.record.name(), why));
  };
  {
    MutexLock lock(&t.state_mu);
    if (!t.partitions.empty()) return refuse("has been written");
  }
  MutexLock lock(&sessions_mu_);
  for (const auto& [id, s] : sessions_) {
    if (s->table.get() == &t) return refuse("has an open upsert session");
  }
  return Status::Ok();
}

Result<TableInfo> EngineImpl::AlterTable(const std::string& project, const std::string& table,
                                         const std::map<std::string, std::string>& properties) {
  DT_ASSIGN_OR_RETURN(std::shared_ptr<TableState> t, GetTable(project, table));
  DT_RETURN_IF_ERROR(AlterTableLocked(*t, properties));
  // A lower threshold may make compactions due now (outside the commit lock: this takes the
  // catalog's).
  RequeueDueCompactions();
  return DescribeLocked(*t);
}

Status EngineImpl::AlterTableLocked(TableState& t,
                                    const std::map<std::string, std::string>& properties) {
  MutexLock commit_lock(&t.commit_mu);
  if (t.dropped) {
    return Status(ErrorCode::kNoSuchTable,
                  fmt::format("table '{}.{}' does not exist", t.record.project(), t.record.name()));
  }
  DT_ASSIGN_OR_RETURN(messages::TableRecord rec, AlterTableRecord(t.Settings(), properties));
  DT_RETURN_IF_ERROR(CheckCommitThreshold(rec.commit_threshold()));
  if (rec.bucket_num() != t.bucket_num) DT_RETURN_IF_ERROR(CheckEmpty(t));
  if (rec.retain_hours() > t.retain_hours) {
    // What the shorter retention let go may be freed already: those versions stay expired.
    MutexLock state_lock(&t.state_mu);
    rec.set_retain_floor_version(
        std::max(rec.retain_floor_version(), OldestReadableLocked(t, Now())));
  }
  auto wb = store_->NewBatch();
  wb->Put(keys::Table(t.id), rec.SerializeAsString());
  DT_RETURN_IF_ERROR(store_->Write(*wb, CommitDurability(), "altering table"));
  t.SetSettings(rec);
  return Status::Ok();
}

Status EngineImpl::DropTable(const std::string& project, const std::string& table) {
  RunRanges runs;
  DT_RETURN_IF_ERROR(DropTableLocked(project, table, &runs));
  FreeRuns(std::move(runs));  // outside the catalog lock: it may compact for a while
  return Status::Ok();
}

Status EngineImpl::DropTableLocked(const std::string& project, const std::string& table,
                                   RunRanges* runs,
                                   const std::optional<DropIfUnmodified>& only_if) {
  WriterLock lock(&catalog_mu_);
  const std::string name_key = keys::Name(project, table);
  auto found = tables_by_name_.find(name_key);
  if (found == tables_by_name_.end()) {
    return {ErrorCode::kNoSuchTable, fmt::format("table '{}.{}' does not exist", project, table)};
  }
  std::shared_ptr<TableState> t = found->second;
  MutexLock commit_lock(&t->commit_mu);
  if (only_if) {
    bool unmodified = false;
    if (t.get() == only_if->table) {
      MutexLock state_lock(&t->state_mu);
      unmodified = LastModifiedLocked(*t) < only_if->modified_before;
    }
    if (!unmodified) {
      return {ErrorCode::kStatusConflict,
              fmt::format("table '{}.{}' was modified or replaced since", project, table)};
    }
  }

  // Open sessions of the table: taken out of service under their locks, so no Append can add a
  // run after the batch below has deleted the session's runs.
  std::vector<std::shared_ptr<SessionState>> open;
  {
    MutexLock slock(&sessions_mu_);
    for (auto it = sessions_.begin(); it != sessions_.end();) {
      if (it->second->table == t) {
        open.push_back(it->second);
        it = sessions_.erase(it);
      } else {
        ++it;
      }
    }
  }
  auto wb = store_->NewBatch();
  for (auto& s : open) {
    WriterLock session_lock(&s->mu);
    s->gone = true;
    MutexLock counts(&s->counts_mu);
    DeleteRuns(s->opened.id(), s->counts.runs, wb.get());
    wb->Delete(keys::Session(s->opened.id()));
  }
  // The committed runs are freed like those a compaction drops (reclaimed_runs.h), once no read
  // pinned on the table is left.
  {
    std::vector<uint64_t> ids;
    MutexLock state_lock(&t->state_mu);
    for (const auto& [canonical, m] : t->partitions) {
      for (const auto& bucket : m->buckets) {
        for (const RunRef& r : bucket) ids.push_back(r.run_id);
      }
    }
    *runs = ToRunRanges(std::move(ids));
  }
  PutReclaimRecords(*runs, wb.get());
  wb->Delete(keys::Table(t->id));
  wb->Delete(keys::TableVersion(t->id));
  wb->Delete(name_key);
  for (char tag : {'P', 'C', 'I', 'M', 'F', 'K', 'U', 'Q', 'X'}) {
    wb->DeleteRange(keys::TablePrefix(tag, t->id), keys::TablePrefix(tag, t->id + 1));
  }
  if (Status st = store_->Write(*wb, CommitDurability(), "dropping table"); !st.ok()) {
    // Not dropped: its sessions go back into service as they were (an Append meanwhile was
    // told the session is gone; it is not).
    for (auto& s : open) {
      WriterLock session_lock(&s->mu);
      s->gone = false;
    }
    MutexLock slock(&sessions_mu_);
    for (auto& s : open) sessions_[s->opened.id()] = s;
    return st;
  }
  t->dropped = true;
  {
    MutexLock state_lock(&t->state_mu);  // no read pins the table from here on
    t->closed_to_reads = true;
  }
  if (compactor_) compactor_->DropTable(t->id);
  tables_by_name_.erase(name_key);
  tables_by_id_.erase(t->id);
  Published(*t, 0);  // its feeds end (a drop by request or by lifecycle)
  return Status::Ok();
}

int64_t EngineImpl::LastModifiedLocked(const TableState& t) const {
  return t.commit_times.empty() ? t.record.created_at_ms() : t.commit_times.back();
}

Result<TableInfo> EngineImpl::DescribeTable(const std::string& project, const std::string& table) {
  DT_ASSIGN_OR_RETURN(auto t, GetTable(project, table));
  return DescribeLocked(*t);
}

Result<std::vector<TableInfo>> EngineImpl::ListTables(const std::string& project) {
  std::vector<std::shared_ptr<TableState>> tables;
  {
    ReaderLock lock(&catalog_mu_);
    const std::string prefix = keys::NamePrefix(project);
    for (auto it = tables_by_name_.lower_bound(prefix);
         it != tables_by_name_.end() && it->first.starts_with(prefix); ++it) {
      tables.push_back(it->second);
    }
  }
  if (tables.empty()) {
    return Status(ErrorCode::kNoSuchProject, fmt::format("project '{}' has no tables", project));
  }
  std::vector<TableInfo> out;
  for (const auto& t : tables) out.push_back(DescribeLocked(*t));
  return out;
}

Result<std::vector<PartitionInfo>> EngineImpl::ListPartitions(const std::string& project,
                                                              const std::string& table) {
  DT_ASSIGN_OR_RETURN(auto t, GetTable(project, table));
  std::vector<PartitionInfo> out;
  MutexLock lock(&t->state_mu);
  for (const auto& [canonical, m] : t->partitions) {
    if (m->dropped) continue;
    const int64_t at = m->version >= 1 && m->version <= t->commit_times.size()
                           ? t->commit_times[m->version - 1]
                           : 0;
    out.push_back({canonical, m->rows, m->bytes, m->version, m->commits_since_major, at});
  }
  return out;
}

}  // namespace deltatunnel::storage
