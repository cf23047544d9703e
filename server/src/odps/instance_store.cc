#include "odps/instance_store.h"

#include <fmt/format.h>

#include <ctime>
#include <random>

#include "deltatunnel/proto/schema.h"

namespace deltatunnel::server::odps {
namespace {

// "20261206080000" + a random part: readable like MaxCompute's ids, unique across restarts.
std::string NewId(int64_t ms, uint64_t counter) {
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  const size_t n = std::strftime(buf, sizeof buf, "%Y%m%d%H%M%S", &tm);
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return fmt::format("{}{:03d}g{:08x}{:04x}", std::string_view(buf, n), ms % 1000,
                     static_cast<uint32_t>(rng()), static_cast<uint32_t>(counter & 0xffff));
}

}  // namespace

std::string InstanceStore::Add(InstanceRecord record) {
  std::lock_guard lock(mu_);
  record.id = NewId(record.start_ms, next_++);
  std::string id = record.id;
  order_.push_back(id);
  by_id_[id] = std::move(record);
  while (order_.size() > capacity_) {
    by_id_.erase(order_.front());
    order_.pop_front();
  }
  return id;
}

std::optional<InstanceRecord> InstanceStore::Get(const std::string& project,
                                                 const std::string& id) const {
  std::lock_guard lock(mu_);
  auto it = by_id_.find(id);
  if (it == by_id_.end() || !proto::NamesEqual(it->second.project, project)) return std::nullopt;
  return it->second;
}

}  // namespace deltatunnel::server::odps
