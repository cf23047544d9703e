// Reads: version selection and retention, snapshot scans, lookups, net changes, the commit log.
//
// A read first fixes its view under the table's state_mu: the version (latest, exact, or the last
// commit at or before a time) and shared_ptrs to the manifests of the partitions it reads, and a
// read pin (read_pins.h). Everything after that is lock-free and sees exactly the commits up to the
// version (promise 3): runs are immutable, a manifest never changes once published, and the runs a
// pinned manifest references are never deleted under it.
//
// Retention (promise 5): version V is readable while it is the latest, or while commit V+1 happened
// less than acid.data.retain.hours ago; otherwise VersionExpired.
#include <fmt/format.h>
#include <algorithm>

#include "bucket_merge.h"
#include "deltatunnel/proto/bucket_hash.h"
#include "deltatunnel/proto/row_codec.h"
#include "engine_impl.h"
#include "key_filter.h"
#include "keys.h"
#include "records.h"

namespace deltatunnel::storage {

Status EngineImpl::CheckRetention(const TableState& t, uint64_t version, uint64_t latest) const {
  if (version >= latest) return Status::Ok();
  uint64_t oldest = 0;
  {
    MutexLock lock(&t.state_mu);
    oldest = OldestReadableLocked(t, Now());  // by retention, and by the consumers' holds
  }
  if (version >= oldest) return Status::Ok();
  if (version < t.retain_floor) {
    return {ErrorCode::kVersionExpired,
            fmt::format("version {} of table '{}' expired before its retention was lengthened; "
                        "the oldest readable version is {}",
                        version, t.record.name(), t.retain_floor.load())};
  }
  return {ErrorCode::kVersionExpired,
          fmt::format("version {} of table '{}' is outside its retention of {} h; the oldest "
                      "readable version is {}",
                      version, t.record.name(), t.retain_hours.load(), oldest)};
}

Result<EngineImpl::ReadView> EngineImpl::OpenRead(const std::string& project,
                                                  const std::string& table,
                                                  const std::optional<std::string>& partition,
                                                  const VersionSpec& at) {
  ReadView view;
  DT_ASSIGN_OR_RETURN(view.table, GetTable(project, table));
  TableState& t = *view.table;
  std::string canonical;
  if (partition) {
    DT_ASSIGN_OR_RETURN(proto::PartitionSpec spec,
                        proto::ParsePartitionSpec(*t.schema, *partition));
    canonical = std::move(spec.canonical);
  }
  uint64_t latest = 0;
  {
    MutexLock lock(&t.state_mu);
    if (t.closed_to_reads) {
      return Status(ErrorCode::kNoSuchTable,
                    fmt::format("table '{}.{}' does not exist", project, table));
    }
    latest = t.version;
    if (at.version) {
      if (*at.version > latest) {
        return InvalidArgument(
            fmt::format("version {} is past the latest version {}", *at.version, latest));
      }
      view.version = *at.version;
    } else if (at.timestamp_ms) {
      auto it = std::upper_bound(t.commit_times.begin(), t.commit_times.end(), *at.timestamp_ms);
      view.version = static_cast<uint64_t>(it - t.commit_times.begin());
    } else {
      view.version = latest;
    }
    view.schemas = t.schemas;
    view.schema = &view.schemas->At(view.version);
    if (partition) {
      auto it = t.partitions.find(canonical);
      if (it != t.partitions.end()) view.partitions.push_back(it->second);
    } else {
      for (const auto& [name, m] : t.partitions) view.partitions.push_back(m);
    }
    // The pin is taken with the manifests: a run that retention drops after this (once a newer
    // manifest no longer names it) keeps its data until the pin goes.
    view.pin = read_pins_.Take();
  }
  DT_RETURN_IF_ERROR(CheckRetention(t, view.version, latest));
  return view;
}

namespace {

// Walks partitions (by canonical spec) and their buckets 0..N-1, merging each bucket's runs.
class ViewCursor {
 public:
  // `changes`: keys written in (min_version, version] (ChangeRuns); else the snapshot at version.
  ViewCursor(EngineImpl::ReadView view, Store* store, bool changes, uint64_t min_version)
      : view_(std::move(view)), store_(store), changes_(changes), min_version_(min_version) {}

