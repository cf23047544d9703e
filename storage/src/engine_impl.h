// EngineImpl: the Engine of engine.h on one RocksDB database (key layout: keys.h). Its methods live
// in one file per concern: engine_open.cc (open, recovery), engine_catalog.cc, engine_session.cc
// (open/append/abort/expiry), engine_commit.cc, engine_read.cc (version selection, scan, lookup,
// changes, versions).
//
// engine_compact.cc (major compaction, backpressure) with the scheduling in compaction_queue.h;
// engine_retention.cc (dropping and freeing the runs no readable version needs).
//
// Locks, always taken in this order (never the other way round):
//   catalog_mu_ (tables by name and id)  ->  TableState::commit_mu  ->  SessionState::gate
//     ->  SessionState::mu  ->  TableState::state_mu  ->  SessionState::counts_mu  ->  the leaf
//     locks (sessions_mu_, ids_mu_, free_mu_, maintenance_mu_, the compaction queue's, ReadPins',
//     ReclaimedRuns', StorageHealth's)
// Holding commit_mu across the synced commit write serialises the commits of one table (versions
// are sequential); commits of different tables run concurrently. What each lock guards, and which
// functions need it held, is written on the fields and functions below (thread_annotations.h) and
// checked by clang: scripts/thread-safety.sh.
#pragma once

#include <atomic>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "compaction_queue.h"
#include "deltatunnel/messages/storage_meta.pb.h"
#include "deltatunnel/storage/engine.h"
#include "manifest.h"
#include "mutex.h"
#include "read_pins.h"
#include "run_format.h"
#include "run_ranges.h"
#include "schema_history.h"
#include "session_counts.h"
#include "store/store.h"
#include "thread_annotations.h"

namespace deltatunnel::storage {

struct TableState {
  // Set before the table is shared; never changed after. Its settings (properties, retention,
  // commit threshold) are those at creation or load: AlterTable changes the ones below.
  uint64_t id = 0;
  messages::TableRecord record;
  // The schema at creation: what keys, buckets and partitions are computed from, which no schema
  // change alters. Rows are read and written in `schemas` below.
  std::shared_ptr<const proto::TableSchema> schema;

  // What ALTER changes, read without locks where one number is needed; written by AlterTable
  // under commit_mu, after the T record holding them is on disk (SetSettings).
  std::atomic<uint32_t> retain_hours{0};
  std::atomic<uint32_t> commit_threshold{0};
  std::atomic<uint32_t> lifecycle_days{0};
  std::atomic<bool> auto_compaction{true};
  // write.bucket.num: changed only while the table has no partition and no open session.
  std::atomic<uint32_t> bucket_num{0};
  std::atomic<uint64_t> retain_floor{0};  // versions below it are expired
  mutable Mutex settings_mu ACQUIRED_AFTER(state_mu);
  messages::TableRecord settings GUARDED_BY(settings_mu);  // the T record as last written
  void SetSettings(const messages::TableRecord& rec) EXCLUDES(settings_mu);
  messages::TableRecord Settings() const EXCLUDES(settings_mu);

  // Held by whatever writes the table's commit and partition records: commits (across their
  // synced write, so versions are sequential), the publish of a compaction, retention, drop.
  Mutex commit_mu ACQUIRED_BEFORE(state_mu);
  bool dropped GUARDED_BY(commit_mu) = false;  // no more writes of the table's records

