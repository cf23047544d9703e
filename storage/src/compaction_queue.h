// The compactor's scheduling: a queue of major compaction requests and the worker threads that run
// them (EngineOptions::compaction_threads). The compaction itself is the engine's
// (engine_compact.cc); this file only decides who runs what, when:
//
//  - A request covers one partition or every partition of a table. A request for something
//    already queued or running answers the existing one (api.md section 5).
//  - Fair across tables: each table has its own FIFO of requests, and workers take the tables in
//    turn (round robin), so a table with a long backlog cannot starve the others.
//  - One worker per partition at a time: a request whose partitions overlap one being compacted
//    waits while workers take other tables' requests.
//  - Finished requests stay listed (newest first, the last kHistory) for GET /api/v1/compactions.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "deltatunnel/proto/status.h"
#include "deltatunnel/storage/types.h"
#include "mutex.h"

namespace deltatunnel::storage {

// What one partition's compaction did.
struct CompactionCounts {
  uint64_t input_rows = 0;
  uint64_t input_bytes = 0;
  uint64_t output_rows = 0;
  uint64_t output_bytes = 0;
};

class CompactionQueue {
 public:
  // Compacts one partition on a worker thread.
  using RunFn = std::function<Status(uint64_t table_id, const std::string& canonical,
                                     CompactionCounts* counts)>;
  // Workers run at `nice` (0..19, lower priority than the caller's threads).
  CompactionQueue(uint32_t threads, uint32_t nice, RunFn run, std::function<int64_t()> now_ms,
                  std::function<std::string()> new_id);
  ~CompactionQueue();  // Stop()
  CompactionQueue(const CompactionQueue&) = delete;
  CompactionQueue& operator=(const CompactionQueue&) = delete;

  // Lets the partition in progress finish, drops what is queued, joins the workers.
  void Stop();

  // Queues a request (see the top of the file). `partitions`: the canonical specs it covers;
  // `partition` absent means the whole table.
  CompactionInfo Enqueue(uint64_t table_id, const std::string& project, const std::string& table,
                         const std::optional<std::string>& partition,
                         std::vector<std::string> partitions, bool automatic);
  // Forgets the queued requests of a dropped table.
  void DropTable(uint64_t table_id);

  std::vector<CompactionInfo> List() const;
  void WaitIdle();
  // The queue's part of the stats: done, failed, rows and bytes, seconds, queued, running.
  CompactionStats Stats() const;

 private:
  static constexpr size_t kHistory = 100;
  struct Job {
    CompactionInfo info;  // changed under the queue's mu_
    uint64_t table_id = 0;
    std::vector<std::string> partitions;
  };
  using JobPtr = std::shared_ptr<Job>;

  void Worker(uint32_t nice) EXCLUDES(mu_);
  // The next job no running partition conflicts with, taken off the queue; null if none.
  JobPtr TakeLocked() REQUIRES(mu_);
  bool ConflictsLocked(const Job& job) const REQUIRES(mu_);
  // A queued (or, with include_running, running) job of the table covering `partition` (absent:
  // the whole table).
  JobPtr FindLocked(uint64_t table_id, const std::optional<std::string>& partition,
                    bool include_running) const REQUIRES(mu_);

  RunFn run_;
  std::function<int64_t()> now_ms_;
  std::function<std::string()> new_id_;

  mutable Mutex mu_;
  CondVar work_cv_;  // with mu_: a job was queued, or its partitions are free again
  CondVar idle_cv_;  // with mu_: a job ended or was dropped
  bool stopping_ GUARDED_BY(mu_) = false;
  std::map<uint64_t, std::deque<JobPtr>> queued_ GUARDED_BY(mu_);  // by table
  std::deque<uint64_t> turn_ GUARDED_BY(mu_);  // tables with queued jobs, next first
  std::vector<JobPtr> running_ GUARDED_BY(mu_);
  std::set<std::pair<uint64_t, std::string>> running_partitions_ GUARDED_BY(mu_);
  std::deque<JobPtr> history_ GUARDED_BY(mu_);  // newest first
  CompactionStats stats_ GUARDED_BY(mu_);       // done, failed, rows, bytes, seconds
  std::vector<std::thread> workers_;            // made in the constructor, joined by Stop()
};

}  // namespace deltatunnel::storage
