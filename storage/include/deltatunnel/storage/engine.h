// The Delta table storage engine: the public surface of storage/.
//
// Tables are primary-key tables, optionally partitioned; each partition is hashed by key into
// `write.bucket.num` buckets. Writes come through sessions: a session belongs to one partition,
// takes appends (RowBatches) bucket by bucket, and commits; at commit everything it wrote becomes
// visible at once under a new table version. Reads are snapshot reads at a version.
//
// The promises (../shared/design/architecture.md), which every method below keeps:
//  1. Append returns after its rows are durable against a process kill; Commit returns after the
//  commit
//     is synced to disk.
//  2. A commit is visible whole or not at all; nothing uncommitted is ever visible.
//  3. A read sees exactly the commits up to its version, whatever runs beside it.
//  4. One row per key per partition: the last write by commit order, then by arrival within a
//  session.
//  5. Any version inside the table's retention reads as it did then.
//  6. Compaction changes no read.
//  7. After a crash, Open brings back every committed row and every open session, nothing
//  half-applied.
//  8. Memory is bounded by configured budgets, not by table, session or partition count.
//
// All methods are thread-safe. Commits of different sessions, partitions and tables run
// concurrently.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "deltatunnel/proto/row_batch.h"
#include "deltatunnel/proto/schema.h"
#include "deltatunnel/proto/status.h"
#include "deltatunnel/storage/backup.h"
#include "deltatunnel/storage/types.h"

namespace deltatunnel::storage {

class Engine {
 public:
  // Opens (creating if absent) the engine in options.data_dir, recovering after a crash.
  static Result<std::unique_ptr<Engine>> Open(const EngineOptions& options);
  virtual ~Engine() = default;

  // ---- Catalog
  // Validates the definition (schema, properties with their ranges) and creates the table at
  // version 0. TableAlreadyExists if the name is taken (any case), InvalidArgument with the reason
  // otherwise.
  virtual Result<TableInfo> CreateTable(const TableDef& def) = 0;
  // Drops the table, its sessions and all its data. NoSuchTable if absent.
  virtual Status DropTable(const std::string& project, const std::string& table) = 0;
  // Sets properties of a table, checked together with the rest as at creation, in one synced
  // step: compaction.major.commit-threshold (below the server's max_pending_deltas),
  // compaction.major.auto (false: automatic compaction waits for max_pending_deltas),
  // acid.data.retain.hours (a longer retention keeps what is still readable and from then on;
  // versions the shorter one let go stay expired), lifecycle, comment, and keys of the caller's
  // own; write.bucket.num while the table has no partition and no open session.
  // acid.partial.fields.update.enable and transactional are fixed at creation (InvalidArgument).
  // Answers the table as altered.
  virtual Result<TableInfo> AlterTable(const std::string& project, const std::string& table,
                                       const std::map<std::string, std::string>& properties) = 0;
  // Changes the table's data columns (SchemaChange; the rules: storage/src/schema_change.h) as a
  // version of its own, in one synced step, or not at all (InvalidArgument naming the column and
  // why). Reads at earlier versions keep the schema they had; rows written before the change, and
  // by sessions opened before it, read added columns as their defaults and widened ones as the
  // wider type. Major compaction rewrites them in the schema of its version. Answers the table
  // as altered (a change to what already is makes no version).
  virtual Result<TableInfo> AlterSchema(const std::string& project, const std::string& table,
                                        const SchemaChange& change) = 0;
  virtual Result<TableInfo> DescribeTable(const std::string& project, const std::string& table) = 0;
  // NoSuchProject when the project has no tables.
  virtual Result<std::vector<TableInfo>> ListTables(const std::string& project) = 0;
  // The partitions that exist at the latest version (a dropped one is left out until a commit
  // writes it again).
  virtual Result<std::vector<PartitionInfo>> ListPartitions(const std::string& project,
                                                            const std::string& table) = 0;
  // Deletes every row of one partition (canonical or any spec order), or of every partition when
  // none is named, each partition under a version of its own, all in one atomic, synced step.
  // Reads below those versions see the rows as before, within retention; retention frees them.
  // Sessions open on the partitions go on, and their commits land after the truncate.
  // NoSuchPartition for a named partition that does not exist. Answers the versions made (none
  // when no partition exists yet: a table never written).
  virtual Result<std::vector<CommitInfo>> Truncate(const std::string& project,
                                                   const std::string& table,
                                                   const std::optional<std::string>& partition) = 0;
  // Drops partitions: truncated as above (one version each, one atomic step) and no longer
  // listed; a later commit to one brings it back, empty but for that commit. Sessions open on
  // them are aborted first. NoSuchPartition for one that does not exist, unless `if_exists`
  // (then it is skipped).
  virtual Result<std::vector<CommitInfo>> DropPartitions(const std::string& project,
                                                         const std::string& table,
                                                         const std::vector<std::string>& partitions,
                                                         bool if_exists) = 0;