  // The published state readers take in one step.
  mutable Mutex state_mu;
  bool closed_to_reads GUARDED_BY(state_mu) = false;  // dropped: no read may pin it any more
  uint64_t version GUARDED_BY(state_mu) = 0;
  std::map<std::string, ManifestPtr> partitions GUARDED_BY(state_mu);  // by canonical spec
  std::vector<int64_t> commit_times GUARDED_BY(state_mu);              // [v - 1]: time of commit v
  SchemaHistoryPtr schemas GUARDED_BY(state_mu);  // replaced whole by AlterSchema
  // Its consumers (U records), by name; written under commit_mu and state_mu.
  struct Consumer {
    uint64_t offset = 0;
    int64_t created_at_ms = 0;
    int64_t acked_at_ms = 0;
  };
  std::map<std::string, Consumer> consumers GUARDED_BY(state_mu);
  // Its reject quarantine (Q records), by set id; written under commit_mu and state_mu.
  std::map<uint64_t, RejectSetInfo> reject_sets GUARDED_BY(state_mu);
  uint64_t next_reject_id GUARDED_BY(state_mu) = 1;  // reserved ids are below it
  SchemaHistoryPtr Schemas() const EXCLUDES(state_mu) {
    MutexLock lock(&state_mu);
    return schemas;
  }
};

// An open (normal) session. Finished sessions live only in CF meta (S records).
//
// Appends of one session write concurrently: each holds `mu` shared from its status check until
// its runs are recorded, and adds its counts and runs under `counts_mu`. Whatever changes the
// status (commit, abort, expiry, drop) holds `mu` exclusively, so it sees each append whole or not
// at all. `mu` is writer-first: appends that keep coming cannot starve a commit.
struct SessionState {
  SessionState(std::shared_ptr<TableState> t, messages::SessionRecord rec,
               std::shared_ptr<const proto::TableSchema> s)
      : table(std::move(t)), opened(std::move(rec)), schema(std::move(s)) {}

  const std::shared_ptr<TableState> table;
  // The S record as written at open: id, table, partition, quota, slot, times. Never changes; its
  // status and counts are those of the open (the live ones are below).
  const messages::SessionRecord opened;
  // The table's schema when it opened (opened.schema_id): its appends are encoded in it.
  const std::shared_ptr<const proto::TableSchema> schema;

  WriterFirstSharedMutex mu ACQUIRED_AFTER(table->commit_mu) ACQUIRED_BEFORE(table->state_mu);
  messages::SessionStatusRecord status GUARDED_BY(mu) = messages::SESSION_NORMAL;
  uint64_t commit_version GUARDED_BY(mu) = 0;
  bool gone GUARDED_BY(mu) = false;  // removed (table dropped)

  mutable Mutex counts_mu ACQUIRED_AFTER(mu, table->state_mu);
  SessionCounts counts GUARDED_BY(counts_mu);
};

// A key given by a caller (a lookup's, a history's): its key columns checked and normalized,
// encoded as runs sort it, and its bucket.
Status EncodeGivenKey(const proto::TableSchema& schema, const TableState& t,
                      const proto::Row& given, std::string* key, uint32_t* bucket);

// Whether `run` holds `key` (whose KeyHash is `hash`): its key filter, then a seek; when it does,
// `entry` is the key's write, its views into the cursor's chunk (valid until the next Seek).
Result<bool> FindKeyInRun(ChunkCursor& chunks, const RunRef& run, std::string_view key,
                          uint64_t hash, KeyWrite* entry);

class EngineImpl final : public Engine {
 public:
  explicit EngineImpl(EngineOptions options);
  ~EngineImpl() override;

  // Opens the engine on `store` (the local store of options.data_dir when null): the cluster
  // backend, and tests that wrap a store (faults of the store itself).
  static Result<std::unique_ptr<Engine>> OpenOn(const EngineOptions& options,
                                                std::unique_ptr<Store> store);
  Status OpenStore();

  Result<TableInfo> CreateTable(const TableDef& def) override;
  Status DropTable(const std::string& project, const std::string& table) override;
  Result<TableInfo> AlterTable(const std::string& project, const std::string& table,
                               const std::map<std::string, std::string>& properties) override;
  Result<TableInfo> AlterSchema(const std::string& project, const std::string& table,
                                const SchemaChange& change) override;
  Result<TableInfo> DescribeTable(const std::string& project, const std::string& table) override;
  Result<std::vector<TableInfo>> ListTables(const std::string& project) override;
  Result<std::vector<PartitionInfo>> ListPartitions(const std::string& project,
                                                    const std::string& table) override;
  Result<std::vector<CommitInfo>> Truncate(const std::string& project, const std::string& table,
                                           const std::optional<std::string>& partition) override;
  Result<std::vector<CommitInfo>> DropPartitions(const std::string& project,
                                                 const std::string& table,
                                                 const std::vector<std::string>& partitions,
                                                 bool if_exists) override;

