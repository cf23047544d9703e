// A fixed set of threads that run handlers which may block, so that the I/O threads never do.
// Tasks run in submission order as threads free up; the queue is unbounded because each task is
// one request already read (the connection count bounds it).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace deltatunnel::server {

class WorkerPool {
 public:
  // `nice`: how much lower than the process the threads run (0: as the process). `name`: the
  // threads' name as `top -H` and perf show it (at most 15 bytes; "" keeps the process's).
  explicit WorkerPool(uint32_t threads, uint32_t nice = 0, std::string name = "");
  ~WorkerPool();  // Join()

  void Submit(std::function<void()> task);
  // Every thread runs a task and more wait: a new request would queue (readiness).
  bool Saturated() const;
  // Runs what is queued, then stops the threads and joins them. Submit after Join runs nothing.
  void Join();

 private:
  void Run();

  mutable std::mutex mu_;
  size_t busy_ = 0;  // guarded by mu_: threads running a task
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;  // guarded by mu_
  bool stopping_ = false;                    // guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace deltatunnel::server
