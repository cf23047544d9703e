#include "store/cluster/cluster_store.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <thread>

namespace deltatunnel::storage::cluster {
namespace {

// A footer and, for all but huge runs, the whole index in one request.
constexpr uint64_t kTailBytes = 64 << 10;

Status In(std::string_view what, const Status& st) {
  if (st.ok()) return st;
  return Status(st.code(), fmt::format("{}: {}", what, st.message()));
}

class ClusterBatch final : public StoreBatch {
 public:
  void Put(std::string_view key, std::string_view value) override {
    records.Put(key, value);
    Count(key.size() + value.size());
  }
  void Delete(std::string_view key) override {
    records.Delete(key);
    Count(key.size());
  }
  void DeleteRange(std::string_view begin, std::string_view end) override {
    records.DeleteRange(begin, end);
    Count(begin.size() + end.size());
  }
  void DeleteAll(std::string_view prefix, const std::vector<std::string>& /*keys*/) override {
    DeleteRange(prefix, PrefixEnd(prefix));
  }
  void PutChunk(uint64_t run_id, std::string_view last_key, std::string_view chunk) override {
    runs[run_id].emplace_back(last_key, chunk);
    Count(8 + last_key.size() + chunk.size());
  }
  void DropRuns(uint64_t first_run_id, uint64_t end_run_id) override {
    drops.emplace_back(first_run_id, end_run_id);
    Count(16);
  }
  size_t Count() const override { return count_; }
  size_t ByteSize() const override { return bytes_; }

  RecordChanges records;
  ClusterStore::RunChunks runs;
  RunRanges drops;

 private:
  void Count(size_t bytes) {
    ++count_;
    bytes_ += bytes;
  }
  size_t count_ = 0;
  size_t bytes_ = 0;
};

class VectorIterator final : public RecordIterator {
 public:
  explicit VectorIterator(Status status) : status_(std::move(status)) {}
  explicit VectorIterator(std::vector<std::pair<std::string, std::string>> records)
      : records_(std::move(records)) {}
  bool Valid() const override { return status_.ok() && pos_ < records_.size(); }
  std::string_view key() const override { return records_[pos_].first; }
  std::string_view value() const override { return records_[pos_].second; }
  void Next() override { ++pos_; }
  Status status() const override { return status_; }

 private:
  std::vector<std::pair<std::string, std::string>> records_;
  size_t pos_ = 0;
  Status status_;
};

class ClusterChunkCursor final : public ChunkCursor {
 public:
  ClusterChunkCursor(ClusterStore* store, std::optional<uint64_t> one_run)
      : store_(store), one_run_(one_run) {}

  Status Seek(uint64_t run_id, std::string_view key) override {
    valid_ = false;
    index_.reset();
    if (one_run_ && run_id != *one_run_) return Status::Ok();
    DT_ASSIGN_OR_RETURN(index_, store_->IndexOf(run_id));
    if (!index_) return Status::Ok();
    if (run_id != run_id_) buffer_.clear();
    run_id_ = run_id;
    pos_ = index_->Find(key);
    return Load();
  }
  Status Next() override {
    if (!valid_) return Status::Ok();
    ++pos_;
    return Load();
  }
  bool Valid() const override { return valid_; }
  std::string_view chunk() const override { return chunk_; }

 private:
  Status Load() {
    valid_ = false;
    if (pos_ >= index_->chunks.size()) return Status::Ok();
    const RunIndex::Chunk& c = index_->chunks[pos_];
    if (!one_run_) return LoadCached(c);
    if (c.offset < buffer_offset_ || c.offset + c.size > buffer_offset_ + buffer_.size()) {
      // A run read through (one run's cursor) reads ahead whole chunks; a lookup, one chunk.
      uint64_t length = c.size;
      for (size_t i = pos_ + 1; i < index_->chunks.size() && length + index_->chunks[i].size <=
                                                                 store_->options().read_ahead_bytes;
           ++i) {
        length += index_->chunks[i].size;
      }
      buffer_.clear();
      DT_ASSIGN_OR_RETURN(buffer_, ReadRun(c.offset, length));
      buffer_offset_ = c.offset;
    }
    chunk_ = std::string_view(buffer_).substr(c.offset - buffer_offset_, c.size);
    valid_ = true;
    return Status::Ok();
  }

  // `length` bytes of run_id_'s object from `offset`, all of them or Corruption.
  Result<std::string> ReadRun(uint64_t offset, uint64_t length) {
    DT_ASSIGN_OR_RETURN(std::string bytes,
                        store_->objects().Read(store_->RunName(run_id_), offset, length));
    if (bytes.size() != length) {
      return Corruption(fmt::format("run {} is shorter than its index says", run_id_));
    }
    return bytes;
  }