  Result<SessionInfo> OpenSession(const SessionOptions& options) override;
  Result<SessionInfo> GetSession(const std::string& session_id) override;
  Result<std::vector<SessionInfo>> ListSessions(const std::string& project,
                                                const std::string& table) override;
  Status Append(const std::string& session_id, const proto::RowBatch& rows) override;
  Result<SessionInfo> Commit(const std::string& session_id) override;
  Result<SessionInfo> Abort(const std::string& session_id) override;

  Result<std::unique_ptr<RowIterator>> Scan(const ScanOptions& options) override;
  Result<LookupResult> Lookup(const LookupOptions& options) override;
  Result<KeyHistory> History(const HistoryOptions& options) override;
  Result<std::unique_ptr<ChangeIterator>> Changes(const ChangesOptions& options) override;
  Result<ConsumerInfo> CreateConsumer(const std::string& project, const std::string& table,
                                      const std::string& name,
                                      std::optional<uint64_t> from_version) override;
  Result<std::vector<ConsumerInfo>> ListConsumers(const std::string& project,
                                                  const std::string& table) override;
  Result<ConsumerInfo> GetConsumer(const std::string& project, const std::string& table,
                                   const std::string& name) override;
  Result<ConsumerInfo> AckConsumer(const std::string& project, const std::string& table,
                                   const std::string& name, uint64_t version) override;
  Status DropConsumer(const std::string& project, const std::string& table,
                      const std::string& name) override;
  Result<std::vector<CommitInfo>> Versions(const std::string& project, const std::string& table,
                                           size_t limit) override;

  std::optional<IdempotentLoad> FindIdempotencyKey(const std::string& project,
                                                   const std::string& table,
                                                   const std::string& key) override;
  Result<SessionInfo> CommitWithIdempotencyKey(const std::string& session_id,
                                               const std::string& key,
                                               const std::string& result_json) override;

  Result<uint64_t> ReserveRejectSetId(const std::string& project,
                                      const std::string& table) override;
  Result<SessionInfo> CommitLoad(const std::string& session_id, const LoadCommit& load) override;
  Result<RejectSetInfo> QuarantineRejects(const RejectSet& set, uint64_t replays) override;
  Result<std::vector<RejectSetInfo>> ListRejectSets(const std::string& project,
                                                    const std::string& table) override;
  Result<RejectSetInfo> GetRejectSetInfo(const std::string& project, const std::string& table,
                                         uint64_t id) override;
  Result<RejectSet> GetRejectSet(const std::string& project, const std::string& table,
                                 uint64_t id) override;
  Result<std::vector<uint64_t>> PurgeRejectSets(const std::string& project,
                                                const std::string& table,
                                                std::optional<uint64_t> id) override;

  Result<CompactionInfo> Compact(const std::string& project, const std::string& table,
                                 const std::optional<std::string>& partition) override;
  std::vector<CompactionInfo> Compactions() override;
  void WaitForCompactions() override;
  void ReclaimExpiredVersions() override;
  void ApplyLifecycles() override;

  Result<BackupJob> StartBackup() override;
  std::optional<BackupJob> LastBackup() override;
  Result<std::vector<BackupInfo>> ListBackups() override;
  Result<BackupCheck> VerifyBackup(uint32_t id) override;
  Status DeleteBackup(uint32_t id) override;

  EngineStats Stats() override;
  Status Writable() override;
  void ExpireSessions() override;

  // What a read works on: one version and the manifests of the partitions it reads, pinned.
  struct ReadView {
    std::shared_ptr<TableState> table;
    uint64_t version = 0;
    SchemaHistoryPtr schemas;               // the table's, taken with the manifests
    const SchemaVersion* schema = nullptr;  // in *schemas: the one at `version`
    std::vector<ManifestPtr> partitions;    // by canonical spec
    ReadPins::Pin pin;                      // the runs of these manifests stay until it is released
  };

