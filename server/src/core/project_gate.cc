#include "project_gate.h"

#include <utility>

namespace deltatunnel::server {

void ProjectGate::Submit(const std::string& project, std::function<void()> task) {
  if (limit_ == 0 || project.empty()) return workers_.Submit(std::move(task));
  {
    std::lock_guard lock(mu_);
    Lane& lane = lanes_[project];
    if (lane.running >= limit_) {
      lane.waiting.push_back(std::move(task));
      return;
    }
    ++lane.running;
  }
  Start(project, std::move(task));
}

void ProjectGate::Start(const std::string& project, std::function<void()> task) {
  workers_.Submit([this, project, task = std::move(task)] {
    task();
    Finished(project);
  });
}

void ProjectGate::Finished(const std::string& project) {
  std::function<void()> next;
  {
    std::lock_guard lock(mu_);
    auto it = lanes_.find(project);
    if (it == lanes_.end()) return;
    Lane& lane = it->second;
    if (lane.waiting.empty()) {
      if (--lane.running == 0) lanes_.erase(it);
      return;
    }
    // The slot passes to the project's next task: `running` stays.
    next = std::move(lane.waiting.front());
    lane.waiting.pop_front();
  }
  Start(project, std::move(next));
}

}  // namespace deltatunnel::server
