#include "worker_pool.h"

#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>

namespace deltatunnel::server {

WorkerPool::WorkerPool(uint32_t threads, uint32_t nice, std::string name) {
  for (uint32_t i = 0; i < threads; ++i) {
    threads_.emplace_back([this, nice, name] {
      if (!name.empty()) (void)pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
      // Linux keeps a nice value per thread: this lowers the pool's threads alone (no privilege
      // is needed to lower one's own priority).
      if (nice > 0) {
        const auto tid = static_cast<id_t>(gettid());
        (void)setpriority(PRIO_PROCESS, tid,
                          std::min(getpriority(PRIO_PROCESS, tid) + static_cast<int>(nice), 19));
      }
      Run();
    });
  }
}

WorkerPool::~WorkerPool() { Join(); }

void WorkerPool::Submit(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    queue_.push_back(std::move(task));
  }
  cv_.notify_one();
}

bool WorkerPool::Saturated() const {
  std::lock_guard<std::mutex> lock(mu_);
  return busy_ >= threads_.size() && !queue_.empty();
}

void WorkerPool::Join() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

void WorkerPool::Run() {
  while (true) {
    std::function<void()> task;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      task = std::move(queue_.front());
      queue_.pop_front();
      ++busy_;
    }
    task();
    std::lock_guard<std::mutex> lock(mu_);
    --busy_;
  }
}

}  // namespace deltatunnel::server