  // ---- Sessions
  // Opens a session on one partition (parsed with proto::ParsePartitionSpec; the partition comes
  // into being with its first commit). lifetime_hours is 1..24.
  virtual Result<SessionInfo> OpenSession(const SessionOptions& options) = 0;
  // The session by id, in any state, while it is within its lifetime. UpsertSessionNotFound
  // otherwise.
  virtual Result<SessionInfo> GetSession(const std::string& session_id) = 0;
  virtual Result<std::vector<SessionInfo>> ListSessions(const std::string& project,
                                                        const std::string& table) = 0;
  // Appends rows (built with the table's schema, hasher and bucket count) to the session. Durable
  // when it returns. StatusConflict unless the session is `normal`. An empty batch is a no-op.
  virtual Status Append(const std::string& session_id, const proto::RowBatch& rows) = 0;
  // Commits: all the session's rows become visible under one new table version, synced before it
  // returns. Repeating the commit of a committed session answers its info and applies nothing.
  // StatusConflict for an aborted or expired session.
  virtual Result<SessionInfo> Commit(const std::string& session_id) = 0;
  // Aborts: the session's rows are dropped. StatusConflict for a committed session; repeating the
  // abort of an aborted session is ok.
  virtual Result<SessionInfo> Abort(const std::string& session_id) = 0;

  // ---- Reads
  // A snapshot scan, streaming with bounded memory. The iterator pins its version until destroyed,
  // and must be destroyed before the engine.
  virtual Result<std::unique_ptr<RowIterator>> Scan(const ScanOptions& options) = 0;
  // The rows of those keys (key columns filled in `keys`) that exist at the version.
  virtual Result<LookupResult> Lookup(const LookupOptions& options) = 0;
  // Every state of one key committed within retention, newest first: one per commit that wrote
  // the key (or truncated it away), each the key's whole row at that version or its deletion.
  virtual Result<KeyHistory> History(const HistoryOptions& options) = 0;
  // Net changes per key over versions (from, to].
  virtual Result<std::unique_ptr<ChangeIterator>> Changes(const ChangesOptions& options) = 0;
  // The commit log, newest first, at most `limit` entries.
  virtual Result<std::vector<CommitInfo>> Versions(const std::string& project,
                                                   const std::string& table, size_t limit) = 0;

  // ---- Consumers of a table's changes (ConsumerInfo)
  // A new consumer at `from_version` (default: the latest), which must be readable. StatusConflict
  // when one of that name exists; InvalidArgument for a name that is not 1 to 128 of
  // [A-Za-z0-9_.-].
  virtual Result<ConsumerInfo> CreateConsumer(const std::string& project, const std::string& table,
                                              const std::string& name,
                                              std::optional<uint64_t> from_version) = 0;
  virtual Result<std::vector<ConsumerInfo>> ListConsumers(const std::string& project,
                                                          const std::string& table) = 0;
  // NoSuchObject for an unknown consumer.
  virtual Result<ConsumerInfo> GetConsumer(const std::string& project, const std::string& table,
                                           const std::string& name) = 0;
  // Moves the offset to `version` (durably, as a commit is): at most the latest, not below the
  // offset (InvalidArgument), readable if the consumer lost its place (VersionExpired).
  virtual Result<ConsumerInfo> AckConsumer(const std::string& project, const std::string& table,
                                           const std::string& name, uint64_t version) = 0;
  virtual Status DropConsumer(const std::string& project, const std::string& table,
                              const std::string& name) = 0;

  // ---- Idempotent one-shot loads
  // The load committed under `key`, if any (kept for options.idempotency_ttl_hours).
  virtual std::optional<IdempotentLoad> FindIdempotencyKey(const std::string& project,
                                                           const std::string& table,
                                                           const std::string& key) = 0;
  // Commits `session_id` and records `key` -> `result_json` in the same atomic, synced step.
  virtual Result<SessionInfo> CommitWithIdempotencyKey(const std::string& session_id,
                                                       const std::string& key,
                                                       const std::string& result_json) = 0;

