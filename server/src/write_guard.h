// When storage cannot take writes (wire-format.md section 6: 503 ServiceUnavailable, with
// Retry-After): the data directory's filesystem is nearly full.
//
// DiskGuard refuses requests that add data (Tunnel session create and bucket writes, loads, table
// creation) while the free space of the data directory's filesystem is below
// `[storage] min_free_bytes`. Reads, commits, aborts and drops go on: they add (next to) nothing
// and finish or free what is there. The engine's own failures to write (no space, an I/O error, a
// stall) arrive classified (ErrorCode::kNoSpace, kIoError, kBusy) and are answered 503 by
// HttpStatusOf, with no look at their text.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

#include "deltatunnel/proto/status.h"

namespace deltatunnel::server {

// The Retry-After (seconds) of a 503 that storage caused: long enough for space to be freed or a
// stall to pass, short enough for a client's retries.
inline constexpr int kStorageRetryAfterSeconds = 5;

class DiskGuard {
 public:
  // Bytes available to the server (statvfs f_bavail) on the filesystem that holds `dir`.
  using FreeBytesFn = std::function<Result<uint64_t>(const std::string& dir)>;
  static Result<uint64_t> FilesystemFreeBytes(const std::string& dir);

  // `min_free_bytes` 0 turns the guard off. The free space is measured at most once per `recheck`.
  DiskGuard(std::string dir, uint64_t min_free_bytes, FreeBytesFn free_bytes = FilesystemFreeBytes,
            std::chrono::milliseconds recheck = std::chrono::seconds(1));

  // Ok, or ServiceUnavailable saying how much space is left and what the threshold is. When the
  // free space cannot be measured, writes go on (storage reports its own failures). Thread-safe.
  Status CheckWritable();

 private:
  const std::string dir_;
  const uint64_t min_free_bytes_;
  const FreeBytesFn free_bytes_;
  const std::chrono::milliseconds recheck_;

  std::mutex mu_;
  bool measured_ = false;                              // guarded by mu_
  std::chrono::steady_clock::time_point measured_at_;  // guarded by mu_
  Status last_;                                        // guarded by mu_
};

}  // namespace deltatunnel::server
