// What the API handlers share: the engine and the server-wide services around it. Owned by the
// daemon; handlers get a reference and never own anything in it.
#pragma once

#include <cstdint>
#include <string>

#include "api_metrics.h"
#include "deltatunnel/storage/engine.h"
#include "slot_pool.h"
#include "write_guard.h"

namespace deltatunnel::server {

class DownloadSessions;  // tunnel/download_sessions.h

struct ApiContext {
  storage::Engine* engine = nullptr;
  SlotPool* slots = nullptr;
  ApiMetrics* metrics = nullptr;
  // Refuses requests that add data while the data directory's filesystem is nearly full; nullptr:
  // no guard.
  DiskGuard* disk_guard = nullptr;
  // The open Tunnel table download sessions.
  DownloadSessions* downloads = nullptr;
  // host:port that clients should send bucket writes to (the session JSON's worker_addr).
  std::string worker_addr = "127.0.0.1:8080";
  // The largest body after decompression, bytes.
  uint64_t max_decompressed_bytes = 1ull << 30;
  // The server's default time zone name for TIMESTAMP values without an offset.
  std::string default_timezone = "UTC";
  // Test-only (--test-hooks): a write holds its slot for `x-deltatunnel-test-hold-ms` milliseconds.
  bool test_hooks = false;
};

// Ok, or 503 ServiceUnavailable while the data directory's filesystem is below
// storage.min_free_bytes (write_guard.h). Called by the handlers that add data.
inline Status CheckWritable(ApiContext& ctx) {
  return ctx.disk_guard != nullptr ? ctx.disk_guard->CheckWritable() : Status::Ok();
}

}  // namespace deltatunnel::server
