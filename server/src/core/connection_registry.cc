#include "connection_registry.h"

#include <vector>

namespace deltatunnel::server {
namespace {

// Calls `fn` on each connection outside the lock (a connection may remove itself meanwhile).
template <typename Fn>
void ForEach(std::vector<std::shared_ptr<Connection>> live, Fn fn) {
  for (auto& c : live) fn(*c);
}

}  // namespace

uint64_t ConnectionRegistry::Add(std::weak_ptr<Connection> connection) {
  std::shared_ptr<Connection> late;
  uint64_t id;
  {
    std::lock_guard<std::mutex> lock(mu_);
    id = next_id_++;
    connections_[id] = connection;
    if (shutting_down_) late = connection.lock();
  }
  if (late) late->Shutdown();
  return id;
}

void ConnectionRegistry::Remove(uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  connections_.erase(id);
  if (connections_.empty()) empty_.notify_all();
}

size_t ConnectionRegistry::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return connections_.size();
}

void ConnectionRegistry::ShutdownAll() {
  std::vector<std::shared_ptr<Connection>> live;
  {
    std::lock_guard<std::mutex> lock(mu_);
    shutting_down_ = true;
    for (auto& [id, weak] : connections_) {
      if (auto c = weak.lock()) live.push_back(std::move(c));
    }
  }
  ForEach(std::move(live), [](Connection& c) { c.Shutdown(); });
}

void ConnectionRegistry::ForceCloseAll() {
  std::vector<std::shared_ptr<Connection>> live;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [id, weak] : connections_) {
      if (auto c = weak.lock()) live.push_back(std::move(c));
    }
  }
  ForEach(std::move(live), [](Connection& c) { c.ForceClose(); });
}

bool ConnectionRegistry::WaitEmpty(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  return empty_.wait_until(lock, deadline, [this] { return connections_.empty(); });
}

}  // namespace deltatunnel::server