  // A lookup's chunk: from the node's cache, else read alone and kept there.
  Status LoadCached(const RunIndex::Chunk& c) {
    ChunkCache& cache = store_->chunk_cache();
    held_ = cache.Get(run_id_, c.offset);
    if (!held_) {
      DT_ASSIGN_OR_RETURN(std::string bytes, ReadRun(c.offset, c.size));
      held_ = std::make_shared<const std::string>(std::move(bytes));
      cache.Put(run_id_, c.offset, held_);
    }
    chunk_ = *held_;
    valid_ = true;
    return Status::Ok();
  }

  ClusterStore* store_;
  std::optional<uint64_t> one_run_;
  std::shared_ptr<const RunIndex> index_;
  uint64_t run_id_ = 0;
  size_t pos_ = 0;
  std::string buffer_;  // bytes of run_id_'s object from buffer_offset_ (one run read through)
  std::shared_ptr<const std::string> held_;  // a lookup's chunk, shared with the cache
  uint64_t buffer_offset_ = 0;
  std::string_view chunk_;
  bool valid_ = false;
};

class ClusterBulkWriter final : public BulkWriter {
 public:
  ClusterBulkWriter(ClusterStore* store, std::string name)
      : store_(store), name_(std::move(name)) {}
  ~ClusterBulkWriter() override {
    if (!keep_) (void)store_->DeleteRuns(written_);
  }

  Status PutChunk(uint64_t run_id, std::string_view last_key, std::string_view chunk) override {
    if (run_ && (run_id < *run_ || (run_id == *run_ && last_key <= last_key_))) {
      return InvalidArgument(fmt::format("bulk writer {}: chunks out of order", name_));
    }
    if (run_ && run_id != *run_) DT_RETURN_IF_ERROR(FlushRun());
    run_ = run_id;
    last_key_ = last_key;
    builder_.Add(last_key, chunk);
    return Status::Ok();
  }
  Status Put(std::string_view key, std::string_view value) override {
    records_.Put(key, value);
    return Status::Ok();
  }

  // Install: the last run's object, then the records in one transaction.
  Status Finish() {
    DT_RETURN_IF_ERROR(FlushRun());
    if (records_.empty()) {
      keep_ = true;
      return Status::Ok();
    }
    Status st = store_->ApplyRecords(records_, fmt::format("installing {}", name_));
    // Whether a transaction whose answer was lost applied is unknown: its runs stay then.
    keep_ = st.ok() || st.code() == ErrorCode::kServiceUnavailable;
    return st;
  }

 private:
  Status FlushRun() {
    if (!run_ || builder_.empty()) return Status::Ok();
    const uint64_t run_id = *run_;
    written_.emplace_back(run_id, run_id + 1);  // before the put: a put that failed may have landed
    DT_RETURN_IF_ERROR(store_->PutRun(run_id, std::exchange(builder_, {}).Finish(),
                                      fmt::format("writing {}", name_)));
    return Status::Ok();
  }

