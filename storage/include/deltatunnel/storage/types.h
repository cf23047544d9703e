// The value types of the storage engine's public surface (engine.h).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "deltatunnel/proto/bucket_hash.h"
#include "deltatunnel/proto/partition_spec.h"
#include "deltatunnel/proto/row_batch.h"
#include "deltatunnel/proto/schema.h"
#include "deltatunnel/proto/status.h"
#include "deltatunnel/proto/value.h"
#include "deltatunnel/storage/cluster_options.h"

namespace deltatunnel::storage {

class FaultInjector;  // fault_injection.h

struct EngineOptions {
  std::string data_dir = "./data";
  // Sync the commit to disk before Commit returns (architecture promise 1). Tests may turn it off.
  bool sync_commits = true;
  // Server-wide default of compaction.major.commit-threshold when a table does not set it.
  uint32_t default_commit_threshold = 20;
  // How long one-shot load idempotency keys are kept.
  uint32_t idempotency_ttl_hours = 168;
  // RocksDB block cache, bytes.
  uint64_t block_cache_bytes = 256ull << 20;
  // Rate at which obsolete WAL and SST files are freed (renamed to *.trash, then truncated 16 MiB
  // at a time): a flush or a compaction that frees gigabytes at once stalls the filesystem's
  // journal, and the commits' syncs with it. 0: unlinked at once.
  uint64_t file_delete_bytes_per_sec = 256ull << 20;
  // Major compaction worker threads. 0: no compaction at all (no automatic trigger, Compact() is
  // refused, and no FlowExceeded backpressure, which would otherwise never lift).
  uint32_t compaction_threads = 1;
  // Nice increment of the compaction workers over the thread that opened the engine (0..19):
  // compaction is background work, so ingest and reads get the CPU first; the backlog this lets
  // grow is bounded by max_pending_deltas.
  uint32_t compaction_nice = 10;
  // Backpressure: appends to a partition with this many commits since its last major compaction
  // answer FlowExceeded until the compactor catches up. 0: no bound.
  uint32_t max_pending_deltas = 200;
  // Tests: called by a compaction worker after it wrote the base and before it publishes it (to
  // slow the compactor down, or to crash there).
  std::function<void()> compaction_pause;
  // Tests: called by Append when it holds its session's lock and is about to write (to hold one
  // append there while others, or a commit, come).
  std::function<void()> append_pause;
  // Milliseconds since the epoch; tests inject a clock to move time (retention, expiry).
  std::function<int64_t()> clock_ms;
  // Tests: the data directory's file operations fail on command (fault_injection.h).
  std::shared_ptr<FaultInjector> faults;
  // How often the maintenance thread asks RocksDB to resume writes while storage is stopped by a
  // fault (Writable()), milliseconds.
  uint32_t resume_interval_ms = 1000;
  // Where backups go (backup.h); "": backups are off.
  std::string backup_dir;
  // The most a backup copies a second, bytes (0: no limit).
  uint64_t backup_rate_bytes_per_sec = 0;
  // Set: the engine keeps its tables in etcd and object storage (cluster_options.h), not in
  // RocksDB under data_dir, and the RocksDB settings above do not apply.
  std::optional<ClusterOptions> cluster;
  // Called once a table's new version is readable (a commit, a truncate, a partition drop, a
  // schema change; and once when the table is dropped), with the table and the version: change
  // feeds wait on it. It runs on the committing thread, maybe under the table's locks: it must
  // not block nor call the engine.
  std::function<void(const std::string& project, const std::string& table, uint64_t version)>
      on_version;
  // The longest a consumer holds versions past the table's retention (ConsumerInfo), hours.
  uint32_t consumer_hold_hours = 168;
  // The most a table's reject quarantine holds (RejectSetInfo::bytes summed), bytes.
  uint64_t reject_quarantine_bytes = uint64_t{64} << 20;
};

// What a caller gives to create a table. Property values are strings as in the API; absent ones
// take their defaults: write.bucket.num 16 (1..4096), acid.data.retain.hours 24 (0..168),
// compaction.major.commit-threshold (server default; 1..100000), compaction.major.auto "true"
// (false: no compaction at the threshold, only on request or at the server's max_pending_deltas,
// so that writes are never refused for good), acid.partial.fields.update.enable
// "false", transactional "true". Unknown keys are kept as given.
struct TableDef {
  std::string project;
  std::string name;
  proto::TableSchema schema;
  std::map<std::string, std::string> properties;
};

// A change of a table's data columns (Engine::AlterSchema; the rules: storage/src/schema_change.h).
// Applied in this order: adds, renames, widenings.
struct SchemaChange {
  std::vector<proto::Column> add_columns;  // appended; nullable, with an optional default_value
  struct Rename {
    std::string from;
    std::string to;
  };
  std::vector<Rename> renames;
  struct Widen {
    std::string column;
    proto::Type type;
  };
  std::vector<Widen> widenings;
};

struct TableInfo {
  std::string project;
  std::string name;
  proto::TableSchema schema;                      // the current one
  uint32_t schema_id = 0;                         // 0 at creation, one more for each schema change
  std::map<std::string, std::string> properties;  // every property, defaults filled in
  uint32_t bucket_num = 16;
  uint32_t retain_hours = 24;
  uint32_t commit_threshold = 20;
  bool partial_update = false;
  proto::Hasher hasher = proto::Hasher::kDefault;
  uint64_t version = 0;
  int64_t created_at_ms = 0;
  uint64_t partitions = 0;
  uint64_t rows = 0;                 // estimate
  uint64_t bytes = 0;                // estimate
  uint64_t commits_since_major = 0;  // the most of any partition
};

struct PartitionInfo {
  std::string partition;  // canonical spec, "" for a non-partitioned table
  uint64_t rows = 0;      // estimate
  uint64_t bytes = 0;     // estimate
  uint64_t version = 0;   // the table version of the partition's last commit
  uint64_t commits_since_major = 0;
  int64_t committed_at_ms = 0;  // when that version was made
};

enum class SessionStatus { kNormal, kCommitting, kCommitted, kExpired, kCritical, kAborted };
std::string_view SessionStatusName(SessionStatus s);  // "normal", ...

struct SessionOptions {
  std::string project;
  std::string table;
  std::string partition;  // a spec; "" for a non-partitioned table
  uint32_t lifetime_hours = 24;
  std::string quota_name;
  uint32_t slot_num = 1;  // the Tunnel session's slot count, kept for reloads
};

struct SessionInfo {
  std::string id;
  std::string project;
  std::string table;
  std::string partition;  // canonical
  SessionStatus status = SessionStatus::kNormal;
  std::string quota_name;
  uint32_t slot_num = 1;
  int64_t created_at_ms = 0;
  int64_t expires_at_ms = 0;
  uint64_t commit_version = 0;  // once committed
  uint64_t rows = 0;            // appended so far
  uint64_t upserts = 0;
  uint64_t deletes = 0;
  uint64_t bytes = 0;
  std::vector<uint32_t> buckets_written;
  // The table's schema when the session was opened: its rows are written in it, even after the
  // table's schema changes (reads then give them the new columns' defaults).
  std::shared_ptr<const proto::TableSchema> schema;
};

// What a version did to its partition.
enum class CommitOperation {
  kCommit,         // a session's rows published
  kTruncate,       // every row of the partition deleted
  kDropPartition,  // truncated, and the partition no longer listed (until a commit writes it)
  kAlterSchema,    // the table's data columns changed (no partition)
};
// "commit", "truncate", "drop_partition", "alter_schema".
std::string_view CommitOperationName(CommitOperation op);

struct CommitInfo {
  uint64_t version = 0;
  int64_t committed_at_ms = 0;
  std::string partition;
  std::string session;  // "" for a truncate or a drop
  uint64_t rows = 0;
  uint64_t upserts = 0;
  uint64_t deletes = 0;
  CommitOperation operation = CommitOperation::kCommit;
};

// Which version a read sees.
struct VersionSpec {
  std::optional<uint64_t> version;      // exactly this version
  std::optional<int64_t> timestamp_ms;  // the last version committed at or before this time
  // Neither: the latest.
};

struct ScanOptions {
  std::string project;
  std::string table;
  std::optional<std::string> partition;  // a spec; absent: every partition
  VersionSpec at;
};

// Rows of a snapshot, one per key, partition by partition. Valid() false at the end or on error.
class RowIterator {
 public:
  virtual ~RowIterator() = default;
  virtual bool Valid() const = 0;
  virtual void Next() = 0;
  virtual const proto::Row& row() const = 0;  // the data columns
  virtual const proto::PartitionSpec& partition() const = 0;
  virtual Status status() const = 0;     // check once Valid() is false
  virtual uint64_t version() const = 0;  // the version read at
  // The table's schema at that version: rows have its data columns.
  virtual const proto::TableSchema& schema() const = 0;
};

struct LookupOptions {
  std::string project;
  std::string table;
  std::string partition;         // a spec
  std::vector<proto::Row> keys;  // rows with the key columns set
  VersionSpec at;
  // Asked every few hundred keys when set: a non-OK status stops the lookup with that status (the
  // caller's client went away, or its deadline passed).
  std::function<Status()> interrupt;
};

struct LookupResult {
  uint64_t version = 0;
  std::vector<proto::Row> rows;
  std::shared_ptr<const proto::TableSchema> schema;  // the table's at `version`
};

// Every committed state of one key within retention (Engine::History).
struct HistoryOptions {
  std::string project;
  std::string table;
  std::string partition;              // a spec
  proto::Row key;                     // a row with the key columns set
  size_t limit = 100;                 // states, newest first
  std::function<Status()> interrupt;  // as LookupOptions::interrupt
};

struct KeyState {
  uint64_t version = 0;  // the commit that made it
  int64_t committed_at_ms = 0;
  // kUpsert: the key's whole row at `version` (partial updates folded in); kDelete: the key
  // was deleted at it (a delete, a truncate or a dropped partition).
  proto::RowOp op = proto::RowOp::kUpsert;
  proto::Row row;
  std::shared_ptr<const proto::TableSchema> schema;  // the table's at `version`
};

struct KeyHistory {
  uint64_t version = 0;          // the latest version, which the history was read at
  std::vector<KeyState> states;  // newest first
  bool more = false;             // older states within retention past `limit`
};

struct ChangesOptions {
  std::string project;
  std::string table;
  std::optional<std::string> partition;
  uint64_t from_version = 0;
  std::optional<uint64_t> to_version;  // default: latest; past the latest is InvalidArgument
  // The full form: one record per key per version that changed it, each key's in version order
  // (keys in bucket order, as the net form's), instead of each key once as it stands at `to`.
  bool every_version = false;
  bool include_before = false;        // the full form: each record's before()
  std::function<Status()> interrupt;  // the full form: checked every few hundred keys
};

// What one version did to a key (the full form of changes).
enum class ChangeKind { kInsert, kUpdate, kDelete };
std::string_view ChangeKindName(ChangeKind kind);  // "insert", "update", "delete"

// Net changes: each key written in (from, to], once, as it stands at `to`. The full form
// (ChangesOptions::every_version): each version that changed a key, once per key; a delete of a
// key that did not exist changes nothing and is not a record.
class ChangeIterator {
 public:
  virtual ~ChangeIterator() = default;
  virtual bool Valid() const = 0;
  virtual void Next() = 0;
  virtual proto::RowOp op() const = 0;  // kUpsert: row() is the row; kDelete: key only
  virtual const proto::Row& row() const = 0;
  // Net form: the key's last write at or before `to`. Full form: the record's version.
  virtual uint64_t last_version() const = 0;
  // The full form: whether the key existed before the record's version and after it.
  virtual ChangeKind kind() const {
    return op() == proto::RowOp::kDelete ? ChangeKind::kDelete : ChangeKind::kUpdate;
  }
  // The full form: when the record's version was committed.
  virtual int64_t committed_at_ms() const { return 0; }
  // The full form with include_before: the key's row before the record's version; null when it
  // did not exist (an insert) or the form has none.
  virtual const proto::Row* before() const { return nullptr; }
  virtual const proto::PartitionSpec& partition() const = 0;
  virtual Status status() const = 0;
  virtual uint64_t version() const = 0;  // `to`
  // The table's schema at `to`: rows have its data columns.
  virtual const proto::TableSchema& schema() const = 0;
};

// A named consumer of a table's changes (issue 26): the version up to which it acknowledged them.
// Retention keeps every version from its offset on, whatever the table's acid.data.retain.hours,
// while the commit after the offset is younger than EngineOptions::consumer_hold_hours; past that
// the consumer has lost its place: its offset is not readable (VersionExpired) until it
// acknowledges a version that is.
struct ConsumerInfo {
  std::string project;
  std::string table;
  std::string name;
  uint64_t offset = 0;  // every change up to it acknowledged
  int64_t created_at_ms = 0;
  int64_t acked_at_ms = 0;  // its last acknowledgement (its creation before any)
  uint64_t latest = 0;      // the table's version when this was read
  // How long ago the oldest version it has not acknowledged (offset + 1) was committed; 0: none
  // pending.
  int64_t lag_ms = 0;
  bool lost = false;
};

// The reject quarantine (issue 26): the rows one-shot loads skipped (max_bad_rows) are kept per
// table in sets, one a load, until they are replayed (fixed or as they are) or purged.
struct RejectedRow {
  uint64_t line = 0;   // in the load's body (a JSON array's element)
  std::string column;  // "" when the error is not about one column
  std::string reason;
  std::string text;  // the row as the body had it; may not be UTF-8
  friend bool operator==(const RejectedRow&, const RejectedRow&) = default;
};

struct RejectSetInfo {
  std::string project;
  std::string table;
  uint64_t id = 0;         // per table, never reused
  std::string partition;   // canonical: where its load went, and where a replay goes
  std::string format;      // of its rows' text: "ndjson", "csv" or "json"
  std::string csv_header;  // CSV: the header line its rows go under
  int64_t created_at_ms = 0;
  uint64_t load_version = 0;  // the version its load committed; 0: the load committed nothing
  uint64_t rows = 0;
  uint64_t bytes = 0;  // of its rows' text, columns and reasons: what counts toward the bound
  // Once replayed: the version that committed the replay (its rows are gone then, the set stays
  // listed until purged), and when.
  uint64_t replayed_version = 0;
  int64_t replayed_at_ms = 0;
};

struct RejectSet {
  RejectSetInfo info;
  std::vector<RejectedRow> rows;
};

// What a one-shot load commits beside its session's rows, in the same atomic, synced step.
struct LoadCommit {
  std::string idempotency_key;  // "": none; else the load's result_json is stored under it
  std::string result_json;
  // Rows the load skipped, quarantined (info.id from ReserveRejectSetId; project, table and
  // created_at_ms are filled in, load_version set by the commit).
  const RejectSet* rejects = nullptr;
  uint64_t replays = 0;  // a reject set this load replays (0: none): marked replayed, rows dropped
};

// A one-shot load committed under an idempotency key.
struct IdempotentLoad {
  uint64_t version = 0;     // the version its commit made
  std::string result_json;  // what the caller stored with it
  friend bool operator==(const IdempotentLoad&, const IdempotentLoad&) = default;
};

// One major compaction request: of one partition, or of every partition of a table.
struct CompactionInfo {
  std::string id;
  std::string project;
  std::string table;
  std::optional<std::string> partition;  // canonical spec; absent: every partition of the table
  std::string state;                     // queued, running, done, failed
  bool automatic = false;                // queued by the commit threshold, not by a request
  uint64_t input_rows = 0;               // rows of the runs merged (deltas and the old base)
  uint64_t input_bytes = 0;
  uint64_t output_rows = 0;  // rows of the new base
  uint64_t output_bytes = 0;
  int64_t queued_at_ms = 0;
  int64_t started_at_ms = 0;   // 0 while queued
  int64_t finished_at_ms = 0;  // 0 until done or failed
  std::string error;           // when failed
};

struct CompactionStats {
  uint64_t done = 0;  // partition compactions published since start
  uint64_t failed = 0;
  uint64_t input_rows = 0;
  uint64_t input_bytes = 0;
  uint64_t output_rows = 0;
  uint64_t output_bytes = 0;
  double seconds = 0;           // spent compacting, all workers
  uint64_t queued = 0;          // requests waiting
  uint64_t running = 0;         // partitions being compacted now
  uint64_t pending_deltas = 0;  // commits since the last major compaction, summed over partitions
  uint64_t max_pending_deltas = 0;  // of the partition with the most
  uint64_t flow_exceeded = 0;       // appends refused by backpressure since start
  uint64_t versions_reclaimed = 0;  // runs dropped because no version inside retention needs them
};

// A partition with commits waiting for its major compaction.
struct PartitionBacklog {
  std::string project;
  std::string table;
  std::string partition;  // canonical
  uint64_t pending_deltas = 0;
};

struct EngineStats {
  uint64_t tables = 0;
  uint64_t open_sessions = 0;
  uint64_t rows_appended = 0;
  uint64_t bytes_appended = 0;
  uint64_t commits = 0;
  uint64_t storage_bytes = 0;       // live data on disk, estimate
  uint64_t storage_stops = 0;       // times a filesystem fault stopped writes
  uint64_t storage_recoveries = 0;  // times writes resumed after one
  // The cluster backend's cache of chunks (0 on the local backend): lookups it answered, those it
  // did not, bytes held.
  uint64_t chunk_cache_hits = 0;
  uint64_t chunk_cache_misses = 0;
  uint64_t chunk_cache_bytes = 0;
  CompactionStats compaction;
  // The partitions with the most commits waiting for compaction (at most kMaxBacklog, most first).
  static constexpr size_t kMaxBacklog = 100;
  std::vector<PartitionBacklog> backlog;
  std::vector<ConsumerInfo> consumers;  // every table's
  // Reject quarantines: rows quarantined and sets replayed since start; what is held now.
  uint64_t rows_rejected = 0;
  uint64_t reject_sets_replayed = 0;
  uint64_t reject_rows_held = 0;
  uint64_t reject_bytes_held = 0;
};

}  // namespace deltatunnel::storage
