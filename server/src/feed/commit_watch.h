// CommitWatch: wakes change feeds that follow a table when it publishes a version
// (storage::EngineOptions::on_version), so that a follower waits on no thread and learns of a
// commit as soon as it is readable.
//
// A follower joins once (a Waiter, for the life of its stream) and arms it each time it has sent
// everything: Arm(after, wake) calls `wake` once, on the thread that publishes the first version
// past `after`, or at once if one was published already. A commit published between the
// follower's last look at the table and its Arm is not missed: Arm compares with the last
// version published.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>

namespace deltatunnel::server {

class CommitWatch : public std::enable_shared_from_this<CommitWatch> {
 public:
  class Waiter {
   public:
    ~Waiter();
    Waiter(const Waiter&) = delete;
    Waiter& operator=(const Waiter&) = delete;
    // `wake` is called once, on any thread, when a version past `after` is published (at once if
    // one is); it must not block. Replaces an earlier Arm's wake that has not been called.
    void Arm(uint64_t after, std::function<void()> wake);
    void Disarm();

   private:
    friend class CommitWatch;
    Waiter(std::shared_ptr<CommitWatch> watch, std::pair<std::string, std::string> table)
        : watch_(std::move(watch)), table_(std::move(table)) {}
    const std::shared_ptr<CommitWatch> watch_;  // outlived by no waiter
    const std::pair<std::string, std::string> table_;
    uint64_t after_ = 0;          // guarded by watch_->mu_
    std::function<void()> wake_;  // guarded by watch_->mu_; empty: not armed
  };

  // A follower of project.table (names as the engine spells them). The watch is owned by a
  // shared_ptr.
  std::unique_ptr<Waiter> Join(const std::string& project, const std::string& table);
  // The engine published `version` of the table; 0: the table was dropped (every follower wakes).
  void Published(const std::string& project, const std::string& table, uint64_t version);

 private:
  using Key = std::pair<std::string, std::string>;
  mutable std::mutex mu_;
  std::map<Key, std::set<Waiter*>> waiters_;  // guarded by mu_
  std::map<Key, uint64_t> published_;         // guarded by mu_: the last version seen
};

}  // namespace deltatunnel::server