  // The next key state of any bucket; false at the end.
  Result<bool> Next(MergedKey* out) {
    for (;;) {
      if (merge_) {
        DT_ASSIGN_OR_RETURN(bool has, merge_->Next(out, min_version_));
        if (has) return true;
        merge_.reset();
        ++bucket_;
      }
      if (part_ >= view_.partitions.size()) return false;
      const PartitionManifest& m = *view_.partitions[part_];
      if (bucket_ >= m.buckets.size()) {
        ++part_;
        bucket_ = 0;
        continue;
      }
      std::vector<RunRef> runs = changes_ ? ChangeRuns(m, bucket_, min_version_, view_.version)
                                          : VisibleRuns(m, bucket_, view_.version);
      // A truncate in the range deletes what the runs before it hold.
      std::vector<uint64_t> truncations;
      if (changes_) truncations = TruncationsIn(m, min_version_, view_.version);
      if (runs.empty() || (runs.front().version <= min_version_ && truncations.empty())) {
        ++bucket_;
        continue;
      }
      merge_ =
          std::make_unique<BucketMerge>(*view_.schemas, *view_.schema, store_, std::move(runs));
      merge_->Truncations(std::move(truncations));
      DT_RETURN_IF_ERROR(merge_->Init());
    }
  }

  const proto::PartitionSpec& partition() const {
    static const proto::PartitionSpec kNone;
    return part_ < view_.partitions.size() ? view_.partitions[part_]->spec : kNone;
  }
  const proto::TableSchema& schema() const { return *view_.schema->schema; }
  uint64_t version() const { return view_.version; }

 private:
  EngineImpl::ReadView view_;
  Store* store_;
  bool changes_;
  uint64_t min_version_;
  size_t part_ = 0;
  uint32_t bucket_ = 0;
  std::unique_ptr<BucketMerge> merge_;
};

class ScanIterator final : public RowIterator {
 public:
  explicit ScanIterator(ViewCursor cursor) : cursor_(std::move(cursor)) { Advance(); }
  bool Valid() const override { return valid_; }
  void Next() override { Advance(); }
  const proto::Row& row() const override { return cur_.row; }
  const proto::PartitionSpec& partition() const override { return cursor_.partition(); }
  Status status() const override { return status_; }
  uint64_t version() const override { return cursor_.version(); }
  const proto::TableSchema& schema() const override { return cursor_.schema(); }

 private:
  void Advance() {
    valid_ = false;
    for (;;) {
      auto has = cursor_.Next(&cur_);
      if (!has.ok()) {
        status_ = has.status();
        return;
      }
      if (!*has) return;
      if (cur_.op == proto::RowOp::kUpsert) break;
    }
    valid_ = true;
  }
  ViewCursor cursor_;
  MergedKey cur_;
  bool valid_ = false;
  Status status_;
};

class ChangesIterator final : public ChangeIterator {
 public:
  explicit ChangesIterator(ViewCursor cursor) : cursor_(std::move(cursor)) { Advance(); }
  bool Valid() const override { return valid_; }
  void Next() override { Advance(); }
  proto::RowOp op() const override { return cur_.op; }
  const proto::Row& row() const override { return cur_.row; }
  uint64_t last_version() const override { return cur_.version; }
  const proto::PartitionSpec& partition() const override { return cursor_.partition(); }
  Status status() const override { return status_; }
  uint64_t version() const override { return cursor_.version(); }
  const proto::TableSchema& schema() const override { return cursor_.schema(); }

