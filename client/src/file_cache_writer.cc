// The writer's file-cache mode. Rows are encoded into a small staging string per partition and
// spilled to the partition's file (row_file.h); a file over rolling_max_size is rolled and
// uploaded in the background; a checkpoint rolls every file, uploads them all with
// file_cached_writer_num uploaders, then commits. Memory: staging is held under a quarter of
// buffer_size, and each uploader keeps its buckets' streams within an equal share of half of it,
// whatever the number of partitions.
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>

#include "deltatunnel/proto/compression.h"
#include "deltatunnel/proto/record_stream.h"
#include "row_file.h"
#include "thread_pool.h"
#include "writer_common.h"

namespace deltatunnel::client {
namespace {

constexpr size_t kReadBuffer = 256 * 1024;

class FileCacheWriter final : public UpsertWriter {
 public:
  FileCacheWriter(WriterTarget target, std::string dir, bool own_dir)
      : t_(std::move(target)),
        names_(t_.schema),
        dir_(std::move(dir)),
        own_dir_(own_dir),
        pool_(t_.options.file_cached_writer_num) {
    stage_budget_ = std::max<uint64_t>(t_.options.buffer_size / 4, 4096);
    upload_budget_ = std::max<uint64_t>(
        t_.options.buffer_size / 2 / static_cast<uint64_t>(t_.options.file_cached_writer_num),
        64 * 1024);
  }