  // The table's `version` is readable (0: the table was dropped): EngineOptions::on_version.
  void Published(const TableState& t, uint64_t version) const {
    if (options_.on_version) options_.on_version(t.record.project(), t.record.name(), version);
  }

  Store& TEST_store() { return *store_; }
  // Tests: asks the maintenance thread for a background WAL sync, as 1 MiB of appends does, and
  // waits until it was handled; true if it synced, false if it skipped a failed WAL.
  bool TEST_SyncWalInBackground() EXCLUDES(maintenance_mu_);

 private:
  // Finished sessions stay readable (GetSession answers their status) this long past their
  // lifetime, then their records are forgotten.
  static constexpr int64_t kForgetGraceMs = 3600 * 1000;
  static constexpr uint64_t kRunIdBlock = 1 << 16;

  int64_t Now() const;
  std::shared_ptr<TableState> FindTable(const std::string& project, const std::string& table);
  Result<std::shared_ptr<TableState>> GetTable(const std::string& project,
                                               const std::string& table);
  std::shared_ptr<TableState> FindTableById(uint64_t id);
  TableInfo DescribeLocked(const TableState& t) EXCLUDES(t.state_mu);
  // OK when the table has no partition (never committed to) and no open session: its bucket count
  // may change (AlterTable); InvalidArgument saying why not otherwise.
  Status CheckEmpty(TableState& t) REQUIRES(t.commit_mu) EXCLUDES(t.state_mu, sessions_mu_);
  // A commit threshold below the backpressure bound (max_pending_deltas), or InvalidArgument.
  Status CheckCommitThreshold(uint32_t threshold) const;
  // AlterTable's change: checked, written (the T record, synced) and applied under commit_mu.
  Status AlterTableLocked(TableState& t, const std::map<std::string, std::string>& properties)
      EXCLUDES(t.commit_mu);
  // What a drop by lifecycle requires of the table, checked under its commit lock: that it is
  // still the table the pass looked at, and not modified since `modified_before`.
  struct DropIfUnmodified {
    const TableState* table = nullptr;
    int64_t modified_before = 0;
  };
  // DropTable but for freeing the table's runs, which it answers in `runs`. With `only_if`,
  // StatusConflict (nothing dropped) unless its condition holds.
  Status DropTableLocked(const std::string& project, const std::string& table, RunRanges* runs,
                         const std::optional<DropIfUnmodified>& only_if = std::nullopt);
  // The table's last modification: its last version's commit time, or its creation.
  int64_t LastModifiedLocked(const TableState& t) const REQUIRES(t.state_mu);

  // Recovery (engine_open.cc).
  Result<std::unique_ptr<Store>> OpenLocalStore();
  // Reads the store back: counters, catalog, sessions, reclaims, compactions; starts maintenance.
  Status Recover();
  Status LoadCatalog() EXCLUDES(catalog_mu_);
  Status LoadCommitLog(TableState& t) REQUIRES(t.state_mu);
  Status LoadSessions() EXCLUDES(sessions_mu_);

  // Sessions (engine_session.cc).
  std::shared_ptr<SessionState> FindSession(const std::string& id) EXCLUDES(sessions_mu_);
  void ForgetSession(const std::string& id) EXCLUDES(sessions_mu_);
  std::string NewSessionId() EXCLUDES(sessions_mu_);
  Result<uint64_t> AllocateRunIds(uint64_t n) EXCLUDES(ids_mu_);
  // A finished session, from its S record.
  // `schema`: the session's (SessionState::schema while it is open, else found by its record's id).
  SessionInfo ToInfo(const TableState& t, const messages::SessionRecord& rec,
                     std::shared_ptr<const proto::TableSchema> schema) const;
  // A session in memory: its record as opened, its status and its counts now.
  SessionInfo InfoOf(const SessionState& s) const REQUIRES_SHARED(s.mu) EXCLUDES(s.counts_mu);
  // Drops the runs of a session that ends without commit, in `wb`.
  void DeleteRuns(const std::string& session_id, const std::vector<messages::RunRecord>& runs,
                  StoreBatch* wb);
  // Ends an open session as aborted or expired, in one batch.
  Status EndSession(SessionState& s, messages::SessionStatusRecord status) REQUIRES(s.mu)
      EXCLUDES(s.counts_mu);
  // Normal and past its expiry.
  bool ExpiredNormal(const SessionState& s) const REQUIRES_SHARED(s.mu);
  // For a caller that found the session expired under s.mu shared, let go of it and took it
  // exclusively: ends the session as expired if it still is. NotFound if the session is gone.
  Status ExpireLocked(SessionState& s, const std::string& session_id) REQUIRES(s.mu)
      EXCLUDES(s.counts_mu);

