#include "compaction_queue.h"

#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

namespace deltatunnel::storage {

CompactionQueue::CompactionQueue(uint32_t threads, uint32_t nice, RunFn run,
                                 std::function<int64_t()> now_ms,
                                 std::function<std::string()> new_id)
    : run_(std::move(run)), now_ms_(std::move(now_ms)), new_id_(std::move(new_id)) {
  for (uint32_t i = 0; i < threads; ++i) workers_.emplace_back([this, nice] { Worker(nice); });
}

CompactionQueue::~CompactionQueue() { Stop(); }

void CompactionQueue::Stop() {
  {
    MutexLock lock(&mu_);
    stopping_ = true;
    queued_.clear();
    turn_.clear();
  }
  work_cv_.SignalAll();
  for (auto& w : workers_) {
    if (w.joinable()) w.join();
  }
  idle_cv_.SignalAll();
}

CompactionQueue::JobPtr CompactionQueue::FindLocked(uint64_t table_id,
                                                    const std::optional<std::string>& partition,
                                                    bool include_running) const {
  auto covers = [&](const JobPtr& j) {
    if (j->table_id != table_id) return false;
    if (!j->info.partition) return true;  // a whole-table job covers every partition
    return partition && *j->info.partition == *partition;
  };
  if (include_running) {
    for (const auto& j : running_) {
      if (covers(j)) return j;
    }
  }
  auto it = queued_.find(table_id);
  if (it != queued_.end()) {
    for (const auto& j : it->second) {
      if (covers(j)) return j;
    }
  }
  return nullptr;
}

CompactionInfo CompactionQueue::Enqueue(uint64_t table_id, const std::string& project,
                                        const std::string& table,
                                        const std::optional<std::string>& partition,
                                        std::vector<std::string> partitions, bool automatic) {
  MutexLock lock(&mu_);
  // A request answers the one queued or running; an automatic one only joins a queued one (one
  // running already fixed its version, and the commits since need another pass).
  if (JobPtr existing = FindLocked(table_id, partition, !automatic)) return existing->info;
  auto job = std::make_shared<Job>();
  job->table_id = table_id;
  job->partitions = std::move(partitions);
  job->info.id = new_id_();
  job->info.project = project;
  job->info.table = table;
  job->info.partition = partition;
  job->info.state = "queued";
  job->info.automatic = automatic;
  job->info.queued_at_ms = now_ms_();
  if (stopping_) {
    job->info.state = "failed";
    job->info.error = "the engine is shutting down";
    return job->info;
  }
  auto& q = queued_[table_id];
  if (q.empty()) turn_.push_back(table_id);
  q.push_back(job);
  work_cv_.Signal();
  return job->info;
}

void CompactionQueue::DropTable(uint64_t table_id) {
  MutexLock lock(&mu_);
  queued_.erase(table_id);
  turn_.erase(std::remove(turn_.begin(), turn_.end(), table_id), turn_.end());
  idle_cv_.SignalAll();
}

bool CompactionQueue::ConflictsLocked(const Job& job) const {
  for (const auto& p : job.partitions) {
    if (running_partitions_.count({job.table_id, p}) != 0) return true;
  }
  return false;
}

CompactionQueue::JobPtr CompactionQueue::TakeLocked() {
  for (size_t i = 0; i < turn_.size(); ++i) {
    const uint64_t table_id = turn_[i];
    auto& q = queued_[table_id];
    if (q.empty() || ConflictsLocked(*q.front())) continue;
    JobPtr job = q.front();
    q.pop_front();
    turn_.erase(turn_.begin() + static_cast<std::ptrdiff_t>(i));
    if (q.empty()) {
      queued_.erase(table_id);
    } else {
      turn_.push_back(table_id);  // its next request waits for the other tables' turns
    }
    return job;
  }
  return nullptr;
}

void CompactionQueue::Worker(uint32_t nice) {
  // Linux keeps a nice value per thread (inherited from the creator): this lowers the worker alone.
  pthread_setname_np(pthread_self(), "dt-compaction");
  const auto tid = static_cast<id_t>(gettid());
  const int target = std::min(getpriority(PRIO_PROCESS, tid) + static_cast<int>(nice), 19);
  if (nice > 0 && setpriority(PRIO_PROCESS, tid, target) != 0) {
    spdlog::warn("compaction worker: setpriority({}): {}", target, std::strerror(errno));
  }
  MutexLock lock(&mu_);
  for (;;) {
    JobPtr job;
    while (!stopping_ && (job = TakeLocked()) == nullptr) work_cv_.Wait(mu_);
    if (stopping_ && !job) return;
    job->info.state = "running";
    job->info.started_at_ms = now_ms_();
    running_.push_back(job);
    for (const auto& p : job->partitions) running_partitions_.insert({job->table_id, p});
    lock.Unlock();

    const auto started = std::chrono::steady_clock::now();
    Status failure;
    CompactionCounts total;
    for (const auto& p : job->partitions) {
      CompactionCounts counts;
      Status st = run_(job->table_id, p, &counts);
      total.input_rows += counts.input_rows;
      total.input_bytes += counts.input_bytes;
      total.output_rows += counts.output_rows;
      total.output_bytes += counts.output_bytes;
      if (!st.ok()) {
        failure = st;
        break;
      }
      {
        MutexLock progress(&mu_);
        job->info.input_rows = total.input_rows;
        job->info.input_bytes = total.input_bytes;
        job->info.output_rows = total.output_rows;
        job->info.output_bytes = total.output_bytes;
        if (stopping_) break;
      }
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

    lock.Lock();
    job->info.input_rows = total.input_rows;
    job->info.input_bytes = total.input_bytes;
    job->info.output_rows = total.output_rows;
    job->info.output_bytes = total.output_bytes;
    job->info.finished_at_ms = now_ms_();
    job->info.state = failure.ok() ? "done" : "failed";
    if (!failure.ok()) job->info.error = failure.message();
    stats_.done += failure.ok() ? 1 : 0;
    stats_.failed += failure.ok() ? 0 : 1;
    stats_.input_rows += total.input_rows;
    stats_.input_bytes += total.input_bytes;
    stats_.output_rows += total.output_rows;
    stats_.output_bytes += total.output_bytes;
    stats_.seconds += seconds;
    for (const auto& p : job->partitions) running_partitions_.erase({job->table_id, p});
    running_.erase(std::find(running_.begin(), running_.end(), job));
    history_.push_front(job);
    if (history_.size() > kHistory) history_.pop_back();
    // Jobs that waited for these partitions may go now.
    work_cv_.SignalAll();
    idle_cv_.SignalAll();
  }
}

std::vector<CompactionInfo> CompactionQueue::List() const {
  MutexLock lock(&mu_);
  std::vector<CompactionInfo> out;
  for (const auto& j : running_) out.push_back(j->info);
  for (const auto& [table_id, q] : queued_) {
    for (const auto& j : q) out.push_back(j->info);
  }
  for (const auto& j : history_) out.push_back(j->info);
  return out;
}

void CompactionQueue::WaitIdle() {
  MutexLock lock(&mu_);
  while (!(queued_.empty() && running_.empty()) && !workers_.empty()) idle_cv_.Wait(mu_);
}

CompactionStats CompactionQueue::Stats() const {
  MutexLock lock(&mu_);
  CompactionStats s = stats_;
  s.running = running_partitions_.size();
  s.queued = 0;
  for (const auto& [table_id, q] : queued_) s.queued += q.size();
  return s;
}

}  // namespace deltatunnel::storage