  ClusterStore* store_;
  std::string name_;
  std::optional<uint64_t> run_;
  std::string last_key_;
  RunObjectBuilder builder_;
  RecordChanges records_;
  RunRanges written_;
  bool keep_ = false;
};

}  // namespace

Result<std::unique_ptr<ClusterStore>> ClusterStore::Open(ClusterStoreOptions options) {
  if (!options.etcd || !options.objects) {
    return InvalidArgument("the cluster store needs etcd and an object store");
  }
  return std::unique_ptr<ClusterStore>(new ClusterStore(std::move(options)));
}

std::string ClusterStore::RecordKey(std::string_view key) const {
  std::string out = options_.prefix;
  out += "r/";
  out += key;
  return out;
}

std::string ClusterStore::RunName(uint64_t run_id) const {
  return RunObjectName(options_.prefix + "runs/", run_id);
}

std::unique_ptr<StoreBatch> ClusterStore::NewBatch() { return std::make_unique<ClusterBatch>(); }

Status ClusterStore::Write(StoreBatch& store_batch, Durability /*durability: always synced*/,
                           std::string_view what) {
  auto& batch = static_cast<ClusterBatch&>(store_batch);
  RunRanges written;
  for (const auto& run : batch.runs) written.emplace_back(run.first, run.first + 1);
  if (Status st = PutRuns(batch.runs, what); !st.ok()) {
    (void)DeleteRuns(written);
    return st;
  }
  if (!batch.records.empty()) {
    Status st = ApplyRecords(batch.records, what);
    if (!st.ok()) {
      // Refused: nothing names the runs. Unknown (no answer): they may be named now.
      if (st.code() != ErrorCode::kServiceUnavailable) (void)DeleteRuns(written);
      return st;
    }
  }
  if (!batch.drops.empty()) {
    Status st = DeleteRuns(batch.drops);
    if (!st.ok()) spdlog::warn("{}: runs left in object storage: {}", what, st.ToString());
  }
  return Status::Ok();
}

Status ClusterStore::ApplyRecords(const RecordChanges& records, std::string_view what) {
  const std::vector<RecordChanges::Change> changes = records.Fold();
  std::vector<Op> ops;
  ops.reserve(changes.size());
  size_t bytes = 0;
  for (const auto& c : changes) {
    switch (c.kind) {
      case RecordChanges::Change::Kind::kPut:
        ops.push_back(Op::Put(RecordKey(c.key), c.value));
        break;
      case RecordChanges::Change::Kind::kDelete:
        ops.push_back(Op::Delete(RecordKey(c.key)));
        break;
      case RecordChanges::Change::Kind::kDeleteRange:
        ops.push_back(Op::DeleteRange(RecordKey(c.key), RecordKey(c.end)));
        break;
    }
    // What the request carries: keys and values in base64, and each op's framing.
    bytes +=
        (ops.back().key.size() + ops.back().value.size() + ops.back().range_end.size()) * 4 / 3 +
        64;
  }
  if (ops.size() > options_.max_txn_ops || bytes > options_.max_txn_bytes) {
    return InvalidArgument(fmt::format(
        "{}: {} record changes of about {} bytes are more than one etcd transaction takes ({} "
        "changes, {} bytes: etcd's --max-txn-ops and --max-request-bytes)",
        what, ops.size(), bytes, options_.max_txn_ops, options_.max_txn_bytes));
  }
  std::vector<Compare> compares;
  if (options_.lease) {
    DT_RETURN_IF_ERROR(In(what, options_.lease->Check()));
    compares.push_back(options_.lease->Held());
  }
  auto result = options_.etcd->Txn(compares, ops);
  if (!result.ok()) return In(what, result.status());
  if (!result->succeeded) return In(what, options_.lease->Lost(what));
  return Status::Ok();
}

Status ClusterStore::PutRuns(RunChunks& runs, std::string_view what) {
  std::vector<std::pair<uint64_t, std::vector<std::pair<std::string, std::string>>*>> items;
  items.reserve(runs.size());
  for (auto& [run_id, chunks] : runs) items.emplace_back(run_id, &chunks);
  std::vector<Status> results(items.size());
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < items.size(); i = next++) {
      auto& chunks = *items[i].second;
      std::stable_sort(chunks.begin(), chunks.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
      RunObjectBuilder builder;
      for (const auto& [last_key, chunk] : chunks) builder.Add(last_key, chunk);
      results[i] = PutRun(items[i].first, builder.Finish(), what);
    }
  };
  // A batch of an append holds a run per bucket it touched: their objects go side by side, so
  // the append waits for about one PUT, not one per bucket.
  std::vector<std::thread> helpers;
  const size_t threads = std::min(items.size(), std::max<size_t>(1, options_.parallel_puts));
  for (size_t t = 1; t < threads; ++t) helpers.emplace_back(work);
  work();
  for (auto& h : helpers) h.join();
  for (const Status& st : results) {
    if (!st.ok()) return st;
  }
  return Status::Ok();
}

Status ClusterStore::PutRun(uint64_t run_id, std::string_view object, std::string_view what) {
  return In(what, options_.objects->Put(RunName(run_id), object));
}

Status ClusterStore::DeleteRuns(const RunRanges& runs) {
  Status first;
  for (const auto& [begin, end] : runs) {
    for (uint64_t run_id = begin; run_id < end; ++run_id) {
      Forget(run_id);
      Status st = options_.objects->Delete(RunName(run_id));
      if (!st.ok() && first.ok()) first = st;
    }
  }
  return first;
}

Result<std::optional<std::string>> ClusterStore::Get(std::string_view key) {
  DT_ASSIGN_OR_RETURN(std::optional<KeyValue> kv, options_.etcd->Get(RecordKey(key)));
  if (!kv) return std::optional<std::string>();
  return std::optional<std::string>(std::move(kv->value));
}

std::unique_ptr<RecordIterator> ClusterStore::Scan(std::string_view prefix) {
  auto kvs = options_.etcd->RangePrefix(RecordKey(prefix));
  if (!kvs.ok()) return std::make_unique<VectorIterator>(kvs.status());
  return Records(std::move(kvs).value(), RecordKey(prefix), /*backward=*/false);
}

