// Write slots: the project's concurrent-write quota (the seed's Tunnel resource groups).
//
// A slot is held while one write is in flight. Each project has a default group of
// `default_slots` slots shared by its sessions without a quota name; each named group from the
// config has slots of its own, shared by every session that names it. When a group is full the
// write is refused at once (429 SlotExceeded with Retry-After): backpressure, never a queue that
// hangs.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "deltatunnel/proto/status.h"

namespace deltatunnel::server {

class SlotPool {
 public:
  struct Group {
    std::string name;  // "" for a project's default group
    uint32_t limit = 0;
    std::atomic<uint32_t> in_use{0};
  };

  // Returns its slot when destroyed.
  class Lease {
   public:
    Lease() = default;
    explicit Lease(Group* group) : group_(group) {}
    Lease(Lease&& other) noexcept : group_(std::exchange(other.group_, nullptr)) {}
    Lease& operator=(Lease&& other) noexcept;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease();

   private:
    Group* group_ = nullptr;
  };

  SlotPool(uint32_t default_slots, const std::map<std::string, uint32_t>& named_groups);

  // The configured group `quota_name` names, or "" (the project's default group) when it names
  // none: clients carry MaxCompute quota names over ("default", a cloud quota group), and
  // wire-format.md tolerates unknown values.
  std::string GroupOf(const std::string& quota_name) const;
  // Takes a slot of `quota_name`'s group, or of the project's default group when it is "" or names
  // no configured group. SlotExceeded when the group is full.
  Result<Lease> Acquire(const std::string& project, const std::string& quota_name);
  // Calls fn(project or "", group name or "", in_use, limit) for every group, for metrics and the
  // console.
  void ForEach(
      const std::function<void(const std::string&, const std::string&, uint32_t, uint32_t)>& fn);

 private:
  Group* ProjectGroup(const std::string& project);

  const uint32_t default_slots_;
  std::map<std::string, std::unique_ptr<Group>> named_;  // fixed after construction
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<Group>> projects_;  // guarded by mu_; never erased
};

}  // namespace deltatunnel::server
