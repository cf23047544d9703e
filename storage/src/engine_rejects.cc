// The reject quarantine (RejectSetInfo): the rows one-shot loads skipped, kept per table in sets,
// one a load. A set's header is a Q record, its rows X records of at most kChunkBytes each; the
// header of every set is in memory (TableState::reject_sets), its rows only on the store.
//
// A load's set is written in the batch of the load's commit (CommitLoad), so the rows it skipped
// are quarantined exactly when its good rows are committed; a load that committed nothing writes
// its set alone (QuarantineRejects). A replay marks its set replayed in the batch of its own
// commit and drops the set's rows: a set is replayed at most once, and a replay that failed
// leaves it as it was.
//
// Sets change under the table's commit_mu and, for the readers of the map, under state_mu.
#include <fmt/format.h>

#include <algorithm>

#include "coding.h"
#include "engine_impl.h"
#include "keys.h"
#include "records.h"

namespace deltatunnel::storage {
namespace {

constexpr size_t kMaxSetsPerTable = 10000;
constexpr size_t kChunkBytes = 256 << 10;

uint64_t RowBytes(const RejectedRow& r) {
  return 16 + r.text.size() + r.column.size() + r.reason.size();
}

Status NoSuchSet(const std::string& table, uint64_t id) {
  return {ErrorCode::kNoSuchObject,
          fmt::format("table '{}' has no reject set {} (purged, or never made)", table, id)};
}

messages::RejectSetRecord ToRecord(const RejectSetInfo& i) {
  messages::RejectSetRecord r;
  r.set_partition(i.partition);
  r.set_format(i.format);
  r.set_csv_header(i.csv_header);
  r.set_created_at_ms(i.created_at_ms);
  r.set_load_version(i.load_version);
  r.set_rows(i.rows);
  r.set_bytes(i.bytes);
  r.set_replayed_version(i.replayed_version);
  r.set_replayed_at_ms(i.replayed_at_ms);
  return r;
}

RejectSetInfo FromRecord(const TableState& t, uint64_t id, const messages::RejectSetRecord& r) {
  RejectSetInfo i;
  i.project = t.record.project();
  i.table = t.record.name();
  i.id = id;
  i.partition = r.partition();
  i.format = r.format();
  i.csv_header = r.csv_header();
  i.created_at_ms = r.created_at_ms();
  i.load_version = r.load_version();
  i.rows = r.rows();
  i.bytes = r.bytes();
  i.replayed_version = r.replayed_version();
  i.replayed_at_ms = r.replayed_at_ms();
  return i;
}

bool Replayed(const RejectSetInfo& i) { return i.replayed_at_ms != 0; }

// The rows of set `id` as X records, in chunks of about kChunkBytes.
void PutRows(uint64_t table_id, uint64_t id, const std::vector<RejectedRow>& rows, StoreBatch* wb) {
  messages::RejectRowsRecord chunk;
  size_t bytes = 0;
  uint64_t n = 0;
  auto flush = [&] {
    std::string key = keys::RejectRowsPrefix(table_id, id);
    PutBigEndian64(&key, n++);
    wb->Put(key, chunk.SerializeAsString());
    chunk.Clear();
    bytes = 0;
  };
  for (const RejectedRow& r : rows) {
    messages::RejectedRowRecord* rec = chunk.add_rows();
    rec->set_line(r.line);
    rec->set_column(r.column);
    rec->set_reason(r.reason);
    rec->set_text(r.text);
    bytes += RowBytes(r);
    if (bytes >= kChunkBytes) flush();
  }
  if (chunk.rows_size() > 0) flush();
}

void DropRows(uint64_t table_id, uint64_t id, StoreBatch* wb) {
  wb->DeleteRange(keys::RejectRowsPrefix(table_id, id), keys::RejectRowsPrefix(table_id, id + 1));
}

}  // namespace

Status EngineImpl::LoadRejectSets(TableState& t) {
  const std::string prefix = keys::TablePrefix('Q', t.id);
  auto it = store_->Scan(prefix);
  for (; it->Valid(); it->Next()) {
    const std::string_view rest = it->key().substr(prefix.size());
    if (rest.empty()) {  // the high-water mark of reserved ids
      if (it->value().size() != 8) return Corruption("corrupt reject set id record");
      t.next_reject_id = std::max(t.next_reject_id, GetBigEndian64(it->value()));
      continue;
    }
    messages::RejectSetRecord r;
    if (rest.size() != 8 || !ParseRecord(it->value(), &r)) {
      return Corruption("corrupt reject set record");
    }
    const uint64_t id = GetBigEndian64(rest);
    RejectSetInfo info = FromRecord(t, id, r);
    t.next_reject_id = std::max(t.next_reject_id, id + 1);
    t.reject_sets[id] = std::move(info);
  }
  return it->status();
}

uint64_t EngineImpl::RejectBytesLocked(const TableState& t) {
  uint64_t bytes = 0;
  for (const auto& [id, info] : t.reject_sets) {
    if (!Replayed(info)) bytes += info.bytes;
  }
  return bytes;
}

Result<uint64_t> EngineImpl::ReserveRejectSetId(const std::string& project,
                                                const std::string& table) {
  DT_ASSIGN_OR_RETURN(auto tp, GetTable(project, table));
  MutexLock lock(&tp->state_mu);
  return tp->next_reject_id++;
}

Status EngineImpl::PutRejects(TableState& t, const RejectSet* rejects, uint64_t replays,
                              uint64_t load_version, int64_t now, StoreBatch* wb,
                              RejectSetInfo* added, RejectSetInfo* replayed) {
  const std::string& table = t.record.name();
  uint64_t freed = 0;
  if (replays != 0) {
    MutexLock lock(&t.state_mu);
    auto it = t.reject_sets.find(replays);
    if (it == t.reject_sets.end()) return NoSuchSet(table, replays);
    if (Replayed(it->second)) {
      return Status(ErrorCode::kStatusConflict,
                    fmt::format("reject set {} of table '{}' was replayed already (version {})",
                                replays, table, it->second.replayed_version));
    }
    *replayed = it->second;
    freed = replayed->bytes;
  }
  if (rejects != nullptr && !rejects->rows.empty()) {
    *added = rejects->info;
    added->project = t.record.project();
    added->table = table;
    added->created_at_ms = now;
    added->load_version = load_version;
    added->rows = rejects->rows.size();
    added->bytes = 0;
    added->replayed_version = 0;
    added->replayed_at_ms = 0;
    for (const RejectedRow& r : rejects->rows) added->bytes += RowBytes(r);
    MutexLock lock(&t.state_mu);
    if (added->id == 0 || added->id >= t.next_reject_id || t.reject_sets.count(added->id) > 0) {
      return InvalidArgument(fmt::format("reject set id {} was not reserved", added->id));
    }
    if (t.reject_sets.size() >= kMaxSetsPerTable) {
      return Status(ErrorCode::kStatusConflict,
                    fmt::format("the reject quarantine of table '{}' holds {} sets, the most it "
                                "may: purge some (DELETE .../rejects) to load with max_bad_rows",
                                table, t.reject_sets.size()));
    }
    const uint64_t held = RejectBytesLocked(t) - freed;
    if (held + added->bytes > options_.reject_quarantine_bytes) {
      return Status(
          ErrorCode::kStatusConflict,
          fmt::format("the load's {} rejected rows ({} bytes) do not fit in the reject "
                      "quarantine of table '{}' ({} of {} bytes held): purge sets (DELETE "
                      ".../rejects) or raise [storage] reject_quarantine_mb; nothing was loaded",
                      added->rows, added->bytes, table, held, options_.reject_quarantine_bytes));
    }
    wb->Put(keys::RejectSet(t.id, added->id), ToRecord(*added).SerializeAsString());
    wb->Put(keys::TablePrefix('Q', t.id), keys::Fixed64(t.next_reject_id));
    PutRows(t.id, added->id, rejects->rows, wb);
  }
  if (replays != 0) {
    replayed->replayed_version = load_version;
    replayed->replayed_at_ms = now;
    wb->Put(keys::RejectSet(t.id, replays), ToRecord(*replayed).SerializeAsString());
    DropRows(t.id, replays, wb);
  }
  return Status::Ok();
}

void EngineImpl::PublishRejects(TableState& t, const RejectSetInfo& added,
                                const RejectSetInfo& replayed) {
  MutexLock lock(&t.state_mu);
  if (replayed.id != 0) {
    t.reject_sets[replayed.id] = replayed;
    ++reject_sets_replayed_;
  }
  if (added.id != 0) {
    t.reject_sets[added.id] = added;
    rows_rejected_ += added.rows;
  }
}

Result<RejectSetInfo> EngineImpl::QuarantineRejects(const RejectSet& set, uint64_t replays) {
  DT_ASSIGN_OR_RETURN(auto tp, GetTable(set.info.project, set.info.table));
  TableState& t = *tp;
  MutexLock commit_lock(&t.commit_mu);
  if (t.dropped) {
    return Status(ErrorCode::kNoSuchTable,
                  fmt::format("table '{}.{}' does not exist", set.info.project, set.info.table));
  }
  RejectSetInfo added, replayed;
  auto wb = store_->NewBatch();
  DT_RETURN_IF_ERROR(PutRejects(t, &set, replays, 0, Now(), wb.get(), &added, &replayed));
  if (wb->Count() == 0) return added;
  DT_RETURN_IF_ERROR(store_->Write(*wb, CommitDurability(), "quarantining rejected rows"));
  PublishRejects(t, added, replayed);
  return added;
}

Result<std::vector<RejectSetInfo>> EngineImpl::ListRejectSets(const std::string& project,
                                                              const std::string& table) {
  DT_ASSIGN_OR_RETURN(auto tp, GetTable(project, table));
  MutexLock lock(&tp->state_mu);
  std::vector<RejectSetInfo> out;
  out.reserve(tp->reject_sets.size());
  for (const auto& [id, info] : tp->reject_sets) out.push_back(info);
  return out;
}

Result<RejectSetInfo> EngineImpl::GetRejectSetInfo(const std::string& project,
                                                   const std::string& table, uint64_t id) {
  DT_ASSIGN_OR_RETURN(auto tp, GetTable(project, table));
  MutexLock lock(&tp->state_mu);
  auto it = tp->reject_sets.find(id);
  if (it == tp->reject_sets.end()) return NoSuchSet(table, id);
  return it->second;
}

Result<RejectSet> EngineImpl::GetRejectSet(const std::string& project, const std::string& table,
                                           uint64_t id) {
  DT_ASSIGN_OR_RETURN(auto tp, GetTable(project, table));
  const TableState& t = *tp;
  RejectSet set;
  DT_ASSIGN_OR_RETURN(set.info, GetRejectSetInfo(project, table, id));
  if (Replayed(set.info)) return set;
  // A purge or replay between the header and the rows leaves fewer rows than the header says:
  // the caller sees the set as it is now, or its rows gone.
  auto it = store_->Scan(keys::RejectRowsPrefix(t.id, id));
  for (; it->Valid(); it->Next()) {
    messages::RejectRowsRecord chunk;
    if (!ParseRecord(it->value(), &chunk)) return Corruption("corrupt reject rows record");
    for (const auto& r : chunk.rows()) {
      set.rows.push_back({r.line(), r.column(), r.reason(), r.text()});
    }
  }
  DT_RETURN_IF_ERROR(it->status());
  return set;
}

Result<std::vector<uint64_t>> EngineImpl::PurgeRejectSets(const std::string& project,
                                                          const std::string& table,
                                                          std::optional<uint64_t> id) {
  DT_ASSIGN_OR_RETURN(auto tp, GetTable(project, table));
  TableState& t = *tp;
  MutexLock commit_lock(&t.commit_mu);
  std::vector<uint64_t> ids;
  {
    MutexLock lock(&t.state_mu);
    if (id) {
      if (t.reject_sets.count(*id) == 0 || t.dropped) return NoSuchSet(table, *id);
      ids.push_back(*id);
    } else {
      for (const auto& [set_id, info] : t.reject_sets) ids.push_back(set_id);
    }
  }
  if (ids.empty()) return ids;
  auto wb = store_->NewBatch();
  for (uint64_t set_id : ids) {
    wb->Delete(keys::RejectSet(t.id, set_id));
    DropRows(t.id, set_id, wb.get());
  }
  DT_RETURN_IF_ERROR(store_->Write(*wb, CommitDurability(), "purging reject sets"));
  MutexLock lock(&t.state_mu);
  for (uint64_t set_id : ids) {
    t.reject_sets.erase(set_id);
  }
  return ids;
}

}  // namespace deltatunnel::storage
