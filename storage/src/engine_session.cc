// Sessions: open, append, abort, expiry.
//
// Append writes straight through: the batch becomes one run per bucket it touches (run_format.h),
// and the runs' chunks (CF data) and their R records (CF meta) go into RocksDB in ONE WriteBatch
// with the WAL on and no sync, so the rows are durable against a process kill when Append returns
// (promise 1) and an open session costs no memory beyond its list of runs (promise 8). The S record
// is written only at open and at each change of status; an open session's counts are the sums of
// its R records, kept in memory apart from the record (SessionCounts) and written into it when the
// session ends.
//
// Appends of one session run side by side (SessionState in engine_impl.h): each holds the
// session's lock shared through its write, so a client's concurrent bucket writes do not queue
// behind each other's RocksDB write; commit, abort and expiry hold it exclusively. The server's
// check before each bucket write (GetSession) holds it shared too.
//
// Ending a session without commit (abort, expiry) is one WriteBatch too: the S record with its new
// status, the R records deleted, and each run's chunks dropped with one DeleteRange.
//
// Lifetime: a normal session past expires_at is expired (by the maintenance thread, or by the next
// call that touches it); any finished session is still answered by GetSession for kForgetGraceMs
// past expires_at (so a client learns it expired or committed), then its record is deleted and
// GetSession answers UpsertSessionNotFound.
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <algorithm>
#include <ctime>

#include "engine_impl.h"
#include "keys.h"
#include "records.h"

