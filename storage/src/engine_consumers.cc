// Consumers of a table's changes (ConsumerInfo): a named offset per table, kept in a U record and
// written durably (as a commit is), which holds retention: OldestReadableLocked keeps every version
// from the lowest offset a consumer holds. A consumer holds its offset while the commit after it
// is younger than EngineOptions::consumer_hold_hours (or while nothing came after it); past that
// the versions go as retention says and the consumer is told it lost its place.
//
// Consumers change under the table's commit_mu (so a retention drop, which holds it from reading
// the oldest readable version to publishing what it dropped, never races a new hold) and, for the
// readers of the map, under state_mu.
#include <fmt/format.h>

#include <algorithm>

#include "coding.h"
#include "engine_impl.h"
#include "keys.h"

namespace deltatunnel::storage {
namespace {

constexpr size_t kMaxConsumersPerTable = 1000;

Status CheckName(const std::string& name) {
  const bool ok =
      !name.empty() && name.size() <= 128 && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '.' || c == '-';
      });
  if (ok) return Status::Ok();
  return InvalidArgument(
      fmt::format("a consumer's name is 1 to 128 of A-Z a-z 0-9 _ . -, not '{}'", name));
}

std::string EncodeConsumer(const TableState::Consumer& c) {
  std::string v;
  PutBigEndian64(&v, c.offset);
  PutBigEndian64(&v, static_cast<uint64_t>(c.created_at_ms));
  PutBigEndian64(&v, static_cast<uint64_t>(c.acked_at_ms));
  return v;
}

Status NoSuchConsumer(const std::string& table, const std::string& name) {
  return {ErrorCode::kNoSuchObject, fmt::format("table '{}' has no consumer '{}'", table, name)};
}

}  // namespace

uint64_t EngineImpl::HeldFromLocked(const TableState& t, int64_t now) const {
  const int64_t hold_ms = int64_t{options_.consumer_hold_hours} * 3600 * 1000;
  uint64_t held = UINT64_MAX;
  for (const auto& [name, c] : t.consumers) {
    if (c.offset >= held) continue;
    // commit_times[v] is the time of commit v + 1.
    const bool holds = c.offset >= t.version || now - t.commit_times[c.offset] < hold_ms;
    if (holds) held = c.offset;
  }
  return held;
}

ConsumerInfo EngineImpl::ConsumerInfoLocked(const TableState& t, const std::string& name,
                                            const TableState::Consumer& c, int64_t now,
                                            uint64_t oldest) const {
  ConsumerInfo info;
  info.project = t.record.project();
  info.table = t.record.name();
  info.name = name;
  info.offset = c.offset;
  info.created_at_ms = c.created_at_ms;
  info.acked_at_ms = c.acked_at_ms;
  info.latest = t.version;
  if (c.offset < t.version) info.lag_ms = std::max<int64_t>(0, now - t.commit_times[c.offset]);
  info.lost = c.offset < oldest;
  return info;
}

Status EngineImpl::LoadConsumers(TableState& t) {
  const std::string prefix = keys::TablePrefix('U', t.id);
  auto it = store_->Scan(prefix);
  for (; it->Valid(); it->Next()) {
    const std::string_view v = it->value();
    if (v.size() != 24) return Corruption("corrupt consumer record");
    TableState::Consumer c;
    c.offset = std::min<uint64_t>(GetBigEndian64(v.substr(0, 8)), t.version);
    c.created_at_ms = static_cast<int64_t>(GetBigEndian64(v.substr(8, 8)));
    c.acked_at_ms = static_cast<int64_t>(GetBigEndian64(v.substr(16, 8)));
    t.consumers[std::string(it->key().substr(prefix.size()))] = c;
  }
  return it->status();
}