  // ---- The reject quarantine (RejectSetInfo)
  // A new reject set id for the table (a reserved id never used is a gap).
  virtual Result<uint64_t> ReserveRejectSetId(const std::string& project,
                                              const std::string& table) = 0;
  // Commits a one-shot load's session with what goes with it (LoadCommit) in one step. Refused
  // (StatusConflict, nothing committed) when its rejects would take the table's quarantine past
  // EngineOptions::reject_quarantine_bytes, or when the set it replays is gone or replayed.
  virtual Result<SessionInfo> CommitLoad(const std::string& session_id, const LoadCommit& load) = 0;
  // Quarantines the rejects of a load that committed nothing (`set.info` names the table), and
  // marks `replays` (0: none) replayed with no version: alone, as durably as a commit.
  virtual Result<RejectSetInfo> QuarantineRejects(const RejectSet& set, uint64_t replays) = 0;
  // Every set, oldest first.
  virtual Result<std::vector<RejectSetInfo>> ListRejectSets(const std::string& project,
                                                            const std::string& table) = 0;
  // A set's header, without reading its rows; NoSuchObject for an unknown set.
  virtual Result<RejectSetInfo> GetRejectSetInfo(const std::string& project,
                                                 const std::string& table, uint64_t id) = 0;
  // A set with its rows (none once replayed); NoSuchObject for an unknown set.
  virtual Result<RejectSet> GetRejectSet(const std::string& project, const std::string& table,
                                         uint64_t id) = 0;
  // Drops set `id` (NoSuchObject if unknown), or every set; answers the ids dropped.
  virtual Result<std::vector<uint64_t>> PurgeRejectSets(const std::string& project,
                                                        const std::string& table,
                                                        std::optional<uint64_t> id) = 0;

  // ---- Major compaction
  // Queues a major compaction of one partition (a spec) or of every partition of the table, and
  // answers it queued. While one is queued or running for the same partition (or the same whole
  // table), answers that one instead. ServiceUnavailable when compaction is off (0 threads).
  virtual Result<CompactionInfo> Compact(const std::string& project, const std::string& table,
                                         const std::optional<std::string>& partition) = 0;
  // Queued and running compactions, then the most recent finished ones, newest first.
  virtual std::vector<CompactionInfo> Compactions() = 0;
  // Blocks until no compaction is queued or running (tests, benchmarks, shutdown).
  virtual void WaitForCompactions() = 0;
  // Drops the runs that no version inside retention can read any more (kept only for older
  // versions after a compaction) and frees their space. The maintenance thread calls it; public
  // for tests.
  virtual void ReclaimExpiredVersions() = 0;
  // Tables with a `lifecycle` (days): drops each partition not modified (committed to, truncated)
  // for that long, and a non-partitioned table not modified for that long (as MaxCompute does).
  // The maintenance thread calls it every 30 s; public for tests.
  virtual void ApplyLifecycles() = 0;

  // ---- Backups (backup.h), into options.backup_dir; ServiceUnavailable when it is not set.
  // Starts an online backup of every table on a thread of its own and answers it running; writes
  // go on meanwhile. StatusConflict while one runs.
  virtual Result<BackupJob> StartBackup() = 0;
  // The running backup, or the last one made since the engine opened (nullopt before the first).
  virtual std::optional<BackupJob> LastBackup() = 0;
  // The backups in the directory, oldest first.
  virtual Result<std::vector<BackupInfo>> ListBackups() = 0;
  // Checks a backup without restoring it (backup.h). StatusConflict while a backup runs;
  // NoSuchObject for an unknown id.
  virtual Result<BackupCheck> VerifyBackup(uint32_t id) = 0;
  // Deletes a backup (the files no other backup shares). StatusConflict while a backup runs.
  virtual Status DeleteBackup(uint32_t id) = 0;

  // ---- Operations
  virtual EngineStats Stats() = 0;
  // Ok while storage can take writes; else why not, classified (kNoSpace, kIoError, kBusy). After
  // a fault of the data directory's filesystem (a write, sync, flush or MANIFEST write failed),
  // writes are refused with that cause and reads go on; writes resume by themselves, without a
  // restart, once the cause is gone (space freed, the device back): RocksDB recovers, and the
  // maintenance thread asks it to (DB::Resume) every second while it has not.
  virtual Status Writable() = 0;
  // Expires sessions past their lifetime and reclaims aborted/expired data. Called periodically by
  // the engine's own maintenance thread; public for tests.
  virtual void ExpireSessions() = 0;
};

}  // namespace deltatunnel::storage
