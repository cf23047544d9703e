// The writer's memory mode. The caller's thread encodes rows into per-bucket record streams; a
// full bucket, or the biggest buckets when the shared budget is spent, is finished into a stream
// that waits in its partition's queue until the bucket's previous stream is answered (a key's rows
// stay in order) and the partition has a free flush slot; then it goes to the send pool. The caller
// only waits when the budget is spent, so encoding goes on while streams are sent. A stream also
// goes before it is full, from a quarter of the bucket buffer, when its partition has a flush slot
// that nothing waits for (SendEarly): the server works while buckets fill.
// Accounting: the budget counts what the buffers hold, their capacity: the open streams' (caller
// thread only, open_bytes_), plus the queued, in-flight and spare ones' (queued_bytes_). A sent
// stream's buffer is kept as a spare (at most kSpareBuffers) for the next stream a bucket starts:
// a fresh 1 MiB buffer costs page faults, and its free a munmap, on every stream. Spares are
// freed first when the budget is spent. The caller's thread takes mu_ only when a stream is
// finished, when an early send is tried (at most once a quarter of a bucket buffer, per bucket),
// when the budget is spent, and at checkpoints; per row it touches no lock.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>

#include "deltatunnel/proto/compression.h"
#include "deltatunnel/proto/record_stream.h"
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
    stopped_ = true;  // queued streams are dropped, like open ones
    cv_.wait(lock, [this] { return in_flight_ == 0; });
  }

  Status WriteNormal(std::string_view partition, const proto::Row& row, proto::RowOp op) override {
    if (failed_.load(std::memory_order_acquire)) return FirstError();
    // Rows mostly come in runs of one partition: its spec is made canonical and looked up once.
    const bool same = last_partition_ != nullptr && partition == last_spec_;
    std::string spec;
    if (!same) {
      DT_ASSIGN_OR_RETURN(spec, names_.Canonical(partition));
    }
    Partition* p = last_partition_;
    if (!same) {
      DT_ASSIGN_OR_RETURN(p, Find(spec));
      last_spec_.assign(partition);
      last_partition_ = p;
    }
    const uint32_t b = proto::BucketOf(p->session->hasher(), t_.schema, row, p->bucket_count());
    Bucket& bk = p->buckets[b];
    bk.stream->WriteNormalized(row, op);

    const uint64_t size = bk.stream->bytes();
    const uint64_t capacity = bk.stream->capacity();
    open_bytes_ += capacity - bk.held;
    bk.held = capacity;
    rows_.store(rows_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    if (size >= t_.options.bucket_buffer_size) {
      Pending s = Take(p, b);
      std::lock_guard lock(mu_);
      Queue(p, std::move(s));
      GiveSpare(bk);
    } else if (size >= bk.next_early && p->free_slots.load(std::memory_order_relaxed) > 0) {
      SendEarly(p, b);
    }
    const uint64_t used = open_bytes_ + queued_bytes_.load(std::memory_order_relaxed);
    if (used > peak_.load(std::memory_order_relaxed)) {
      peak_.store(used, std::memory_order_relaxed);
    }
    if (used > t_.options.buffer_size) {
      std::unique_lock lock(mu_);
      while (error_.ok() && open_bytes_ + queued_bytes_.load() > t_.options.buffer_size) {
        if (!spare_.empty()) {
          DropSpares();
        } else if (!FlushBiggest()) {
          cv_.wait(lock);
        }
      }
      return error_;
    }
    if (failed_.load(std::memory_order_acquire)) return FirstError();
    return Status::Ok();
  }

  Status Checkpoint() override {
    if (failed_.load(std::memory_order_acquire)) return FirstError();
    for (auto& [spec, p] : partitions_) {
      for (uint32_t b = 0; b < p->bucket_count(); ++b) {
        if (p->buckets[b].stream->records() == 0) continue;
        Pending s = Take(p.get(), b);
        std::lock_guard lock(mu_);
        Queue(p.get(), std::move(s));
      }
    }
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return in_flight_ == 0 && (queued_ == 0 || !error_.ok()); });
    if (!error_.ok()) return error_;
    std::vector<UpsertSession*> sessions;
    for (auto& [spec, p] : partitions_) sessions.push_back(p->session.get());
    lock.unlock();
    Status s = CommitAll(t_, sessions);
    lock.lock();
    if (!s.ok()) {
      SetError(s);
      return s;
    }
    stats_.commits += sessions.size();
    ClearPartitions();  // the next rows open new sessions
    return Status::Ok();
  }

  Status Abort() override {
    std::unique_lock lock(mu_);
    stopped_ = true;  // what is queued is dropped
    cv_.wait(lock, [this] { return in_flight_ == 0; });
    Status first;
    for (auto& [spec, p] : partitions_) {
      Status s = p->session->Abort();
      if (first.ok() && !s.ok()) first = s;
    }
    ClearPartitions();
    stopped_ = false;
    return first;
  }

  WriterStats stats() const override {
    std::lock_guard lock(mu_);
    WriterStats s = stats_;
    s.rows = rows_.load(std::memory_order_relaxed);
    s.peak_buffered = peak_.load(std::memory_order_relaxed);
    return s;
  }
  const proto::TableSchema& schema() const override { return t_.schema; }

 private:
  struct Bucket {
    // Touched by the caller's thread only.
    std::unique_ptr<proto::RecordStreamWriter> stream;
    uint64_t held = 0;        // the open stream's buffer capacity, as counted in open_bytes_
    uint64_t next_early = 0;  // the open stream's size at which SendEarly is tried (next)
    // Guarded by mu_.
    bool in_flight = false;  // one stream of a bucket at a time
    int queued = 0;          // its streams in the partition's queue
  };
  // A finished stream, queued or in flight.
  struct Pending {
    uint32_t bucket = 0;
    uint64_t records = 0;
    uint64_t bytes = 0;  // the stream's size
    uint64_t held = 0;   // its buffer's capacity, counted in queued_bytes_
    std::string data;
  };
  struct Partition {
    std::unique_ptr<UpsertSession> session;
    std::vector<Bucket> buckets;
    int in_flight = 0;  // guarded by mu_
    // flush_concurrent - in_flight, set under mu_; the caller's thread reads it without, to decide
    // whether to try SendEarly.
    std::atomic<int> free_slots{0};
    std::deque<Pending> queue;  // guarded by mu_: in the order the streams were finished
    uint32_t bucket_count() const { return static_cast<uint32_t>(buckets.size()); }
  };

  Status FirstError() const {
    std::lock_guard lock(mu_);
    return error_;
  }

  void SetError(Status s) {  // mu_ held
    if (!error_.ok()) return;
    error_ = std::move(s);
    failed_.store(true, std::memory_order_release);
  }

  Result<Partition*> Find(const std::string& spec) {
    auto it = partitions_.find(spec);
    if (it != partitions_.end()) return it->second.get();
    auto p = std::make_unique<Partition>();
    DT_ASSIGN_OR_RETURN(p->session, OpenSession(t_, spec));
    p->buckets.resize(p->session->bucket_count());
    for (auto& b : p->buckets) {
      b.stream = std::make_unique<proto::RecordStreamWriter>(t_.schema);
      b.next_early = EarlyBytes();
    }
    p->free_slots.store(t_.options.flush_concurrent, std::memory_order_relaxed);
    std::lock_guard lock(mu_);
    return partitions_.emplace(spec, std::move(p)).first->second.get();
  }

  // Caller's thread: finishes the bucket's open stream, which stops counting in open_bytes_.
  Pending Take(Partition* p, uint32_t b) {
    Bucket& bk = p->buckets[b];
    Pending s;
    s.bucket = b;
    s.records = bk.stream->records();
    s.data = bk.stream->Finish();
    s.bytes = s.data.size();
    s.held = s.data.capacity();
    open_bytes_ -= bk.held;
    bk.held = 0;
    bk.next_early = EarlyBytes();
    return s;
  }

  // mu_ held: queues a finished stream (counted in queued_bytes_ from now on) and sends what can
  // go.
  void Queue(Partition* p, Pending s) {
    queued_bytes_.fetch_add(s.held);
    ++queued_;
    ++p->buckets[s.bucket].queued;
    p->queue.push_back(std::move(s));
    Pump(p);
  }

  // mu_ held: sends the partition's oldest queued streams whose buckets have none in flight, while
  // it has free flush slots.
  void Pump(Partition* p) {
    if (!error_.ok() || stopped_) return;
    for (auto it = p->queue.begin();
         it != p->queue.end() && p->in_flight < t_.options.flush_concurrent;) {
      Bucket& bk = p->buckets[it->bucket];
      if (bk.in_flight) {
        ++it;
        continue;
      }
      bk.in_flight = true;
      --bk.queued;
      --queued_;
      ++p->in_flight;
      p->free_slots.store(t_.options.flush_concurrent - p->in_flight, std::memory_order_relaxed);
      ++in_flight_;
      auto job = std::make_shared<Pending>(std::move(*it));
      it = p->queue.erase(it);
      pool_.Submit([this, p, job] { Send(p, *job); });
    }
  }

  void Send(Partition* p, Pending& job) {
    const auto started = std::chrono::steady_clock::now();
    Status s;
    std::string compressed;
    std::string_view body = job.data;
    if (!t_.content_encoding.empty()) {
      auto c = proto::Compress(t_.content_encoding, job.data);
      if (c.ok()) {
        compressed = std::move(c).value();
        body = compressed;
      } else {
        s = c.status();
      }
    }
    if (s.ok()) s = p->session->WriteBucket(job.bucket, body, job.records, t_.content_encoding);
    compressed = std::string();
    bool keep = false;  // the buffer becomes a spare
    {
      std::lock_guard lock(mu_);
      keep = spare_.size() + spares_coming_ < kSpareBuffers && !stopped_;
      if (keep) ++spares_coming_;
    }
    if (!keep) job.data = std::string();  // freed before it stops counting
    const std::chrono::duration<double> flushed = std::chrono::steady_clock::now() - started;
    std::lock_guard lock(mu_);
    stats_.flush_seconds += flushed.count();
    p->buckets[job.bucket].in_flight = false;
    --p->in_flight;
    p->free_slots.store(t_.options.flush_concurrent - p->in_flight, std::memory_order_relaxed);
    --in_flight_;
    if (keep) {
      --spares_coming_;
      spare_.push_back(std::move(job.data));  // still counted in queued_bytes_
    } else {
      queued_bytes_.fetch_sub(job.held);
    }
    if (s.ok()) {
      ++stats_.streams_sent;
      stats_.bytes_sent += job.bytes;
    } else {
      SetError(Status(s.code(), "writing bucket " + std::to_string(job.bucket) + " of partition '" +
                                    p->session->partition() + "': " + s.message()));
    }
    Pump(p);
    cv_.notify_all();
  }

  // A stream is sent before it is full when its size reaches a quarter of the bucket buffer and
  // its partition has a flush slot nothing else waits for: a server that would otherwise wait
  // for a bucket to fill (at the start of every checkpoint interval 16 buckets fill together, and
  // nothing went out before ~16 MB were encoded) works while the caller encodes. When the slots
  // are busy, streams are sent full as before.
  uint64_t EarlyBytes() const { return std::max<uint64_t>(t_.options.bucket_buffer_size / 4, 1); }

  // Caller's thread: sends bucket b's open stream now if a flush slot of its partition is free and
  // no queued stream waits for it; else tries again when the stream has grown by another quarter.
  void SendEarly(Partition* p, uint32_t b) {
    Bucket& bk = p->buckets[b];
    std::lock_guard lock(mu_);
    if (error_.ok() && !stopped_ && p->in_flight < t_.options.flush_concurrent &&
        p->queue.empty() && !bk.in_flight && bk.queued == 0) {
      Queue(p, Take(p, b));  // Pump sends it at once
      GiveSpare(bk);
    } else {
      bk.next_early = bk.stream->bytes() + EarlyBytes();
    }
  }

  // mu_ held: sends the biggest open bucket that can go now; false when none can (the caller
  // waits for a send to be answered).
  bool FlushBiggest() {
    Partition* best = nullptr;
    uint32_t best_b = 0;
    uint64_t best_bytes = 0;
    for (auto& [spec, p] : partitions_) {
      if (p->in_flight >= t_.options.flush_concurrent) continue;
      for (uint32_t b = 0; b < p->bucket_count(); ++b) {
        const Bucket& bk = p->buckets[b];
        if (!bk.in_flight && bk.queued == 0 && bk.held > best_bytes) {
          best = p.get();
          best_b = b;
          best_bytes = bk.held;
        }
      }
    }
    if (best == nullptr) return false;
    Queue(best, Take(best, best_b));
    return true;
  }

  // mu_ held, caller's thread: starts the bucket's next stream in a spare buffer, if there is one.
  void GiveSpare(Bucket& bk) {
    if (spare_.empty()) return;
    std::string buffer = std::move(spare_.back());
    spare_.pop_back();
    queued_bytes_.fetch_sub(buffer.capacity());
    bk.stream->Recycle(std::move(buffer));
    const uint64_t capacity = bk.stream->capacity();
    open_bytes_ += capacity - bk.held;
    bk.held = capacity;
  }

  void DropSpares() {  // mu_ held
    for (auto& buffer : spare_) {
      const uint64_t capacity = buffer.capacity();
      buffer = std::string();
      queued_bytes_.fetch_sub(capacity);
    }
    spare_.clear();
  }

  void ClearPartitions() {  // mu_ held, nothing in flight
    partitions_.clear();
    last_partition_ = nullptr;
    last_spec_.clear();
    open_bytes_ = 0;
    DropSpares();
    queued_bytes_.store(0);
    queued_ = 0;
  }

  WriterTarget t_;
  PartitionNames names_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  // Keyed by canonical spec. Changed only by the caller's thread; senders hold Partition pointers,
  // which stay valid until Checkpoint/Abort, which first wait for every send.
  std::map<std::string, std::unique_ptr<Partition>> partitions_;
  // The caller's thread only: the partition of the last row, by the spec the caller gave.
  std::string last_spec_;
  Partition* last_partition_ = nullptr;
  uint64_t open_bytes_ = 0;  // the caller's thread only: capacity of the open streams
  // Written under mu_; the caller's thread reads it without, to decide whether to take the lock.
  std::atomic<uint64_t> queued_bytes_{0};
  // Guarded by mu_: sent streams' buffers for the next streams, and those about to join them.
  static constexpr size_t kSpareBuffers = 4;
  std::vector<std::string> spare_;
  size_t spares_coming_ = 0;
  int queued_ = 0;                   // guarded by mu_: streams in the partitions' queues
  int in_flight_ = 0;                // guarded by mu_
  bool stopped_ = false;             // guarded by mu_: Abort or the destructor drop what is queued
  Status error_;                     // guarded by mu_: the first failed send or commit
  std::atomic<bool> failed_{false};  // error_ is set
  std::atomic<uint64_t> rows_{0};    // written by the caller's thread only
  std::atomic<uint64_t> peak_{0};    // written by the caller's thread only
  WriterStats stats_;  // guarded by mu_: streams_sent, bytes_sent, commits, flush_seconds
  ThreadPool pool_;    // last: its threads stop before the members they use
};

}  // namespace

std::unique_ptr<UpsertWriter> MakeMemoryWriter(WriterTarget target) {
  return std::make_unique<MemoryWriter>(std::move(target));
}

}  // namespace deltatunnel::client
