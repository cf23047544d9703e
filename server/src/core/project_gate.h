// Fairness between projects on the worker pool (issue 24, finding 6): each project may have at most
// `limit` requests running on workers at once; its further requests wait in its own queue, not in
// the pool's, so one project's slow or hostile requests hold at most `limit` workers and every
// other project keeps the rest. Requests naming no project are not gated.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "worker_pool.h"

namespace deltatunnel::server {

class ProjectGate {
 public:
  // `limit` 0: no gate, tasks go to the pool at once.
  ProjectGate(WorkerPool& workers, uint32_t limit) : workers_(workers), limit_(limit) {}

  // Runs `task` on the pool now, or once fewer than `limit` of `project`'s tasks run.
  void Submit(const std::string& project, std::function<void()> task);

  uint32_t limit() const { return limit_; }

 private:
  struct Lane {
    uint32_t running = 0;
    std::deque<std::function<void()>> waiting;
  };

  void Start(const std::string& project, std::function<void()> task);
  void Finished(const std::string& project);

  WorkerPool& workers_;
  const uint32_t limit_;
  std::mutex mu_;
  std::map<std::string, Lane> lanes_;  // guarded by mu_; a project's lane while it has tasks
};

}  // namespace deltatunnel::server