  // Commit (engine_commit.cc).
  Result<SessionInfo> CommitImpl(const std::string& session_id, const LoadCommit* load);
  // The P record of a partition (its last version, commits since its last major compaction, row
  // and byte estimates), in `wb`: the one writer of it, for commits and compactions alike.
  void PutPartitionRecord(const TableState& t, const std::string& canonical,
                          const PartitionManifest& m, StoreBatch* wb);

  // Truncate and partition drop (engine_truncate.cc).
  // Truncates `canonicals` (with `all`, every partition that exists as well), dropping them with
  // `drop`: one version each, one synced batch. Skips those last modified at or after
  // `modified_before` (lifecycle: one written since it looked).
  Result<std::vector<CommitInfo>> TruncatePartitions(
      TableState& t, std::vector<std::string> canonicals, bool all, bool drop, bool if_exists,
      int64_t modified_before = std::numeric_limits<int64_t>::max()) EXCLUDES(t.commit_mu);
  // Puts the aborts of the open sessions of those partitions in `wb` (the drop's batch) and takes
  // them out of service until it is written (an append meanwhile is told the session is gone);
  // answers them for FinishPartitionAborts.
  std::vector<std::shared_ptr<SessionState>> AbortPartitionSessions(
      TableState& t, const std::set<std::string>& canonicals, StoreBatch* wb) REQUIRES(t.commit_mu)
      EXCLUDES(sessions_mu_);
  // After the batch: the sessions aborted when it was `written`, else back in service as they
  // were.
  void FinishPartitionAborts(const std::vector<std::shared_ptr<SessionState>>& sessions,
                             bool written) EXCLUDES(sessions_mu_);

  // Reads (engine_read.cc).
  Result<ReadView> OpenRead(const std::string& project, const std::string& table,
                            const std::optional<std::string>& partition, const VersionSpec& at);
  Status CheckRetention(const TableState& t, uint64_t version, uint64_t latest) const;

  // Major compaction (engine_compact.cc).
  struct CompactionJob;         // what one compaction carries from stage to stage
  Status RecoverCompactions();  // Open: drop interrupted outputs, start the compactor
  // Runs the stages below on one partition.
  Status CompactPartition(uint64_t table_id, const std::string& canonical,
                          CompactionCounts* counts);
  // 1. Pins the partition at its last commit (Vc) and writes the intent record; false when there
  //    is nothing to compact.
  Result<bool> PrepareCompaction(TableState& t, CompactionJob* job) EXCLUDES(t.state_mu);
  // 2. Merges each bucket at Vc into its base run, through the job's bulk writer.
  Status MergeBases(const TableState& t, CompactionJob* job, CompactionCounts* counts);
  // 3. Installs the bulk writer's output, then publishes the bases (M and P records, retention's
  // drops, the
  //    intent deleted) under t.commit_mu and swaps the manifest. Not published (job->published
  //    false) when the table was dropped meanwhile.
  Status InstallBases(TableState& t, CompactionJob* job) EXCLUDES(t.commit_mu);
  // After a failure, or a table dropped, past the intent: deletes the bases, their F records,
  // the intent and the files. Answers `why`.
  Status AbandonCompaction(const TableState& t, CompactionJob& job, Status why);
  // Synced when commits are (EngineOptions::sync_commits).
  Durability CommitDurability() const;
  // The commits since its last major compaction at which a partition of `t` is compacted: the
  // table's threshold, capped by max_pending_deltas. A table made before the bound was lowered
  // may have a threshold at or above it, and its partitions would otherwise be held by
  // backpressure for good (CreateTable refuses such a threshold now).
  uint64_t CompactionDueAt(const TableState& t) const;
  // Queues an automatic compaction when the partition's commits reached CompactionDueAt.
  void MaybeQueueCompaction(const TableState& t, const std::string& canonical,
                            uint64_t commits_since_major);
  // FlowExceeded when the partition's uncompacted commits reached max_pending_deltas.
  Status CheckFlow(const TableState& t, const std::string& canonical) EXCLUDES(t.state_mu);