 private:
  void Advance() {
    valid_ = false;
    auto has = cursor_.Next(&cur_);
    if (!has.ok()) {
      status_ = has.status();
      return;
    }
    if (!*has) return;
    if (cur_.op == proto::RowOp::kDelete) {
      cur_.row.assign(cursor_.schema().columns.size(), proto::Value());
      status_ = proto::DecodeKey(cursor_.schema(), cur_.key, &cur_.row);
      if (!status_.ok()) return;
    }
    valid_ = true;
  }
  ViewCursor cursor_;
  MergedKey cur_;
  bool valid_ = false;
  Status status_;
};

}  // namespace

Result<std::unique_ptr<RowIterator>> EngineImpl::Scan(const ScanOptions& options) {
  DT_ASSIGN_OR_RETURN(ReadView view,
                      OpenRead(options.project, options.table, options.partition, options.at));
  return std::unique_ptr<RowIterator>(
      std::make_unique<ScanIterator>(ViewCursor(std::move(view), store_.get(), false, 0)));
}

Result<std::unique_ptr<ChangeIterator>> EngineImpl::Changes(const ChangesOptions& options) {
  VersionSpec at;
  at.version = options.to_version;
  DT_ASSIGN_OR_RETURN(ReadView view,
                      OpenRead(options.project, options.table, options.partition, at));
  if (options.from_version > view.version) {
    return InvalidArgument(
        fmt::format("from_version {} is past to_version {}", options.from_version, view.version));
  }
  DT_RETURN_IF_ERROR(CheckRetention(*view.table, options.from_version, view.version));
  const uint64_t from = options.from_version;
  if (options.every_version) {
    std::vector<int64_t> times;
    {
      const TableState& t = *view.table;
      MutexLock lock(&t.state_mu);
      const size_t end = std::min<size_t>(view.version, t.commit_times.size());
      if (from < end) times.assign(t.commit_times.begin() + from, t.commit_times.begin() + end);
    }
    return FullChanges(std::move(view), store_.get(), from, options.include_before,
                       std::move(times), options.interrupt);
  }
  return std::unique_ptr<ChangeIterator>(
      std::make_unique<ChangesIterator>(ViewCursor(std::move(view), store_.get(), true, from)));
}

Status EncodeGivenKey(const proto::TableSchema& schema, const TableState& t,
                      const proto::Row& given, std::string* key, uint32_t* bucket) {
  proto::Row row = given;
  row.resize(schema.columns.size());
  for (int k : schema.primary_key) {
    const proto::Column& col = schema.columns[static_cast<size_t>(k)];
    if (row[static_cast<size_t>(k)].is_null()) {
      return InvalidArgument(fmt::format("key column '{}' is missing", col.name));
    }
    Status st = proto::NormalizeValue(col.type, &row[static_cast<size_t>(k)]);
    if (!st.ok()) return InvalidArgument(fmt::format("column '{}': {}", col.name, st.message()));
  }
  key->clear();
  proto::EncodeKey(schema, row, key);
  *bucket =
      proto::BucketOf(static_cast<proto::Hasher>(t.record.hasher()), schema, row, t.bucket_num);
  return Status::Ok();
}

Result<bool> FindKeyInRun(ChunkCursor& chunks, const RunRef& run, std::string_view key,
                          uint64_t hash, KeyWrite* entry) {
  if (run.key_range && !run.key_range->MayHold(key)) return false;
  if (run.key_filter && !KeyFilterMayContain(*run.key_filter, hash)) return false;
  DT_RETURN_IF_ERROR(chunks.Seek(run.run_id, key));
  if (!chunks.Valid()) return false;
  std::string_view chunk = chunks.chunk();
  while (!chunk.empty()) {
    if (!NextEntry(&chunk, entry)) return Corruption("corrupt chunk");
    if (entry->key < key) continue;
    return entry->key == key;
  }
  return false;
}

Result<LookupResult> EngineImpl::Lookup(const LookupOptions& options) {
  DT_ASSIGN_OR_RETURN(ReadView view,
                      OpenRead(options.project, options.table,
                               std::optional<std::string>(options.partition), options.at));
  const proto::TableSchema& schema = *view.schema->schema;
  const TableState& t = *view.table;
  LookupResult result;
  result.version = view.version;
  result.schema = view.schema->schema;
  if (view.partitions.empty()) return result;
  const PartitionManifest& m = *view.partitions.front();

  auto chunks = store_->NewChunkCursor(std::nullopt);
  KeyFold fold(schema);
  std::string key;
  // Runs of older schemas are read through an upgrade (schema_history.h), made once per schema.
  std::map<uint32_t, std::unique_ptr<RowUpgrade>> upgrades;
  std::string upgraded;
  constexpr size_t kKeysPerInterruptCheck = 256;
  size_t keys_done = 0;
  for (const proto::Row& given : options.keys) {
    if (options.interrupt && keys_done++ % kKeysPerInterruptCheck == 0) {
      DT_RETURN_IF_ERROR(options.interrupt());
    }
    uint32_t bucket = 0;
    DT_RETURN_IF_ERROR(EncodeGivenKey(schema, t, given, &key, &bucket));
    const uint64_t hash = KeyHash(key);
    bool found = false;
    for (const RunRef& run : VisibleRuns(m, bucket, view.version)) {
      KeyWrite e;
      DT_ASSIGN_OR_RETURN(const bool holds, FindKeyInRun(*chunks, run, key, hash, &e));
      if (!holds) continue;
      if (run.schema_id != view.schema->id && e.op == proto::RowOp::kUpsert) {
        auto [u, fresh] = upgrades.try_emplace(run.schema_id);
        if (fresh) {
          DT_ASSIGN_OR_RETURN(u->second, view.schemas->Upgrade(run.schema_id, *view.schema));
        }
        DT_RETURN_IF_ERROR(u->second->Apply(e.row, &upgraded));
        e.row = upgraded;
      }
      if (!found) {
        DT_RETURN_IF_ERROR(fold.Start(e, /*decode=*/true));
        found = true;
      } else {
        DT_RETURN_IF_ERROR(fold.Older(e));
      }
      if (found && fold.complete()) break;
    }
    if (!found) continue;
    fold.Finish();
    if (fold.op() != proto::RowOp::kUpsert) continue;
    proto::Row out;
    DT_RETURN_IF_ERROR(fold.TakeRow(&out));
    result.rows.push_back(std::move(out));
  }
  return result;
}

Result<std::vector<CommitInfo>> EngineImpl::Versions(const std::string& project,
                                                     const std::string& table, size_t limit) {
  DT_ASSIGN_OR_RETURN(auto t, GetTable(project, table));
  uint64_t latest = 0;
  {
    MutexLock lock(&t->state_mu);
    latest = t->version;
  }
  std::vector<CommitInfo> out;
  if (latest == 0 || limit == 0) return out;
  const std::string prefix = keys::TablePrefix('C', t->id);
  messages::CommitRecord c;
  auto it = store_->ScanBackward(prefix, keys::Commit(t->id, latest));
  for (; it->Valid() && out.size() < limit; it->Next()) {
    if (!ParseRecord(it->value(), &c)) return Corruption("corrupt commit record");
    CommitOperation op = CommitOperation::kCommit;
    if (c.kind() == messages::COMMIT_TRUNCATE) op = CommitOperation::kTruncate;
    if (c.kind() == messages::COMMIT_DROP_PARTITION) op = CommitOperation::kDropPartition;
    if (c.kind() == messages::COMMIT_ALTER_SCHEMA) op = CommitOperation::kAlterSchema;
    out.push_back({c.version(), c.committed_at_ms(), c.partition(), c.session_id(), c.rows(),
                   c.upserts(), c.deletes(), op});
  }
  DT_RETURN_IF_ERROR(it->status());
  return out;
}

}  // namespace deltatunnel::storage
