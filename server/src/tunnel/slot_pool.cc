#include "tunnel/slot_pool.h"

#include <fmt/format.h>

namespace deltatunnel::server {

SlotPool::Lease& SlotPool::Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    if (group_ != nullptr) group_->in_use.fetch_sub(1, std::memory_order_relaxed);
    group_ = std::exchange(other.group_, nullptr);
  }
  return *this;
}

SlotPool::Lease::~Lease() {
  if (group_ != nullptr) group_->in_use.fetch_sub(1, std::memory_order_relaxed);
}

SlotPool::SlotPool(uint32_t default_slots, const std::map<std::string, uint32_t>& named_groups)
    : default_slots_(default_slots) {
  for (const auto& [name, limit] : named_groups) {
    auto group = std::make_unique<Group>();
    group->name = name;
    group->limit = limit;
    named_.emplace(name, std::move(group));
  }
}

std::string SlotPool::GroupOf(const std::string& quota_name) const {
  return named_.count(quota_name) != 0 ? quota_name : std::string();
}

SlotPool::Group* SlotPool::ProjectGroup(const std::string& project) {
  std::lock_guard lock(mu_);
  auto& group = projects_[project];
  if (!group) {
    group = std::make_unique<Group>();
    group->limit = default_slots_;
  }
  return group.get();
}

Result<SlotPool::Lease> SlotPool::Acquire(const std::string& project,
                                          const std::string& quota_name) {
  auto named = named_.find(quota_name);
  Group* group = named != named_.end() ? named->second.get() : ProjectGroup(project);
  const bool in_named = named != named_.end();
  uint32_t current = group->in_use.load(std::memory_order_relaxed);
  do {
    if (current >= group->limit) {
      return Status(
          ErrorCode::kSlotExceeded,
          fmt::format("Your slot quota is exceeded: {} of {} write slots of {} in use", current,
                      group->limit,
                      in_named ? "quota group '" + quota_name + "'" : "project '" + project + "'"));
    }
  } while (!group->in_use.compare_exchange_weak(current, current + 1, std::memory_order_relaxed));
  return Lease(group);
}

void SlotPool::ForEach(
    const std::function<void(const std::string&, const std::string&, uint32_t, uint32_t)>& fn) {
  for (const auto& [name, group] : named_) {
    fn("", name, group->in_use.load(std::memory_order_relaxed), group->limit);
  }
  std::lock_guard lock(mu_);
  for (const auto& [project, group] : projects_) {
    fn(project, "", group->in_use.load(std::memory_order_relaxed), group->limit);
  }
}

}  // namespace deltatunnel::server