Result<ConsumerInfo> EngineImpl::CreateConsumer(const std::string& project,
                                                const std::string& table, const std::string& name,
                                                std::optional<uint64_t> from_version) {
  DT_RETURN_IF_ERROR(CheckName(name));
  DT_ASSIGN_OR_RETURN(auto tp, GetTable(project, table));
  TableState& t = *tp;
  MutexLock commit_lock(&t.commit_mu);
  if (t.dropped) {
    return Status(ErrorCode::kNoSuchTable,
                  fmt::format("table '{}.{}' does not exist", project, table));
  }
  TableState::Consumer c;
  c.created_at_ms = c.acked_at_ms = Now();
  {
    MutexLock lock(&t.state_mu);
    if (t.consumers.count(name) > 0) {
      return Status(ErrorCode::kStatusConflict,
                    fmt::format("table '{}' has a consumer '{}' already", table, name));
    }
    if (t.consumers.size() >= kMaxConsumersPerTable) {
      return Status(ErrorCode::kStatusConflict,
                    fmt::format("table '{}' has {} consumers, the most it may have", table,
                                kMaxConsumersPerTable));
    }
    c.offset = from_version.value_or(t.version);
    if (c.offset > t.version) {
      return InvalidArgument(
          fmt::format("version {} is past the latest version {}", c.offset, t.version));
    }
    const uint64_t oldest = OldestReadableLocked(t, c.created_at_ms);
    if (c.offset < oldest) {
      return Status(ErrorCode::kVersionExpired,
                    fmt::format("version {} of table '{}' is past retention; the oldest readable "
                                "version is {}",
                                c.offset, table, oldest));
    }
  }
  auto wb = store_->NewBatch();
  wb->Put(keys::Consumer(t.id, name), EncodeConsumer(c));
  DT_RETURN_IF_ERROR(store_->Write(*wb, CommitDurability(), "creating a consumer"));
  MutexLock lock(&t.state_mu);
  t.consumers[name] = c;
  const int64_t now = Now();
  return ConsumerInfoLocked(t, name, c, now, OldestReadableLocked(t, now));
}

Result<std::vector<ConsumerInfo>> EngineImpl::ListConsumers(const std::string& project,
                                                            const std::string& table) {
  DT_ASSIGN_OR_RETURN(auto tp, GetTable(project, table));
  const TableState& t = *tp;
  std::vector<ConsumerInfo> out;
  MutexLock lock(&t.state_mu);
  const int64_t now = Now();
  const uint64_t oldest = OldestReadableLocked(t, now);
  for (const auto& [name, c] : t.consumers) {
    out.push_back(ConsumerInfoLocked(t, name, c, now, oldest));
  }
  return out;
}

Result<ConsumerInfo> EngineImpl::GetConsumer(const std::string& project, const std::string& table,
                                             const std::string& name) {
  DT_ASSIGN_OR_RETURN(auto tp, GetTable(project, table));
  const TableState& t = *tp;
  MutexLock lock(&t.state_mu);
  auto it = t.consumers.find(name);
  if (it == t.consumers.end()) return NoSuchConsumer(table, name);
  const int64_t now = Now();
  return ConsumerInfoLocked(t, name, it->second, now, OldestReadableLocked(t, now));
}

Result<ConsumerInfo> EngineImpl::AckConsumer(const std::string& project, const std::string& table,
                                             const std::string& name, uint64_t version) {
  DT_ASSIGN_OR_RETURN(auto tp, GetTable(project, table));
  TableState& t = *tp;
  MutexLock commit_lock(&t.commit_mu);
  TableState::Consumer c;
  {
    MutexLock lock(&t.state_mu);
    auto it = t.consumers.find(name);
    if (it == t.consumers.end() || t.dropped) return NoSuchConsumer(table, name);
    c = it->second;
    if (version > t.version) {
      return InvalidArgument(
          fmt::format("version {} is past the latest version {}", version, t.version));
    }
    if (version < c.offset) {
      return InvalidArgument(fmt::format(
          "consumer '{}' acknowledged version {} already: an offset only moves forward (drop "
          "the consumer and create it again to read from an earlier version)",
          name, c.offset));
    }
    const uint64_t oldest = OldestReadableLocked(t, Now());
    if (version < oldest) {
      return Status(ErrorCode::kVersionExpired,
                    fmt::format("version {} of table '{}' is past retention; the oldest readable "
                                "version is {}",
                                version, table, oldest));
    }
  }
  c.offset = version;
  c.acked_at_ms = Now();
  auto wb = store_->NewBatch();
  wb->Put(keys::Consumer(t.id, name), EncodeConsumer(c));
  DT_RETURN_IF_ERROR(store_->Write(*wb, CommitDurability(), "acknowledging a consumer's offset"));
  MutexLock lock(&t.state_mu);
  t.consumers[name] = c;
  const int64_t now = Now();
  return ConsumerInfoLocked(t, name, c, now, OldestReadableLocked(t, now));
}

Status EngineImpl::DropConsumer(const std::string& project, const std::string& table,
                                const std::string& name) {
  DT_ASSIGN_OR_RETURN(auto tp, GetTable(project, table));
  TableState& t = *tp;
  MutexLock commit_lock(&t.commit_mu);
  {
    MutexLock lock(&t.state_mu);
    if (t.consumers.count(name) == 0 || t.dropped) return NoSuchConsumer(table, name);
  }
  auto wb = store_->NewBatch();
  wb->Delete(keys::Consumer(t.id, name));
  DT_RETURN_IF_ERROR(store_->Write(*wb, CommitDurability(), "dropping a consumer"));
  MutexLock lock(&t.state_mu);
  t.consumers.erase(name);
  return Status::Ok();
}

}  // namespace deltatunnel::storage
