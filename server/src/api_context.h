// What the API handlers share: the engine and the server-wide services around it. Owned by the
// daemon; handlers get a reference and never own anything in it.
#pragma once

#include <cstdint>
#include <string>

#include "api_metrics.h"
#include "auth.h"
#include "deltatunnel/server/memory_budget.h"
#include "deltatunnel/storage/engine.h"
#include "tunnel/slot_pool.h"
#include "write_guard.h"

namespace deltatunnel::server {

namespace odps {
class InstanceStore;
}
class DownloadSessions;  // tunnel/download_sessions.h
class CommitWatch;       // feed/commit_watch.h

struct ApiContext {
  storage::Engine* engine = nullptr;
  SlotPool* slots = nullptr;
  ApiMetrics* metrics = nullptr;
  // Refuses requests that add data while the data directory's filesystem is nearly full; nullptr:
  // no guard.
  DiskGuard* disk_guard = nullptr;
  // Checks credentials; listings that span projects show only what the caller's grants cover.
  const Authenticator* auth = nullptr;
  // The open Tunnel table download sessions.
  DownloadSessions* downloads = nullptr;
  // host:port that clients should send bucket writes to (the session JSON's worker_addr).
  std::string worker_addr = "127.0.0.1:8080";
  // The largest body after decompression, bytes: body_limit_bytes x limits.decompress_ratio.
  uint64_t max_decompressed_bytes = 1ull << 30;
  // The most rows one request's record stream may carry (limits.max_rows_per_request).
  uint64_t max_rows_per_request = UINT64_MAX;
  // The server's memory budget: a decompression reserves its limit from it; nullptr: none.
  MemoryBudget* budget = nullptr;
  // The most keys one lookup may name (limits.max_lookup_keys).
  uint64_t max_lookup_keys = UINT64_MAX;
  // The server's default time zone name for TIMESTAMP values without an offset.
  std::string default_timezone = "UTC";
  // The ODPS SQL and Merge instances run so far (odps/instance_store.h).
  odps::InstanceStore* instances = nullptr;
  // Wakes the change feeds that follow a table when it commits.
  CommitWatch* commits = nullptr;
  // Test-only (--test-hooks): a write holds its slot for `x-deltatunnel-test-hold-ms` milliseconds.
  bool test_hooks = false;
};

// Ok, or 503 ServiceUnavailable while the data directory's filesystem is below
// storage.min_free_bytes (write_guard.h). Called by the handlers that add data.
inline Status CheckWritable(ApiContext& ctx) {
  return ctx.disk_guard != nullptr ? ctx.disk_guard->CheckWritable() : Status::Ok();
}

}  // namespace deltatunnel::server