  // Retention (engine_retention.cc).
  // Runs dropped from manifests, and the ranges of their ids as their D records name them.
  struct DroppedRuns {
    std::vector<RunRef> runs;
    RunRanges ranges;
  };
  // The oldest version a read may still ask for.
  uint64_t OldestReadableLocked(const TableState& t, int64_t now) const REQUIRES(t.state_mu);
  // The lowest offset a consumer holds (ConsumerInfo); UINT64_MAX: none.
  uint64_t HeldFromLocked(const TableState& t, int64_t now) const REQUIRES(t.state_mu);
  // `oldest`: OldestReadableLocked(t, now).
  ConsumerInfo ConsumerInfoLocked(const TableState& t, const std::string& name,
                                  const TableState::Consumer& c, int64_t now, uint64_t oldest) const
      REQUIRES(t.state_mu);
  Status LoadConsumers(TableState& t) REQUIRES(t.state_mu);

  // The reject quarantine (engine_rejects.cc). What a load's commit (or a load that committed
  // nothing) writes for its rejects and the set it replays, in `wb`: checked against the bounds
  // and the replayed set's state; `*added` and `*replayed` are what PublishRejects publishes once
  // `wb` is written.
  Status PutRejects(TableState& t, const RejectSet* rejects, uint64_t replays,
                    uint64_t load_version, int64_t now, StoreBatch* wb, RejectSetInfo* added,
                    RejectSetInfo* replayed) REQUIRES(t.commit_mu) EXCLUDES(t.state_mu);
  void PublishRejects(TableState& t, const RejectSetInfo& added, const RejectSetInfo& replayed)
      REQUIRES(t.commit_mu) EXCLUDES(t.state_mu);
  Status LoadRejectSets(TableState& t) REQUIRES(t.state_mu);
  // The bytes its sets not replayed hold (what reject_quarantine_bytes bounds).
  static uint64_t RejectBytesLocked(const TableState& t) REQUIRES(t.state_mu);
  // The M record of a partition (manifest_record.h), in `wb`.
  void PutRunsRecord(const TableState& t, const std::string& canonical, const PartitionManifest& m,
                     StoreBatch* wb);
  // Takes out of `next` the runs no version from `oldest` on reads (DropExpiredRuns), and puts
  // in `wb`, the batch that drops them, their D records and the deletes of their bases' F
  // records. The caller puts the partition's M record in the same batch.
  DroppedRuns DropExpired(const TableState& t, uint64_t oldest, PartitionManifest* next,
                          StoreBatch* wb);
  // After that batch: strips the dropped deltas from their C records, counts the runs and frees
  // their space.
  void RetireDropped(TableState& t, DroppedRuns dropped) EXCLUDES(t.commit_mu, free_mu_);
  // Puts the D records of dropped runs (reclaimed_runs.h) in `wb`: the batch that drops them.
  void PutReclaimRecords(const RunRanges& ranges, StoreBatch* wb);
  // After the batch that dropped them: takes the dropped deltas out of their C records.
  void StripCommitRuns(TableState& t, const std::vector<RunRef>& dropped) EXCLUDES(t.commit_mu);
  // After the manifests no longer name them: frees the space of dropped runs (now, or on a later
  // call once no read pinned before is left) and deletes their D records.
  void FreeRuns(RunRanges runs) EXCLUDES(free_mu_);
  // versions_reclaimed_: runs retention dropped (not those of dropped tables).
  void CountReclaimed(const RunRanges& runs);
  Status LoadReclaims() EXCLUDES(free_mu_);  // Open: runs whose freeing was interrupted

