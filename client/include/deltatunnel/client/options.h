// Options of the client and of the upsert writer. Writer options carry the Flink connector's names
// (upsert.writer.buffer-size, upsert.flush.concurrent, ...) so a connector's configuration carries
// over; ParseWriterOptions reads them from strings and refuses a value out of range by name.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

#include "deltatunnel/proto/status.h"

namespace deltatunnel::client {

struct RetryOptions {
  // Retries after the first attempt of a request answered 429, 502, 503, 504 or lost to a
  // connection error. 0 disables retries.
  int max_retries = 8;
  std::chrono::milliseconds initial_backoff{200};  // doubles each retry, with full jitter
  std::chrono::milliseconds max_backoff{30000};    // also caps a server's Retry-After
};

struct ClientOptions {
  std::string endpoint = "http://127.0.0.1:8080";  // http://host[:port]; no TLS
  // ODPS v2 signing when access_id is set; else a bearer token when token is set; else neither.
  std::string access_id;
  std::string access_key;
  std::string token;
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds request_timeout{300000};  // per send or receive on the socket
  RetryOptions retry;
  std::string user_agent = "deltatunnel-cpp-client/0.1";
};

struct WriterOptions {
  // upsert.writer.buffer-size: all buckets of all partitions share it (memory mode); a writer over
  // it sends buckets and waits for them rather than grow. In file-cache mode: the staging memory.
  uint64_t buffer_size = 64ull << 20;
  uint64_t bucket_buffer_size = 1ull << 20;  // upsert.writer.bucket.buffer-size
  int flush_concurrent = 2;    // upsert.flush.concurrent: buckets of a partition in flight
  int commit_thread_num = 16;  // upsert.commit.thread-num: parallel commits, 1..32
  std::chrono::seconds commit_timeout{600};  // upsert.commit.timeout: polling a commit, at most
  std::chrono::milliseconds commit_poll_initial{1000};  // upsert.commit.poll-initial: 1, 2, 4 s...
  int slot_num = 1;                                     // upsert.session.slot-num
  int lifecycle_hours = 24;                             // upsert.session.lifecycle: 1..24
  // compress.algorithm: identity, deflate, snappy, lz4, zstd (the Content-Encoding of bucket
  // writes)
  std::string compress_algorithm = "snappy";
  bool file_cached = false;                             // sink.file-cached.enable
  int file_cached_writer_num = 16;                      // sink.file-cached.writer.num, 1..32
  uint64_t file_cached_rolling_max_size = 16ull << 20;  // sink.file-cached.rolling.max-size
  std::string file_cached_dir;  // sink.file-cached.dir; "" is a fresh directory under $TMPDIR

  // InvalidArgument naming the option when a value is out of its range.
  Status Validate() const;
};

// Reads options by their connector names ("upsert.flush.concurrent" = "4"); sizes take a unit
// ("64mb", "512 KB", "1048576"), booleans true/false, durations seconds ("600", "600s") or
// milliseconds ("500ms"). An unknown name or a bad value is InvalidArgument naming it.
Result<WriterOptions> ParseWriterOptions(const std::map<std::string, std::string>& settings);

// "64mb" -> 67108864. InvalidArgument for anything else.
Result<uint64_t> ParseByteSize(std::string_view text);

// The Content-Encoding for a compress.algorithm name ("snappy" -> "x-snappy-framed").
Result<std::string> ContentEncodingOf(std::string_view algorithm);

}  // namespace deltatunnel::client
