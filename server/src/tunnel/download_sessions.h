// Table download sessions (odps-control-plane.md A8, B4, P1-1): each pins one table version, so a
// client's row ranges all read the same snapshot. A session holds only what names its snapshot
// (table, partition, version, row count): the engine keeps the version readable for the table's
// retention (acid.data.retain.hours) after the next commit, and a read past that is answered
// VersionExpired. Sessions live in memory: a restart ends them (the client sees 404 and opens a
// new one).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "deltatunnel/proto/status.h"
#include "deltatunnel/storage/engine.h"

namespace deltatunnel::server {

struct DownloadSessionInfo {
  std::string id;
  std::string project;  // as the table names them
  std::string table;
  std::string partition;  // canonical spec, full or partial; "" for every partition
  // The SQL instance whose result this reads (the instance tunnel); "" for a table download.
  std::string instance_id;
  uint64_t version = 0;  // the snapshot read
  uint64_t record_count = 0;
  int64_t created_at_ms = 0;
  int64_t expires_at_ms = 0;
};

class DownloadSessions {
 public:
  // At most `max_sessions` at once, each for `lifetime_ms` after it opened. `clock_ms`
  // (milliseconds since the epoch) defaults to the system clock; tests move it.
  DownloadSessions(size_t max_sessions, int64_t lifetime_ms,
                   std::function<int64_t()> clock_ms = nullptr);

  // Registers `info` under a new id, with its times set, and answers it. When full, the expired
  // sessions go first, then the least recently used one if it has been idle for a minute; if
  // every session is in use, FlowExceeded (429: the client retries later).
  Result<DownloadSessionInfo> Open(DownloadSessionInfo info);
  // The session by id, marked used. NoSuchObject (404) for an unknown, expired or evicted id.
  Result<DownloadSessionInfo> Get(const std::string& id);
  size_t size() const;

  // Row counts of snapshots, kept because a version never changes and counting one is a scan:
  // clients that open a session per split (SeaTunnel's reader) count a snapshot once, not once per
  // split. `snapshot` names table (with its creation time, so that a table dropped and created
  // again under its name is another), version and partition. At most kMaxCounts, oldest first out.
  std::optional<uint64_t> CachedCount(const std::string& snapshot) const;
  void RememberCount(const std::string& snapshot, uint64_t rows);
  static constexpr size_t kMaxCounts = 1024;

  // A session unused this long may make room for a new one when the store is full.
  static constexpr int64_t kIdleEvictMs = 60 * 1000;

 private:
  struct Entry {
    DownloadSessionInfo info;
    int64_t used_at_ms = 0;
    std::list<std::string>::iterator lru;  // its place in lru_
  };
  int64_t Now() const;
  std::string NewId(int64_t now);
  void EraseLocked(std::unordered_map<std::string, Entry>::iterator it);

  const size_t max_sessions_;
  const int64_t lifetime_ms_;
  const std::function<int64_t()> clock_ms_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> sessions_;   // guarded by mu_
  std::list<std::string> lru_;                        // ids, least recently used first; mu_
  uint64_t counter_ = 0;                              // mu_
  std::unordered_map<std::string, uint64_t> counts_;  // mu_
  std::deque<std::string> count_order_;               // mu_: counts_'s keys, oldest first
};

// The row count of `source` (a table, at its version, whose creation time is `table_created_ms`):
// from the store's cache, else counted (CountDownloadRows) and remembered.
struct DownloadSource;
Result<uint64_t> CountSnapshotRows(DownloadSessions& sessions, storage::Engine& engine,
                                   int64_t table_created_ms, const DownloadSource& source);

}  // namespace deltatunnel::server
