#include "feed/commit_watch.h"

#include <vector>

namespace deltatunnel::server {

std::unique_ptr<CommitWatch::Waiter> CommitWatch::Join(const std::string& project,
                                                       const std::string& table) {
  std::unique_ptr<Waiter> w(new Waiter(shared_from_this(), {project, table}));
  std::lock_guard lock(mu_);
  waiters_[w->table_].insert(w.get());
  return w;
}

CommitWatch::Waiter::~Waiter() {
  std::lock_guard lock(watch_->mu_);
  auto it = watch_->waiters_.find(table_);
  if (it == watch_->waiters_.end()) return;
  it->second.erase(this);
  if (it->second.empty()) watch_->waiters_.erase(it);
}

void CommitWatch::Waiter::Arm(uint64_t after, std::function<void()> wake) {
  {
    std::lock_guard lock(watch_->mu_);
    auto published = watch_->published_.find(table_);
    const bool past = published != watch_->published_.end() && published->second > after;
    if (!past) {
      after_ = after;
      wake_ = std::move(wake);
      return;
    }
    wake_ = nullptr;
  }
  wake();
}

void CommitWatch::Waiter::Disarm() {
  std::lock_guard lock(watch_->mu_);
  wake_ = nullptr;
}

void CommitWatch::Published(const std::string& project, const std::string& table,
                            uint64_t version) {
  std::vector<std::function<void()>> wakes;
  {
    std::lock_guard lock(mu_);
    Key key{project, table};
    if (version == 0) {
      published_.erase(key);
    } else {
      uint64_t& last = published_[key];
      if (version > last) last = version;
    }
    auto it = waiters_.find(key);
    if (it != waiters_.end()) {
      for (Waiter* w : it->second) {
        if (w->wake_ && (version == 0 || version > w->after_)) {
          wakes.push_back(std::move(w->wake_));
          w->wake_ = nullptr;
        }
      }
    }
  }
  for (auto& wake : wakes) wake();
}

}  // namespace deltatunnel::server