std::unique_ptr<RecordIterator> ClusterStore::ScanBackward(std::string_view prefix,
                                                           std::string_view from) {
  const std::string begin = RecordKey(prefix);
  const std::string end = RecordKey(from) + '\0';  // `from` itself included
  if (end <= begin) return Records({}, begin, /*backward=*/true);
  auto kvs = options_.etcd->Range(begin, end);
  if (!kvs.ok()) return std::make_unique<VectorIterator>(kvs.status());
  return Records(std::move(kvs).value(), begin, /*backward=*/true);
}

std::unique_ptr<RecordIterator> ClusterStore::Records(std::vector<KeyValue> kvs,
                                                      std::string_view etcd_prefix,
                                                      bool backward) const {
  if (backward) std::reverse(kvs.begin(), kvs.end());
  const size_t strip = RecordKey("").size();
  std::vector<std::pair<std::string, std::string>> records;
  records.reserve(kvs.size());
  for (KeyValue& kv : kvs) {
    // A backward range runs from the prefix to `from`, past keys outside the prefix.
    if (!kv.key.starts_with(etcd_prefix)) continue;
    records.emplace_back(kv.key.substr(strip), std::move(kv.value));
  }
  return std::make_unique<VectorIterator>(std::move(records));
}

std::unique_ptr<ChunkCursor> ClusterStore::NewChunkCursor(std::optional<uint64_t> one_run) {
  return std::make_unique<ClusterChunkCursor>(this, one_run);
}

Result<std::unique_ptr<BulkWriter>> ClusterStore::NewBulkWriter(std::string_view name) {
  return std::unique_ptr<BulkWriter>(std::make_unique<ClusterBulkWriter>(this, std::string(name)));
}

Status ClusterStore::Install(BulkWriter& writer) {
  return static_cast<ClusterBulkWriter&>(writer).Finish();
}

Status ClusterStore::FreeRuns(const RunRanges& runs) {
  if (stopping_) return Status(ErrorCode::kBusy, "the store is closing");
  if (options_.lease) DT_RETURN_IF_ERROR(options_.lease->Check());
  return DeleteRuns(runs);
}

StoreStats ClusterStore::Stats() {
  // The bytes of runs would take a listing of the bucket; object storage reports them itself.
  StoreStats st;
  const ChunkCacheStats cache = chunk_cache_.Stats();
  st.chunk_cache_hits = cache.hits;
  st.chunk_cache_misses = cache.misses;
  st.chunk_cache_bytes = cache.bytes;
  return st;
}

Result<std::shared_ptr<const RunIndex>> ClusterStore::IndexOf(uint64_t run_id) {
  {
    MutexLock lock(&index_mu_);
    auto it = indexes_.find(run_id);
    if (it != indexes_.end()) return it->second;
  }
  const std::string name = RunName(run_id);
  auto tail = options_.objects->ReadTail(name, kTailBytes);
  if (!tail.ok() && tail.status().code() == ErrorCode::kNoSuchObject) {
    return std::shared_ptr<const RunIndex>();
  }
  if (!tail.ok()) return tail.status();
  const std::string_view bytes = tail->bytes;
  if (bytes.size() < kRunObjectFooterBytes)
    return Corruption(fmt::format("run {}: no footer", run_id));
  DT_ASSIGN_OR_RETURN(
      uint64_t index_size,
      ParseRunFooter(bytes.substr(bytes.size() - kRunObjectFooterBytes), tail->size));
  std::string index;
  if (index_size + kRunObjectFooterBytes <= bytes.size()) {
    index = bytes.substr(bytes.size() - kRunObjectFooterBytes - index_size, index_size);
  } else {
    DT_ASSIGN_OR_RETURN(
        index,
        options_.objects->Read(name, tail->size - kRunObjectFooterBytes - index_size, index_size));
  }
  auto parsed = ParseRunIndex(index, tail->size);
  if (!parsed.ok()) return In(fmt::format("run {}", run_id), parsed.status());
  auto shared = std::make_shared<const RunIndex>(std::move(parsed).value());
  MutexLock lock(&index_mu_);
  if (indexes_.emplace(run_id, shared).second) index_order_.push_back(run_id);
  // Forgotten runs leave their ids in index_order_: it is trimmed to twice the cache.
  while ((indexes_.size() > options_.cached_run_indexes ||
          index_order_.size() > 2 * options_.cached_run_indexes) &&
         !index_order_.empty()) {
    indexes_.erase(index_order_.front());
    index_order_.pop_front();
  }
  return std::shared_ptr<const RunIndex>(shared);
}

void ClusterStore::Forget(uint64_t run_id) {
  chunk_cache_.ForgetRuns(run_id, run_id + 1);
  MutexLock lock(&index_mu_);
  indexes_.erase(run_id);  // its place in index_order_ goes when it comes to the front
}

}  // namespace deltatunnel::storage::cluster
