// The writer's memory mode. The caller's thread encodes rows into per-bucket record streams; a
// full bucket, or the biggest buckets when the shared budget is spent, is handed to the send pool.
// Accounting: buffered_ counts the bytes of open streams plus those of streams in flight, so the
// budget also bounds what waits in the pool.
#include <condition_variable>
#include <map>
#include <mutex>

#include "deltatunnel/proto/compression.h"
#include "deltatunnel/proto/record_stream.h"
#include "deltatunnel/proto/row_codec.h"
#include "thread_pool.h"
#include "writer_common.h"

namespace deltatunnel::client {
namespace {

class MemoryWriter final : public UpsertWriter {
 public:
  explicit MemoryWriter(WriterTarget target)
      : t_(std::move(target)), names_(t_.schema), pool_(t_.options.commit_thread_num) {}

  ~MemoryWriter() override {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return in_flight_ == 0; });
  }

  Status Write(std::string_view partition, proto::Row row, proto::RowOp op) override {
    {
      std::lock_guard lock(mu_);
      if (!error_.ok()) return error_;
    }
    DT_ASSIGN_OR_RETURN(std::string spec, names_.Canonical(partition));
    DT_RETURN_IF_ERROR(proto::NormalizeRow(t_.schema, op == proto::RowOp::kDelete, &row));
    DT_ASSIGN_OR_RETURN(Partition * p, Find(spec));
    const uint32_t b = proto::BucketOf(p->session->hasher(), t_.schema, row, p->bucket_count());
    Bucket& bk = p->buckets[b];
    DT_RETURN_IF_ERROR(bk.stream->Write(std::move(row), op));

    std::unique_lock lock(mu_);
    buffered_ += bk.stream->bytes() - bk.accounted;
    bk.accounted = bk.stream->bytes();
    stats_.peak_buffered = std::max(stats_.peak_buffered, buffered_);
    ++stats_.rows;
    if (bk.accounted >= t_.options.bucket_buffer_size) Flush(p, b, lock);
    while (error_.ok() && buffered_ > t_.options.buffer_size) {
      if (!FlushBiggest(lock)) cv_.wait(lock);
    }
    return error_;
  }

  Status Checkpoint() override {
    std::unique_lock lock(mu_);
    for (auto& [spec, p] : partitions_) {
      for (uint32_t b = 0; b < p->bucket_count() && error_.ok(); ++b) {
        if (p->buckets[b].stream->records() > 0) Flush(p.get(), b, lock);
      }
    }
    cv_.wait(lock, [this] { return in_flight_ == 0; });
    if (!error_.ok()) return error_;
    std::vector<UpsertSession*> sessions;
    for (auto& [spec, p] : partitions_) sessions.push_back(p->session.get());
    lock.unlock();
    Status s = CommitAll(t_, sessions);
    lock.lock();
    if (!s.ok()) {
      error_ = s;
      return s;
    }
    stats_.commits += sessions.size();
    partitions_.clear();  // the next rows open new sessions
    return Status::Ok();
  }

