// What /readyz asks (issue 24, finding 9): a list of checks, each answering why the server cannot
// take work now (the worker pool saturated, the storage in error, ...) or nothing. Modules add
// theirs through Server::AddReadinessCheck; checks run on an I/O thread and must answer at once.
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace deltatunnel::server {

using ReadinessCheck = std::function<std::optional<std::string>()>;

class Readiness {
 public:
  void Add(std::string name, ReadinessCheck check) {
    std::lock_guard lock(mu_);
    checks_.push_back({std::move(name), std::move(check)});
  }

  // The first check's reason, "name: why", or nothing when every check passes.
  std::optional<std::string> NotReady() const {
    std::lock_guard lock(mu_);
    for (const auto& [name, check] : checks_) {
      if (auto why = check()) return name + ": " + *why;
    }
    return std::nullopt;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::pair<std::string, ReadinessCheck>> checks_;  // guarded by mu_
};

}  // namespace deltatunnel::server
