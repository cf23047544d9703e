// Commit: a small metadata step, O(number of runs) whatever the rows in them (the rows were written
// by Append already).
//
// Under the table's commit_mu (so versions are assigned in order) and the session's lock:
//   1. version = table version + 1.
//   2. One batch (store/store.h), synced when options.sync_commits (promise 1):
//        S session_id         -> status committed, commit_version, final counts
//        R session_id run_id  -> deleted (the runs now belong to the commit record)
//        C table_id version   -> CommitRecord: time, partition, session, counts, runs
//        V table_id           -> version
//        P table_id partition -> last version, commits_since_major + 1, row/byte estimates
//        I table_id key       -> the idempotency record, for CommitWithIdempotencyKey
//        Q, X table_id ...    -> the load's rejects and the reject set it replays (CommitLoad)
//   3. Publish in memory under state_mu: the partition's manifest is replaced by a copy holding the
//      session's runs tagged with the version, and the table version advances, in one step; a
//      reader takes (version, manifests) under the same lock, so it sees whole commits only
//      (promise 2). Commit times never go backwards, so "the last commit at or before T" is a
//      binary search.
#include <fmt/format.h>

#include "engine_impl.h"
#include "keys.h"
#include "records.h"

namespace deltatunnel::storage {

Result<SessionInfo> EngineImpl::Commit(const std::string& session_id) {
  return CommitImpl(session_id, nullptr);
}

Result<SessionInfo> EngineImpl::CommitWithIdempotencyKey(const std::string& session_id,
                                                         const std::string& key,
                                                         const std::string& result_json) {
  LoadCommit load;
  load.idempotency_key = key;
  load.result_json = result_json;
  return CommitImpl(session_id, &load);
}

Result<SessionInfo> EngineImpl::CommitLoad(const std::string& session_id, const LoadCommit& load) {
  return CommitImpl(session_id, &load);
}

Result<SessionInfo> EngineImpl::CommitImpl(const std::string& session_id, const LoadCommit* load) {
  auto s = FindSession(session_id);
  if (!s) {
    DT_ASSIGN_OR_RETURN(SessionInfo info, GetSession(session_id));
    if (info.status == SessionStatus::kCommitted) return info;
    return Status(ErrorCode::kStatusConflict, fmt::format("upsert session '{}' is {}", session_id,
                                                          SessionStatusName(info.status)));
  }
  TableState& t = *s->table;
  MutexLock commit_lock(&t.commit_mu);
  WriterLock session_lock(&s->mu);
  if (s->gone || t.dropped) {
    return Status(ErrorCode::kUpsertSessionNotFound,
                  fmt::format("upsert session '{}' not found", session_id));
  }
  const int64_t now = Now();
  if (s->status == messages::SESSION_NORMAL && now >= s->opened.expires_at_ms()) {
    DT_RETURN_IF_ERROR(EndSession(*s, messages::SESSION_EXPIRED));
  }
  if (s->status == messages::SESSION_COMMITTED) return InfoOf(*s);
  if (s->status != messages::SESSION_NORMAL) {
    return Status(ErrorCode::kStatusConflict,
                  fmt::format("upsert session '{}' is {}", session_id,
                              SessionStatusName(static_cast<SessionStatus>(s->status))));
  }

  uint64_t version = 0;
  int64_t committed_at = now;
  ManifestPtr old;
  const std::string& canonical = s->opened.partition();
  {
    MutexLock state_lock(&t.state_mu);
    version = t.version + 1;
    if (!t.commit_times.empty()) committed_at = std::max(committed_at, t.commit_times.back());
    auto it = t.partitions.find(canonical);
    if (it != t.partitions.end()) old = it->second;
  }

  // The new manifest is built before the write so that nothing after the write can fail.
  auto next = std::make_shared<PartitionManifest>();
  if (old) {
    *next = *old;
  } else {
    DT_ASSIGN_OR_RETURN(next->spec, proto::ParsePartitionSpec(*t.schema, canonical));
    next->buckets.resize(t.bucket_num);
  }
  messages::SessionRecord rec = s->opened;
  rec.set_status(messages::SESSION_COMMITTED);
  rec.set_commit_version(version);
  messages::CommitRecord c;
  c.set_version(version);
  c.set_committed_at_ms(committed_at);
  c.set_partition(canonical);
  c.set_session_id(session_id);
  auto wb = store_->NewBatch();
  std::vector<std::string> run_records;
  {
    MutexLock counts(&s->counts_mu);
    s->counts.CopyTo(&rec);
    c.set_rows(rec.rows());
    c.set_upserts(rec.upserts());
    c.set_deletes(rec.deletes());
    for (const auto& r : s->counts.runs) {
      if (r.bucket() >= next->buckets.size()) {
        // Written before the table's bucket count was changed (an ALTER of an empty table).
        return Status(ErrorCode::kStatusConflict,
                      fmt::format("upsert session '{}' wrote to bucket {}, but the table has {} "
                                  "buckets since its write.bucket.num was changed: abort it and "
                                  "write again",
                                  session_id, r.bucket(), next->buckets.size()));
      }
      *c.add_runs() = r;
      next->buckets[r.bucket()].push_back(MakeRunRef(r.run_id(), version, r.rows(), r.bytes(),
                                                     r.key_filter(), r.schema_id(), r.first_key(),
                                                     r.last_key()));
      next->rows += r.rows();
      next->bytes += r.bytes();
      run_records.push_back(keys::SessionRun(session_id, r.run_id()));
    }
  }
  wb->DeleteAll(keys::SessionRunPrefix(session_id), run_records);
  next->version = version;
  next->commits_since_major += 1;
  next->dropped = false;  // a commit to a dropped partition brings it back

  wb->Put(keys::Session(session_id), rec.SerializeAsString());
  wb->Put(keys::Commit(t.id, version), c.SerializeAsString());
  wb->Put(keys::TableVersion(t.id), keys::Fixed64(version));
  PutPartitionRecord(t, canonical, *next, wb.get());
  RejectSetInfo added, replayed;
  if (load != nullptr) {
    if (!load->idempotency_key.empty()) {
      messages::IdempotencyRecord idem;
      idem.set_result_json(load->result_json);
      idem.set_created_at_ms(committed_at);
      idem.set_version(version);
      wb->Put(keys::Idempotency(t.id, load->idempotency_key), idem.SerializeAsString());
    }
    DT_RETURN_IF_ERROR(PutRejects(t, load->rejects, load->replays, version, committed_at, wb.get(),
                                  &added, &replayed));
  }
  DT_RETURN_IF_ERROR(store_->Write(*wb, CommitDurability(), "committing"));

  const uint64_t pending = next->commits_since_major;
  {
    MutexLock state_lock(&t.state_mu);
    t.partitions[canonical] = std::move(next);
    t.version = version;
    t.commit_times.push_back(committed_at);
  }
  if (load != nullptr) PublishRejects(t, added, replayed);
  Published(t, version);
  MaybeQueueCompaction(t, canonical, pending);
  s->status = messages::SESSION_COMMITTED;
  s->commit_version = version;
  {
    MutexLock counts(&s->counts_mu);
    s->counts.runs.clear();
  }
  ForgetSession(session_id);
  ++commits_;
  return InfoOf(*s);
}

void EngineImpl::PutPartitionRecord(const TableState& t, const std::string& canonical,
                                    const PartitionManifest& m, StoreBatch* wb) {
  messages::PartitionRecord p;
  p.set_partition(canonical);
  p.set_version(m.version);
  p.set_commits_since_major(m.commits_since_major);
  p.set_rows(m.rows);
  p.set_bytes(m.bytes);
  wb->Put(keys::Partition(t.id, canonical), p.SerializeAsString());
}

std::optional<IdempotentLoad> EngineImpl::FindIdempotencyKey(const std::string& project,
                                                             const std::string& table,
                                                             const std::string& key) {
  auto t = FindTable(project, table);
  if (!t) return std::nullopt;
  auto value = store_->Get(keys::Idempotency(t->id, key));
  if (!value.ok() || !*value) return std::nullopt;
  messages::IdempotencyRecord idem;
  if (!ParseRecord(**value, &idem)) return std::nullopt;
  const int64_t ttl_ms = int64_t{options_.idempotency_ttl_hours} * 3600 * 1000;
  if (Now() >= idem.created_at_ms() + ttl_ms) return std::nullopt;
  return IdempotentLoad{idem.version(), idem.result_json()};
}

}  // namespace deltatunnel::storage