  Status Abort() override {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return in_flight_ == 0; });
    Status first;
    for (auto& [spec, p] : partitions_) {
      Status s = p->session->Abort();
      if (first.ok() && !s.ok()) first = s;
    }
    partitions_.clear();
    buffered_ = 0;
    return first;
  }

  WriterStats stats() const override {
    std::lock_guard lock(mu_);
    return stats_;
  }
  const proto::TableSchema& schema() const override { return t_.schema; }

 private:
  struct Bucket {
    std::unique_ptr<proto::RecordStreamWriter> stream;  // touched by the caller's thread only
    uint64_t accounted = 0;                             // its bytes counted in buffered_
    bool in_flight = false;                             // guarded by mu_
  };
  struct Partition {
    std::unique_ptr<UpsertSession> session;
    std::vector<Bucket> buckets;
    int in_flight = 0;  // guarded by mu_
    uint32_t bucket_count() const { return static_cast<uint32_t>(buckets.size()); }
  };

  Result<Partition*> Find(const std::string& spec) {
    auto it = partitions_.find(spec);
    if (it != partitions_.end()) return it->second.get();
    auto p = std::make_unique<Partition>();
    DT_ASSIGN_OR_RETURN(p->session, OpenSession(t_, spec));
    p->buckets.resize(p->session->bucket_count());
    for (auto& b : p->buckets) b.stream = std::make_unique<proto::RecordStreamWriter>(t_.schema);
    std::lock_guard lock(mu_);
    return partitions_.emplace(spec, std::move(p)).first->second.get();
  }

  // Sends the bucket's stream once its previous one is answered (a key's rows stay in order) and
  // the partition has a free flush slot.
  void Flush(Partition* p, uint32_t b, std::unique_lock<std::mutex>& lock) {
    Bucket& bk = p->buckets[b];
    cv_.wait(lock, [&] {
      return !error_.ok() || (!bk.in_flight && p->in_flight < t_.options.flush_concurrent);
    });
    if (!error_.ok() || bk.stream->records() == 0) return;
    const uint64_t records = bk.stream->records();
    auto stream = std::make_shared<std::string>(bk.stream->Finish());
    const uint64_t bytes = stream->size();
    buffered_ += bytes - bk.accounted;
    bk.accounted = 0;
    bk.in_flight = true;
    ++p->in_flight;
    ++in_flight_;
    pool_.Submit([this, p, b, stream, records, bytes] { Send(p, b, stream, records, bytes); });
  }

  void Send(Partition* p, uint32_t b, std::shared_ptr<std::string> stream, uint64_t records,
            uint64_t bytes) {
    Status s;
    std::string body = std::move(*stream);
    if (!t_.content_encoding.empty()) {
      auto compressed = proto::Compress(t_.content_encoding, body);
      if (compressed.ok()) {
        body = std::move(compressed).value();
      } else {
        s = compressed.status();
      }
    }
    if (s.ok()) s = p->session->WriteBucket(b, std::move(body), records, t_.content_encoding);
    std::lock_guard lock(mu_);
    p->buckets[b].in_flight = false;
    --p->in_flight;
    --in_flight_;
    buffered_ -= bytes;
    if (s.ok()) {
      ++stats_.streams_sent;
      stats_.bytes_sent += bytes;
    } else if (error_.ok()) {
      error_ = Status(s.code(), "writing bucket " + std::to_string(b) + " of partition '" +
                                    p->session->partition() + "': " + s.message());
    }
    cv_.notify_all();
  }

  // Sends the biggest bucket that can go now; false when none can (the caller waits).
  bool FlushBiggest(std::unique_lock<std::mutex>& lock) {
    Partition* best = nullptr;
    uint32_t best_b = 0;
    uint64_t best_bytes = 0;
    for (auto& [spec, p] : partitions_) {
      if (p->in_flight >= t_.options.flush_concurrent) continue;
      for (uint32_t b = 0; b < p->bucket_count(); ++b) {
        const Bucket& bk = p->buckets[b];
        if (!bk.in_flight && bk.accounted > best_bytes) {
          best = p.get();
          best_b = b;
          best_bytes = bk.accounted;
        }
      }
    }
    if (best == nullptr) return false;
    Flush(best, best_b, lock);
    return true;
  }

  WriterTarget t_;
  PartitionNames names_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  // Keyed by canonical spec. Changed only by the caller's thread; senders hold Partition pointers,
  // which stay valid until Checkpoint/Abort, which first wait for every send.
  std::map<std::string, std::unique_ptr<Partition>> partitions_;
  uint64_t buffered_ = 0;  // guarded by mu_
  int in_flight_ = 0;      // guarded by mu_
  Status error_;           // guarded by mu_: the first failed send
  WriterStats stats_;      // guarded by mu_
  ThreadPool pool_;        // last: its threads stop before the members they use
};

}  // namespace

std::unique_ptr<UpsertWriter> MakeMemoryWriter(WriterTarget target) {
  return std::make_unique<MemoryWriter>(std::move(target));
}

}  // namespace deltatunnel::client