namespace deltatunnel::storage {
namespace {

Status NotFound(const std::string& id) {
  return {ErrorCode::kUpsertSessionNotFound, fmt::format("upsert session '{}' not found", id)};
}

Status Conflict(const SessionState& s) REQUIRES_SHARED(s.mu) {
  return {ErrorCode::kStatusConflict,
          fmt::format("upsert session '{}' is {}", s.opened.id(),
                      SessionStatusName(static_cast<SessionStatus>(s.status)))};
}

}  // namespace

std::shared_ptr<SessionState> EngineImpl::FindSession(const std::string& id) {
  MutexLock lock(&sessions_mu_);
  auto it = sessions_.find(id);
  return it == sessions_.end() ? nullptr : it->second;
}

void EngineImpl::ForgetSession(const std::string& id) {
  MutexLock lock(&sessions_mu_);
  sessions_.erase(id);
}

std::string EngineImpl::NewSessionId() {
  const std::time_t secs = static_cast<std::time_t>(Now() / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char stamp[16];
  std::strftime(stamp, sizeof stamp, "%Y%m%d%H%M%S", &tm);
  uint64_t r = 0;
  {
    MutexLock lock(&sessions_mu_);
    r = rng_();
  }
  return fmt::format("{}{:016x}", stamp, r);
}

Result<uint64_t> EngineImpl::AllocateRunIds(uint64_t n) {
  MutexLock lock(&ids_mu_);
  if (next_run_id_ + n > run_id_high_) {
    // Reserve a block before handing any of it out: the WAL keeps this write ahead of every run
    // that uses an id from the block, so recovery never reuses an id.
    const uint64_t high = next_run_id_ + n + kRunIdBlock;
    DT_RETURN_IF_ERROR(store_->Put(keys::kRunIdHigh, keys::Fixed64(high), Durability::kBuffered,
                                   "reserving run ids"));
    run_id_high_ = high;
  }
  const uint64_t first = next_run_id_;
  next_run_id_ += n;
  return first;
}

SessionInfo EngineImpl::ToInfo(const TableState& t, const messages::SessionRecord& rec,
                               std::shared_ptr<const proto::TableSchema> schema) const {
  SessionInfo info;
  info.id = rec.id();
  info.project = t.record.project();
  info.table = t.record.name();
  info.partition = rec.partition();
  info.status = static_cast<SessionStatus>(rec.status());
  info.quota_name = rec.quota_name();
  info.slot_num = rec.slot_num();
  info.created_at_ms = rec.created_at_ms();
  info.expires_at_ms = rec.expires_at_ms();
  info.commit_version = rec.commit_version();
  info.rows = rec.rows();
  info.upserts = rec.upserts();
  info.deletes = rec.deletes();
  info.bytes = rec.bytes();
  info.buckets_written.assign(rec.buckets_written().begin(), rec.buckets_written().end());
  info.schema = std::move(schema);
  return info;
}

SessionInfo EngineImpl::InfoOf(const SessionState& s) const {
  SessionInfo info = ToInfo(*s.table, s.opened, s.schema);
  info.status = static_cast<SessionStatus>(s.status);
  info.commit_version = s.commit_version;
  MutexLock lock(&s.counts_mu);
  info.rows = s.counts.rows;
  info.upserts = s.counts.upserts;
  info.deletes = s.counts.deletes;
  info.bytes = s.counts.bytes;
  info.buckets_written.assign(s.counts.buckets_written.begin(), s.counts.buckets_written.end());
  return info;
}

Result<SessionInfo> EngineImpl::OpenSession(const SessionOptions& options) {
  DT_ASSIGN_OR_RETURN(auto t, GetTable(options.project, options.table));
  if (options.lifetime_hours < 1 || options.lifetime_hours > 24) {
    return InvalidArgument(
        fmt::format("session lifetime {} h is not from 1 to 24", options.lifetime_hours));
  }
  DT_ASSIGN_OR_RETURN(proto::PartitionSpec spec,
                      proto::ParsePartitionSpec(*t->schema, options.partition));
  const SchemaVersion current = t->Schemas()->Current();
  messages::SessionRecord rec;
  rec.set_id(NewSessionId());
  rec.set_table_id(t->id);
  rec.set_schema_id(current.id);
  rec.set_partition(spec.canonical);
  rec.set_status(messages::SESSION_NORMAL);
  rec.set_quota_name(options.quota_name);
  rec.set_slot_num(options.slot_num);
  rec.set_created_at_ms(Now());
  rec.set_expires_at_ms(rec.created_at_ms() + int64_t{options.lifetime_hours} * 3600 * 1000);
  DT_RETURN_IF_ERROR(store_->Put(keys::Session(rec.id()), rec.SerializeAsString(),
                                 Durability::kBuffered, "opening session"));
  SessionInfo info = ToInfo(*t, rec, current.schema);
  auto s = std::make_shared<SessionState>(t, std::move(rec), current.schema);
  MutexLock lock(&sessions_mu_);
  sessions_[s->opened.id()] = std::move(s);
  return info;
}

Result<SessionInfo> EngineImpl::GetSession(const std::string& session_id) {
  if (auto s = FindSession(session_id)) {
    {
      // Shared: the server asks before every bucket write, and must not wait for another
      // append's write to end.
      ReaderLock lock(&s->mu);
      if (s->gone) return NotFound(session_id);
      if (!ExpiredNormal(*s)) return InfoOf(*s);
    }
    WriterLock lock(&s->mu);
    DT_RETURN_IF_ERROR(ExpireLocked(*s, session_id));
    return InfoOf(*s);
  }
  DT_ASSIGN_OR_RETURN(std::optional<std::string> value, store_->Get(keys::Session(session_id)));
  if (!value) return NotFound(session_id);
  messages::SessionRecord rec;
  if (!ParseRecord(*value, &rec)) return Corruption("corrupt session record");
  auto t = FindTableById(rec.table_id());
  if (!t || rec.status() == messages::SESSION_NORMAL ||
      Now() >= rec.expires_at_ms() + kForgetGraceMs) {
    return NotFound(session_id);
  }
  return ToInfo(*t, rec, t->Schemas()->ById(rec.schema_id()));
}

Result<std::vector<SessionInfo>> EngineImpl::ListSessions(const std::string& project,
                                                          const std::string& table) {
  DT_ASSIGN_OR_RETURN(auto t, GetTable(project, table));
  std::vector<std::string> ids;
  {
    MutexLock lock(&sessions_mu_);
    for (const auto& [id, s] : sessions_) {
      if (s->table == t) ids.push_back(id);
    }
  }
  // Finished sessions of the table, from their records.
  messages::SessionRecord rec;
  auto it = store_->Scan("S");
  for (; it->Valid(); it->Next()) {
    if (!ParseRecord(it->value(), &rec)) continue;
    if (rec.table_id() == t->id && rec.status() != messages::SESSION_NORMAL) {
      ids.push_back(rec.id());
    }
  }
  DT_RETURN_IF_ERROR(it->status());
  std::vector<SessionInfo> out;
  for (const auto& id : ids) {
    auto info = GetSession(id);
    if (info.ok()) out.push_back(std::move(info).value());
  }
  std::sort(out.begin(), out.end(),
            [](const SessionInfo& a, const SessionInfo& b) { return a.id < b.id; });
  return out;
}

Status EngineImpl::Append(const std::string& session_id, const proto::RowBatch& rows) {
  auto s = FindSession(session_id);
  if (!s) {
    auto info = GetSession(session_id);
    if (!info.ok()) return info.status();
    return {ErrorCode::kStatusConflict,
            fmt::format("upsert session '{}' is {}", session_id, SessionStatusName(info->status))};
  }
  const TableState& t = *s->table;
  if (rows.bucket_count() != t.bucket_num) {
    return InvalidArgument(fmt::format("the batch has {} buckets, the table {}",
                                       rows.bucket_count(), t.bucket_num.load()));
  }
  if (!(rows.schema() == *s->schema)) {
    return InvalidArgument(
        "the batch was not built with the session's schema (the table's when it was opened)");
  }
  if (!t.record.partial_update()) {
    for (size_t i = 0; i < rows.size(); ++i) {
      if (!rows[i].update_mask.empty()) {
        return InvalidArgument(
            "partial updates are not enabled on this table "
            "(acid.partial.fields.update.enable)");
      }
    }
  }
  // Sort and fold before taking the session's lock.
  DT_ASSIGN_OR_RETURN(std::vector<PendingRun> runs, BuildRuns(*s->schema, rows));

  ReaderLock lock(&s->mu);
  if (s->gone) return NotFound(session_id);
  if (ExpiredNormal(*s)) {
    lock.Unlock();
    WriterLock exclusive(&s->mu);
    DT_RETURN_IF_ERROR(ExpireLocked(*s, session_id));
    return Conflict(*s);
  }
  if (s->status != messages::SESSION_NORMAL) return Conflict(*s);
  if (runs.empty()) return Status::Ok();
  DT_RETURN_IF_ERROR(CheckFlow(t, s->opened.partition()));

  DT_ASSIGN_OR_RETURN(uint64_t first_id, AllocateRunIds(runs.size()));
  auto wb = store_->NewBatch();
  std::vector<messages::RunRecord> records;
  records.reserve(runs.size());
  for (size_t i = 0; i < runs.size(); ++i) {
    PendingRun& run = runs[i];
    const uint64_t run_id = first_id + i;
    for (PendingChunk& c : run.chunks) {
      wb->PutChunk(run_id, c.last_key, c.value);
      std::string().swap(c.value);  // in the write batch now: a big append holds its rows once less
    }
    messages::RunRecord r;
    r.set_run_id(run_id);
    r.set_bucket(run.bucket);
    r.set_rows(run.rows);
    r.set_upserts(run.upserts);
    r.set_deletes(run.deletes);
    r.set_bytes(run.bytes);
    r.set_chunks(static_cast<uint32_t>(run.chunks.size()));
    r.set_key_filter(run.key_filter);
    r.set_schema_id(s->opened.schema_id());
    if (!run.chunks.empty()) {
      r.set_first_key(run.first_key);
      r.set_last_key(run.chunks.back().last_key);
    }
    wb->Put(keys::SessionRun(session_id, run_id), r.SerializeAsString());
    records.push_back(std::move(r));
  }
  if (options_.append_pause) options_.append_pause();
  DT_RETURN_IF_ERROR(store_->Write(*wb, Durability::kBuffered, "appending"));

  {
    MutexLock counts(&s->counts_mu);
    for (auto& r : records) s->counts.Add(std::move(r));
  }
  rows_appended_ += rows.size();
  bytes_appended_ += rows.bytes();
  if (options_.sync_commits && (unsynced_bytes_ += wb->ByteSize()) >= kWalSyncBytes) {
    {
      MutexLock mlock(&maintenance_mu_);
      wal_sync_wanted_ = true;
    }
    maintenance_cv_.SignalAll();
  }
  return Status::Ok();
}

void EngineImpl::DeleteRuns(const std::string& session_id,
                            const std::vector<messages::RunRecord>& runs, StoreBatch* wb) {
  std::vector<std::string> run_records;
  for (const auto& r : runs) {
    wb->DropRuns(r.run_id(), r.run_id() + 1);
    run_records.push_back(keys::SessionRun(session_id, r.run_id()));
  }
  wb->DeleteAll(keys::SessionRunPrefix(session_id), run_records);
}

bool EngineImpl::ExpiredNormal(const SessionState& s) const {
  return s.status == messages::SESSION_NORMAL && Now() >= s.opened.expires_at_ms();
}

Status EngineImpl::ExpireLocked(SessionState& s, const std::string& session_id) {
  if (s.gone) return NotFound(session_id);
  // Checked again: another caller may have ended it between the shared lock and this one.
  if (ExpiredNormal(s)) DT_RETURN_IF_ERROR(EndSession(s, messages::SESSION_EXPIRED));
  return Status::Ok();
}

Status EngineImpl::EndSession(SessionState& s, messages::SessionStatusRecord status) {
  messages::SessionRecord rec = s.opened;
  rec.set_status(status);
  auto wb = store_->NewBatch();
  {
    MutexLock counts(&s.counts_mu);
    s.counts.CopyTo(&rec);
    DeleteRuns(rec.id(), s.counts.runs, wb.get());
  }
  wb->Put(keys::Session(rec.id()), rec.SerializeAsString());
  DT_RETURN_IF_ERROR(store_->Write(*wb, Durability::kBuffered, "ending session"));
  s.status = status;
  {
    MutexLock counts(&s.counts_mu);
    s.counts.runs.clear();
  }
  ForgetSession(rec.id());
  return Status::Ok();
}

Result<SessionInfo> EngineImpl::Abort(const std::string& session_id) {
  auto s = FindSession(session_id);
  if (!s) {
    DT_ASSIGN_OR_RETURN(SessionInfo info, GetSession(session_id));
    if (info.status == SessionStatus::kAborted) return info;
    return Status(ErrorCode::kStatusConflict, fmt::format("upsert session '{}' is {}", session_id,
                                                          SessionStatusName(info.status)));
  }
  WriterLock lock(&s->mu);
  if (s->gone) return NotFound(session_id);
  if (s->status == messages::SESSION_NORMAL) {
    DT_RETURN_IF_ERROR(EndSession(*s, messages::SESSION_ABORTED));
  }
  if (s->status != messages::SESSION_ABORTED) return Conflict(*s);
  return InfoOf(*s);
}

void EngineImpl::ExpireSessions() {
  const int64_t now = Now();
  std::vector<std::shared_ptr<SessionState>> open;
  {
    MutexLock lock(&sessions_mu_);
    for (const auto& [id, s] : sessions_) open.push_back(s);
  }
  for (auto& s : open) {
    WriterLock lock(&s->mu);
    if (s->gone || s->status != messages::SESSION_NORMAL) continue;
    if (now < s->opened.expires_at_ms()) continue;
    Status st = EndSession(*s, messages::SESSION_EXPIRED);
    if (!st.ok()) spdlog::warn("expiring session {}: {}", s->opened.id(), st.ToString());
  }

  // Forget finished sessions past their grace, and idempotency keys past their time.
  auto wb = store_->NewBatch();
  messages::SessionRecord rec;
  for (auto it = store_->Scan("S"); it->Valid(); it->Next()) {
    if (!ParseRecord(it->value(), &rec)) continue;
    const bool table_gone = !FindTableById(rec.table_id());
    if (rec.status() == messages::SESSION_NORMAL && !table_gone) continue;
    if (table_gone || now >= rec.expires_at_ms() + kForgetGraceMs) wb->Delete(it->key());
  }
  const int64_t ttl_ms = int64_t{options_.idempotency_ttl_hours} * 3600 * 1000;
  messages::IdempotencyRecord idem;
  for (auto it = store_->Scan("I"); it->Valid(); it->Next()) {
    if (!ParseRecord(it->value(), &idem)) continue;
    if (now >= idem.created_at_ms() + ttl_ms) wb->Delete(it->key());
  }
  if (wb->Count() == 0) return;
  Status st = store_->Write(*wb, Durability::kBuffered, "forgetting sessions");
  if (!st.ok()) spdlog::warn("{}", st.ToString());
}

}  // namespace deltatunnel::storage
