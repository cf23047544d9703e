#include "download_sessions.h"

#include <fmt/format.h>

#include <chrono>
#include <random>

#include "download_encoder.h"

namespace deltatunnel::server {

DownloadSessions::DownloadSessions(size_t max_sessions, int64_t lifetime_ms,
                                   std::function<int64_t()> clock_ms)
    : max_sessions_(max_sessions), lifetime_ms_(lifetime_ms), clock_ms_(std::move(clock_ms)) {}

int64_t DownloadSessions::Now() const {
  if (clock_ms_) return clock_ms_();
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// "20261206080000" then 16 hex digits: sortable by creation like the upsert session ids, and not
// guessable from another session's id.
std::string DownloadSessions::NewId(int64_t now) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  const auto t = static_cast<time_t>(now / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}{:02}{:02}{:02}{:02}{:02}{:016x}", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, rng() ^ ++counter_);
}

void DownloadSessions::EraseLocked(std::unordered_map<std::string, Entry>::iterator it) {
  lru_.erase(it->second.lru);
  sessions_.erase(it);
}

Result<DownloadSessionInfo> DownloadSessions::Open(DownloadSessionInfo info) {
  const int64_t now = Now();
  std::lock_guard lock(mu_);
  if (sessions_.size() >= max_sessions_) {
    for (auto it = sessions_.begin(); it != sessions_.end();) {
      auto next = std::next(it);
      if (it->second.info.expires_at_ms <= now) EraseLocked(it);
      it = next;
    }
  }
  if (sessions_.size() >= max_sessions_ && !lru_.empty()) {
    auto oldest = sessions_.find(lru_.front());
    if (now - oldest->second.used_at_ms >= kIdleEvictMs) EraseLocked(oldest);
  }
  if (sessions_.size() >= max_sessions_) {
    return Status(
        ErrorCode::kFlowExceeded,
        fmt::format("{} download sessions are open and in use; retry later", sessions_.size()));
  }
  info.id = NewId(now);
  info.created_at_ms = now;
  info.expires_at_ms = now + lifetime_ms_;
  lru_.push_back(info.id);
  sessions_.emplace(info.id, Entry{info, now, std::prev(lru_.end())});
  return info;
}

Result<DownloadSessionInfo> DownloadSessions::Get(const std::string& id) {
  const int64_t now = Now();
  std::lock_guard lock(mu_);
  auto it = sessions_.find(id);
  if (it != sessions_.end() && it->second.info.expires_at_ms <= now) {
    EraseLocked(it);
    it = sessions_.end();
  }
  if (it == sessions_.end()) {
    return Status(ErrorCode::kNoSuchObject,
                  fmt::format("download session '{}' does not exist: it expired, was evicted, or "
                              "the server restarted since it opened; open a new one",
                              id));
  }
  it->second.used_at_ms = now;
  lru_.splice(lru_.end(), lru_, it->second.lru);
  return it->second.info;
}

size_t DownloadSessions::size() const {
  std::lock_guard lock(mu_);
  return sessions_.size();
}

std::optional<uint64_t> DownloadSessions::CachedCount(const std::string& snapshot) const {
  std::lock_guard lock(mu_);
  auto it = counts_.find(snapshot);
  if (it == counts_.end()) return std::nullopt;
  return it->second;
}

void DownloadSessions::RememberCount(const std::string& snapshot, uint64_t rows) {
  std::lock_guard lock(mu_);
  if (!counts_.emplace(snapshot, rows).second) return;
  count_order_.push_back(snapshot);
  if (count_order_.size() > kMaxCounts) {
    counts_.erase(count_order_.front());
    count_order_.pop_front();
  }
}

Result<uint64_t> CountSnapshotRows(DownloadSessions& sessions, storage::Engine& engine,
                                   int64_t table_created_ms, const DownloadSource& source) {
  const std::string snapshot = fmt::format("{}\n{}\n{}\n{}\n{}", source.project, source.table,
                                           table_created_ms, source.version, source.partition);
  if (std::optional<uint64_t> n = sessions.CachedCount(snapshot)) return *n;
  DT_ASSIGN_OR_RETURN(uint64_t n, CountDownloadRows(engine, source));
  sessions.RememberCount(snapshot, n);
  return n;
}

}  // namespace deltatunnel::server
