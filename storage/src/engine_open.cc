// Open and recovery (promise 7). Every state change of the engine is one batch of its store
// (store/store.h), so after a crash the store holds each change whole or not at all, and Open
// only has to read it back:
//   1. E records: the run id reservation (new runs start above every id ever handed out) and the
//      next table id.
//   2. T/V/N records: the catalog and each table's version.
//   3. C records, in version order: each commit's runs rebuild the partitions' manifests (the
//      commit log is the manifest journal); P records restore the partition figures.
//   4. S records of open sessions and their R records: resumable sessions, counts summed from
//      their runs. Finished sessions stay on disk only.
#include <pthread.h>

#include <spdlog/spdlog.h>
#include <algorithm>
#include <chrono>

#include "catalog.h"
#include "engine_impl.h"
#include "keys.h"
#include "manifest_record.h"
#include "records.h"
#include "store/cluster/open_cluster_store.h"
#include "store/local/local_store.h"

namespace deltatunnel::storage {

Result<std::unique_ptr<Engine>> Engine::Open(const EngineOptions& options) {
  return EngineImpl::OpenOn(options, nullptr);
}

Result<std::unique_ptr<Engine>> EngineImpl::OpenOn(const EngineOptions& options,
                                                   std::unique_ptr<Store> store) {
  auto engine = std::make_unique<EngineImpl>(options);
  engine->store_ = std::move(store);
  DT_RETURN_IF_ERROR(engine->OpenStore());
  return std::unique_ptr<Engine>(std::move(engine));
}

EngineImpl::EngineImpl(EngineOptions options)
    : options_(std::move(options)), rng_(std::random_device{}()) {}

EngineImpl::~EngineImpl() {
  compaction_cancel_ = true;
  if (store_) store_->StopBackgroundWork();  // a backup stops, a FreeRuns returns
  if (compactor_) compactor_->Stop();
  {
    MutexLock lock(&maintenance_mu_);
    stopping_ = true;
  }
  maintenance_cv_.SignalAll();
  if (maintenance_.joinable()) maintenance_.join();
}

int64_t EngineImpl::Now() const {
  if (options_.clock_ms) return options_.clock_ms();
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status EngineImpl::OpenStore() {
  if (!store_ && options_.cluster) {
    DT_ASSIGN_OR_RETURN(store_, cluster::OpenClusterStore(*options_.cluster));
  } else if (!store_) {
    DT_ASSIGN_OR_RETURN(store_, OpenLocalStore());
  }
  return Recover();
}

Result<std::unique_ptr<Store>> EngineImpl::OpenLocalStore() {
  LocalStoreOptions local;
  local.dir = options_.data_dir;
  local.block_cache_bytes = options_.block_cache_bytes;
  local.file_delete_bytes_per_sec = options_.file_delete_bytes_per_sec;
  local.faults = options_.faults;
  local.backup_dir = options_.backup_dir;
  local.backup_rate_bytes_per_sec = options_.backup_rate_bytes_per_sec;
  local.now_ms = [this] { return Now(); };
  DT_ASSIGN_OR_RETURN(std::unique_ptr<LocalStore> store, LocalStore::Open(std::move(local)));
  return std::unique_ptr<Store>(std::move(store));
}

Status EngineImpl::Recover() {
  DT_ASSIGN_OR_RETURN(std::optional<std::string> v, store_->Get(keys::kRunIdHigh));
  if (v && v->size() == 8) {
    MutexLock lock(&ids_mu_);
    run_id_high_ = next_run_id_ = GetBigEndian64(*v);
  }
  DT_ASSIGN_OR_RETURN(v, store_->Get(keys::kNextTableId));
  if (v && v->size() == 8) {
    WriterLock lock(&catalog_mu_);
    next_table_id_ = GetBigEndian64(*v);
  }
  DT_RETURN_IF_ERROR(LoadCatalog());
  DT_RETURN_IF_ERROR(LoadSessions());
  DT_RETURN_IF_ERROR(LoadReclaims());
  DT_RETURN_IF_ERROR(RecoverCompactions());
  maintenance_ = std::thread([this] { MaintenanceLoop(); });
  return Status::Ok();
}

Status EngineImpl::LoadCatalog() {
  // Open runs alone; the locks are taken so that the fields are touched as everywhere else.
  WriterLock lock(&catalog_mu_);
  auto it = store_->Scan("T");
  for (; it->Valid(); it->Next()) {
    auto t = std::make_shared<TableState>();
    if (!ParseRecord(it->value(), &t->record)) return Corruption("corrupt table record");
    t->id = t->record.id();
    t->SetSettings(t->record);
    DT_ASSIGN_OR_RETURN(SchemaHistoryPtr schemas, SchemaHistoryFromRecord(t->record));
    // Keys and partitions: the creation schema's (no change alters them).
    t->schema = schemas->Current().schema;
    DT_ASSIGN_OR_RETURN(std::optional<std::string> v, store_->Get(keys::TableVersion(t->id)));
    MutexLock state_lock(&t->state_mu);
    t->schemas = std::move(schemas);
    if (v && v->size() == 8) t->version = GetBigEndian64(*v);
    DT_RETURN_IF_ERROR(LoadCommitLog(*t));
    DT_RETURN_IF_ERROR(LoadConsumers(*t));
    DT_RETURN_IF_ERROR(LoadRejectSets(*t));
    tables_by_name_[keys::Name(t->record.project(), t->record.name())] = t;
    tables_by_id_[t->id] = t;
    next_table_id_ = std::max(next_table_id_, t->id + 1);
  }
  return it->status();
}

Status EngineImpl::LoadCommitLog(TableState& t) {
  struct Loading {
    std::shared_ptr<PartitionManifest> m;
    std::unique_ptr<ManifestLoader> loader;
  };
  std::map<std::string, Loading> parts;
  auto loading = [&](const std::string& canonical) -> Result<Loading*> {
    Loading& l = parts[canonical];
    if (!l.m) {
      DT_ASSIGN_OR_RETURN(proto::PartitionSpec spec,
                          proto::ParsePartitionSpec(*t.schema, canonical));
      l.m = std::make_shared<PartitionManifest>();
      l.m->spec = std::move(spec);
      l.m->buckets.resize(t.bucket_num);
      l.loader = std::make_unique<ManifestLoader>(l.m.get());
    }
    return &l;
  };
  auto filter_of = [&](uint64_t run_id) -> Result<std::string> {
    DT_ASSIGN_OR_RETURN(std::optional<std::string> filter,
                        store_->Get(keys::BaseFilter(t.id, run_id)));
    return filter ? std::move(*filter) : std::string();
  };

  // M records first: what each partition's C records do not say (manifest_record.h).
  const std::string mprefix = keys::TablePrefix('M', t.id);
  auto it = store_->Scan(mprefix);
  for (; it->Valid(); it->Next()) {
    messages::PartitionRunsRecord rec;
    if (!ParseRecord(it->value(), &rec)) return Corruption("corrupt partition runs record");
    const std::string canonical(it->key().substr(mprefix.size()));
    DT_ASSIGN_OR_RETURN(Loading * l, loading(canonical));
    DT_RETURN_IF_ERROR(l->loader->AddRunsRecord(rec, filter_of));
  }
  DT_RETURN_IF_ERROR(it->status());

  messages::CommitRecord c;
  // C records whose runs retention dropped but which a crash left unstripped (StripCommitRuns
  // runs after the drop's batch): their runs are ignored below, and stripped here.
  auto strip = store_->NewBatch();
  for (it = store_->Scan(keys::TablePrefix('C', t.id)); it->Valid(); it->Next()) {
    if (!ParseRecord(it->value(), &c)) return Corruption("corrupt commit record");
    if (c.version() > t.version) break;  // cannot happen: written in one batch with V
    t.commit_times.push_back(c.committed_at_ms());
    if (c.kind() == messages::COMMIT_ALTER_SCHEMA) continue;  // the T record holds the schemas
    DT_ASSIGN_OR_RETURN(Loading * l, loading(c.partition()));
    DT_RETURN_IF_ERROR(l->loader->AddCommit(c));
    if (!c.runs().empty() && c.version() <= l->m->deltas_dropped_through) {
      c.clear_runs();
      strip->Put(it->key(), c.SerializeAsString());
    }
  }
  DT_RETURN_IF_ERROR(it->status());
  if (strip->Count() > 0) {
    DT_RETURN_IF_ERROR(
        store_->Write(*strip, Durability::kBuffered, "stripping dropped runs from commit records"));
  }

  messages::PartitionRecord p;
  for (it = store_->Scan(keys::TablePrefix('P', t.id)); it->Valid(); it->Next()) {
    if (!ParseRecord(it->value(), &p)) return Corruption("corrupt partition record");
    DT_ASSIGN_OR_RETURN(Loading * l, loading(p.partition()));
    l->m->commits_since_major = p.commits_since_major();
    l->m->rows = p.rows();
    l->m->bytes = p.bytes();
  }
  DT_RETURN_IF_ERROR(it->status());
  for (auto& [canonical, l] : parts) {
    l.loader->Finish();
    t.partitions[canonical] = std::move(l.m);
  }
  return Status::Ok();
}

Status EngineImpl::LoadSessions() {
  auto it = store_->Scan("S");
  for (; it->Valid(); it->Next()) {
    messages::SessionRecord rec;
    if (!ParseRecord(it->value(), &rec)) return Corruption("corrupt session record");
    if (rec.status() != messages::SESSION_NORMAL) continue;
    auto table = FindTableById(rec.table_id());
    if (!table) continue;  // its table was dropped; maintenance forgets the record
    const std::string prefix = keys::SessionRunPrefix(rec.id());
    auto schema = table->Schemas()->ById(rec.schema_id());
    if (!schema) return Corruption("session record of an unknown schema: " + rec.id());
    auto s = std::make_shared<SessionState>(std::move(table), std::move(rec), std::move(schema));
    {
      MutexLock counts(&s->counts_mu);
      auto runs = store_->Scan(prefix);
      for (; runs->Valid(); runs->Next()) {
        messages::RunRecord r;
        if (!ParseRecord(runs->value(), &r)) return Corruption("corrupt run record");
        s->counts.Add(std::move(r));
      }
      DT_RETURN_IF_ERROR(runs->status());
    }
    MutexLock lock(&sessions_mu_);
    sessions_[s->opened.id()] = std::move(s);
  }
  return it->status();
}

void EngineImpl::MaintenanceLoop() {
  (void)pthread_setname_np(pthread_self(), "dt-maintenance");
  using Clock = std::chrono::steady_clock;
  auto next_expiry = Clock::now() + std::chrono::seconds(30);
  const auto resume_interval = std::chrono::milliseconds(options_.resume_interval_ms);
  MutexLock lock(&maintenance_mu_);
  while (!stopping_) {
    const bool stopped = !store_->Writable().ok();
    const auto wake = stopped ? std::min(next_expiry, Clock::now() + resume_interval) : next_expiry;
    while (!stopping_ && !wal_sync_wanted_ && maintenance_cv_.WaitUntil(maintenance_mu_, wake)) {
    }
    if (stopping_) break;
    const bool sync = wal_sync_wanted_;
    wal_sync_wanted_ = false;
    lock.Unlock();
    if (!store_->Writable().ok()) TryResume();
    if (sync) {
      unsynced_bytes_ = 0;
      const bool ran = store_->SyncBuffered();
      {
        MutexLock done(&maintenance_mu_);
        ++wal_syncs_handled_;
        last_wal_sync_ran_ = ran;
      }
      maintenance_cv_.SignalAll();
    }
    if (Clock::now() >= next_expiry) {
      RequeueDueCompactions();
      ExpireSessions();
      ReclaimExpiredVersions();
      ApplyLifecycles();
      next_expiry = Clock::now() + std::chrono::seconds(30);
    }
    lock.Lock();
  }
}

void EngineImpl::TryResume() {
  if (store_->Resume()) RequeueDueCompactions();
}

Status EngineImpl::Writable() { return store_->Writable(); }

bool EngineImpl::TEST_SyncWalInBackground() {
  MutexLock lock(&maintenance_mu_);
  const uint64_t target = wal_syncs_handled_ + 1;
  wal_sync_wanted_ = true;
  maintenance_cv_.SignalAll();
  while (wal_syncs_handled_ < target && !stopping_) maintenance_cv_.Wait(maintenance_mu_);
  return last_wal_sync_ran_;
}

EngineStats EngineImpl::Stats() {
  EngineStats st;
  const StoreStats store = store_->Stats();
  st.storage_stops = store.stops;
  st.storage_recoveries = store.recoveries;
  st.chunk_cache_hits = store.chunk_cache_hits;
  st.chunk_cache_misses = store.chunk_cache_misses;
  st.chunk_cache_bytes = store.chunk_cache_bytes;
  st.storage_bytes = store.bytes;
  {
    ReaderLock lock(&catalog_mu_);
    st.tables = tables_by_id_.size();
  }
  {
    MutexLock lock(&sessions_mu_);
    st.open_sessions = sessions_.size();
  }
  st.rows_appended = rows_appended_.load();
  st.bytes_appended = bytes_appended_.load();
  st.commits = commits_.load();
  st.rows_rejected = rows_rejected_.load();
  st.reject_sets_replayed = reject_sets_replayed_.load();
  if (compactor_) st.compaction = compactor_->Stats();
  st.compaction.flow_exceeded = flow_exceeded_.load();
  st.compaction.versions_reclaimed = versions_reclaimed_.load();
  ReaderLock lock(&catalog_mu_);
  const int64_t now = Now();
  for (const auto& [id, t] : tables_by_id_) {
    MutexLock state_lock(&t->state_mu);
    if (!t->consumers.empty()) {
      const uint64_t oldest = OldestReadableLocked(*t, now);
      for (const auto& [name, c] : t->consumers) {
        st.consumers.push_back(ConsumerInfoLocked(*t, name, c, now, oldest));
      }
    }
    for (const auto& [set_id, set] : t->reject_sets) {
      if (set.replayed_at_ms != 0) continue;
      st.reject_rows_held += set.rows;
      st.reject_bytes_held += set.bytes;
    }
    for (const auto& [canonical, m] : t->partitions) {
      st.compaction.pending_deltas += m->commits_since_major;
      st.compaction.max_pending_deltas =
          std::max(st.compaction.max_pending_deltas, m->commits_since_major);
      if (m->commits_since_major > 0) {
        st.backlog.push_back(
            {t->record.project(), t->record.name(), canonical, m->commits_since_major});
      }
    }
  }
  auto more = [](const PartitionBacklog& a, const PartitionBacklog& b) {
    return a.pending_deltas > b.pending_deltas;
  };
  if (st.backlog.size() > EngineStats::kMaxBacklog) {
    std::partial_sort(st.backlog.begin(), st.backlog.begin() + EngineStats::kMaxBacklog,
                      st.backlog.end(), more);
    st.backlog.resize(EngineStats::kMaxBacklog);
  } else {
    std::sort(st.backlog.begin(), st.backlog.end(), more);
  }
  return st;
}

}  // namespace deltatunnel::storage