  ~FileCacheWriter() override {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return uploading_ == 0; });
    }
    std::error_code ec;
    if (own_dir_) std::filesystem::remove_all(dir_, ec);
  }

  Status WriteNormal(std::string_view partition, const proto::Row& row, proto::RowOp op) override {
    {
      std::lock_guard lock(mu_);
      if (!error_.ok()) return error_;
    }
    DT_ASSIGN_OR_RETURN(std::string spec, names_.Canonical(partition));
    Partition* p = Find(spec);
    const size_t before = p->staged.size();
    AppendRowEntry(t_.schema, row, op, &p->staged);
    staged_ += p->staged.size() - before;
    ++rows_;
    peak_staged_ = std::max(peak_staged_, staged_);
    // A partition spills once its staging is a fair share of the budget; all spill when it is
    // spent.
    if (p->staged.size() >= std::min<uint64_t>(stage_budget_ / 8, 1 << 20)) {
      DT_RETURN_IF_ERROR(Spill(p));
    }
    if (staged_ > stage_budget_) {
      for (auto& [s, q] : partitions_) DT_RETURN_IF_ERROR(Spill(q.get()));
    }
    return Status::Ok();
  }

  Status Checkpoint() override {
    for (auto& [s, p] : partitions_) {
      DT_RETURN_IF_ERROR(Spill(p.get()));
      Roll(p.get());
    }
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return uploading_ == 0; });
    if (!error_.ok()) return error_;
    std::vector<UpsertSession*> sessions;
    for (auto& [s, p] : partitions_) {
      if (p->session) sessions.push_back(p->session.get());
    }
    lock.unlock();
    Status s = CommitAll(t_, sessions);
    lock.lock();
    if (!s.ok()) {
      error_ = s;
      return s;
    }
    commits_ += sessions.size();
    partitions_.clear();
    return Status::Ok();
  }

  Status Abort() override {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return uploading_ == 0; });
    Status first;
    for (auto& [s, p] : partitions_) {
      for (const auto& f : p->ready) ::unlink(f.c_str());
      ::unlink(p->CurrentPath().c_str());
      if (!p->session) continue;
      Status a = p->session->Abort();
      if (first.ok() && !a.ok()) first = a;
    }
    partitions_.clear();
    staged_ = 0;
    return first;
  }

  WriterStats stats() const override {
    std::lock_guard lock(mu_);
    WriterStats s;
    s.rows = rows_;
    s.streams_sent = streams_sent_;
    s.bytes_sent = bytes_sent_;
    s.commits = commits_;
    s.peak_buffered = peak_staged_;
    s.flush_seconds = flush_seconds_;
    return s;
  }
  const proto::TableSchema& schema() const override { return t_.schema; }

 private:
  struct Partition {
    std::string spec;
    std::string base;                        // path prefix of its files
    int seq = 0;                             // the current file's number
    std::string staged;                      // caller's thread only
    uint64_t file_bytes = 0;                 // of the current file; caller's thread only
    std::deque<std::string> ready;           // rolled files waiting for upload; guarded by mu_
    bool uploading = false;                  // guarded by mu_
    std::unique_ptr<UpsertSession> session;  // the uploader's while uploading
    std::string CurrentPath() const { return base + "." + std::to_string(seq); }
  };

  Partition* Find(const std::string& spec) {
    auto it = partitions_.find(spec);
    if (it != partitions_.end()) return it->second.get();
    auto p = std::make_unique<Partition>();
    p->spec = spec;
    p->base = dir_ + "/p" + std::to_string(next_partition_id_++);
    std::lock_guard lock(mu_);
    return partitions_.emplace(spec, std::move(p)).first->second.get();
  }

  Status Spill(Partition* p) {
    if (p->staged.empty()) return Status::Ok();
    DT_RETURN_IF_ERROR(AppendToFile(p->CurrentPath(), p->staged));
    p->file_bytes += p->staged.size();
    staged_ -= p->staged.size();
    p->staged.clear();
    p->staged.shrink_to_fit();  // thousands of partitions: idle ones hold nothing
    if (p->file_bytes >= t_.options.file_cached_rolling_max_size) Roll(p);
    return Status::Ok();
  }

  // Closes the current file and queues it; one uploader per partition keeps its files in order.
  void Roll(Partition* p) {
    if (p->file_bytes == 0) return;
    std::lock_guard lock(mu_);
    p->ready.push_back(p->CurrentPath());
    ++p->seq;
    p->file_bytes = 0;
    if (p->uploading) return;
    p->uploading = true;
    ++uploading_;
    pool_.Submit([this, p] { Upload(p); });
  }

  void Upload(Partition* p) {
    for (;;) {
      std::string path;
      {
        std::lock_guard lock(mu_);
        if (p->ready.empty() || !error_.ok()) {
          p->uploading = false;
          --uploading_;
          cv_.notify_all();
          return;
        }
        path = p->ready.front();
        p->ready.pop_front();
      }
      Status s = UploadFile(p, path);
      ::unlink(path.c_str());
      if (!s.ok()) {
        std::lock_guard lock(mu_);
        if (error_.ok()) {
          error_ = Status(s.code(), "uploading partition '" + p->spec + "': " + s.message());
        }
      }
    }
  }

  Status UploadFile(Partition* p, const std::string& path) {
    if (!p->session) {
      DT_ASSIGN_OR_RETURN(p->session, OpenSession(t_, p->spec));
    }
    const uint32_t buckets = p->session->bucket_count();
    const uint64_t per_bucket = std::clamp<uint64_t>(
        upload_budget_ / std::max<uint32_t>(buckets, 1), 4096, t_.options.bucket_buffer_size);
    std::vector<std::unique_ptr<proto::RecordStreamWriter>> streams(buckets);
    RowFileReader reader(t_.schema, kReadBuffer);
    DT_RETURN_IF_ERROR(reader.Open(path));
    proto::Row row;
    proto::RowOp op;
    for (;;) {
      DT_ASSIGN_OR_RETURN(bool more, reader.Next(&row, &op));
      if (!more) break;
      const uint32_t b = proto::BucketOf(p->session->hasher(), t_.schema, row, buckets);
      if (!streams[b]) streams[b] = std::make_unique<proto::RecordStreamWriter>(t_.schema);
      streams[b]->WriteNormalized(row, op);  // normalised by Write before it was staged
      if (streams[b]->bytes() >= per_bucket) DT_RETURN_IF_ERROR(Send(p, b, streams[b].get()));
    }
    for (uint32_t b = 0; b < buckets; ++b) {
      if (streams[b] && streams[b]->records() > 0) DT_RETURN_IF_ERROR(Send(p, b, streams[b].get()));
    }
    return Status::Ok();
  }

  Status Send(Partition* p, uint32_t b, proto::RecordStreamWriter* stream) {
    const auto started = std::chrono::steady_clock::now();
    const uint64_t records = stream->records();
    std::string body = stream->Finish();
    const uint64_t bytes = body.size();
    if (!t_.content_encoding.empty()) {
      DT_ASSIGN_OR_RETURN(body, proto::Compress(t_.content_encoding, body));
    }
    DT_RETURN_IF_ERROR(p->session->WriteBucket(b, std::move(body), records, t_.content_encoding));
    const std::chrono::duration<double> flushed = std::chrono::steady_clock::now() - started;
    std::lock_guard lock(mu_);
    flush_seconds_ += flushed.count();
    ++streams_sent_;
    bytes_sent_ += bytes;
    return Status::Ok();
  }

  WriterTarget t_;
  PartitionNames names_;
  std::string dir_;
  bool own_dir_;
  uint64_t stage_budget_ = 0;
  uint64_t upload_budget_ = 0;
  // Changed by the caller's thread only; uploaders hold Partition pointers, valid until
  // Checkpoint/Abort, which first wait for every upload.
  std::map<std::string, std::unique_ptr<Partition>> partitions_;
  uint64_t next_partition_id_ = 0;
  uint64_t staged_ = 0, peak_staged_ = 0, rows_ = 0;  // caller's thread (read by stats())
  mutable std::mutex mu_;
  std::condition_variable cv_;
  int uploading_ = 0;                                         // guarded by mu_
  Status error_;                                              // guarded by mu_
  uint64_t streams_sent_ = 0, bytes_sent_ = 0, commits_ = 0;  // guarded by mu_
  double flush_seconds_ = 0;                                  // guarded by mu_
  ThreadPool pool_;                                           // last: its threads stop first
};

}  // namespace

Result<std::unique_ptr<UpsertWriter>> MakeFileCacheWriter(WriterTarget target) {
  // A fresh directory of its own under sink.file-cached.dir (or $TMPDIR), so writers never share
  // files.
  std::string base = target.options.file_cached_dir;
  if (base.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    base = tmp && *tmp ? tmp : "/tmp";
  }
  std::error_code ec;
  std::filesystem::create_directories(base, ec);
  if (ec) return InvalidArgument("sink.file-cached.dir '" + base + "': " + ec.message());
  std::string dir = base + "/deltatunnel-cache-XXXXXX";
  if (::mkdtemp(dir.data()) == nullptr) {
    return InvalidArgument("sink.file-cached.dir '" + base + "': cannot create a directory there");
  }
  const bool own = true;
  return std::unique_ptr<UpsertWriter>(
      std::make_unique<FileCacheWriter>(std::move(target), std::move(dir), own));
}

}  // namespace deltatunnel::client