  void MaintenanceLoop() EXCLUDES(maintenance_mu_);
  // While storage is stopped by a fault: asks the store to resume; once it has, re-queues the
  // compactions that failed meanwhile. Maintenance thread.
  void TryResume();
  // Queues every partition whose commits since its last major compaction reached its threshold
  // and that is not queued or running: compactions that failed (a full disk) run again.
  void RequeueDueCompactions();

  EngineOptions options_;
  ReadPins read_pins_;
  // The records and run chunks (store/store.h): the local backend, store/local_store.h.
  std::unique_ptr<Store> store_;

  SharedMutex catalog_mu_;
  // By keys::Name(...).
  std::map<std::string, std::shared_ptr<TableState>> tables_by_name_ GUARDED_BY(catalog_mu_);
  std::map<uint64_t, std::shared_ptr<TableState>> tables_by_id_ GUARDED_BY(catalog_mu_);
  uint64_t next_table_id_ GUARDED_BY(catalog_mu_) = 1;

  Mutex sessions_mu_ ACQUIRED_AFTER(catalog_mu_);
  // Open sessions.
  std::unordered_map<std::string, std::shared_ptr<SessionState>> sessions_ GUARDED_BY(sessions_mu_);
  std::mt19937_64 rng_ GUARDED_BY(sessions_mu_);

  Mutex ids_mu_ ACQUIRED_AFTER(catalog_mu_);
  uint64_t next_run_id_ GUARDED_BY(ids_mu_) = 1;
  uint64_t run_id_high_ GUARDED_BY(ids_mu_) = 1;  // ids below it are reserved on disk

  std::atomic<uint64_t> rows_appended_{0};
  std::atomic<uint64_t> bytes_appended_{0};
  std::atomic<uint64_t> commits_{0};
  std::atomic<uint64_t> rows_rejected_{0};  // quarantined since start
  std::atomic<uint64_t> reject_sets_replayed_{0};

  // Appended bytes not yet synced. The synced commit must also sync every append of the session
  // still in the WAL; the maintenance thread syncs the WAL in the background once this passes
  // kWalSyncBytes, so a commit's sync does not grow with its session (commit latency: at 1 MiB
  // rather than 4, p50 at 100 k rows went from 16 to 9-10 ms, deltatunnel-bench-storage).
  static constexpr uint64_t kWalSyncBytes = 1 << 20;
  std::atomic<uint64_t> unsynced_bytes_{0};

  std::unique_ptr<CompactionQueue> compactor_;  // null with 0 compaction threads
  std::atomic<bool> compaction_cancel_{false};
  std::atomic<uint64_t> flow_exceeded_{0};
  std::atomic<uint64_t> versions_reclaimed_{0};
  struct PendingFree {
    RunRanges runs;     // of dropped run ids
    uint64_t mark = 0;  // ReadPins::Mark() once the manifests no longer name them
  };
  Mutex free_mu_ ACQUIRED_AFTER(catalog_mu_);
  std::vector<PendingFree> pending_free_ GUARDED_BY(free_mu_);

  Mutex maintenance_mu_ ACQUIRED_AFTER(catalog_mu_);
  CondVar maintenance_cv_;  // with maintenance_mu_
  bool stopping_ GUARDED_BY(maintenance_mu_) = false;
  bool wal_sync_wanted_ GUARDED_BY(maintenance_mu_) = false;
  uint64_t wal_syncs_handled_ GUARDED_BY(maintenance_mu_) = 0;
  bool last_wal_sync_ran_ GUARDED_BY(maintenance_mu_) = false;
  std::thread maintenance_;
};

// The full form of changes over (from, view.version] (full_changes.cc); `commit_times` are those
// of versions from + 1 to view.version.
std::unique_ptr<ChangeIterator> FullChanges(EngineImpl::ReadView view, Store* store, uint64_t from,
                                            bool include_before, std::vector<int64_t> commit_times,
                                            std::function<Status()> interrupt);

}  // namespace deltatunnel::storage
