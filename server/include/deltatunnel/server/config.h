// The daemon's configuration: a plain struct, every field with its default. conf/deltatunnel.toml
// holds the same keys with the same defaults (a test checks that they agree), and command-line
// flags override the file (command_line.h).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "deltatunnel/proto/status.h"

namespace deltatunnel::server {

struct StorageConfig {
  // Where tables live: "local" (RocksDB in data_dir, the embedded default) or "cluster" (etcd
  // and S3-compatible object storage, as [cluster] says).
  std::string backend = "local";
  // fsync the write-ahead log before a commit is answered (architecture.md promise 1).
  bool sync_commits = true;
  // Commits of a partition after which a major compaction starts, for tables without
  // `compaction.major.commit-threshold`.
  uint32_t default_commit_threshold = 20;
  // RocksDB block cache, MiB.
  uint64_t block_cache_mb = 256;
  // Obsolete WAL and SST files are freed at this rate, MiB/s (16 MiB at a time), so that freeing
  // gigabytes at once does not stall the commits' syncs; 0 unlinks them at once.
  uint64_t file_delete_rate_mb = 256;
  // How long a load's Idempotency-Key is remembered per table, hours (api.md: at least 7 days).
  uint32_t idempotency_ttl_hours = 168;
  // The longest a table's consumer holds its unacknowledged versions past the table's retention,
  // hours; past it the consumer has lost its place (api.md "Consumers").
  uint32_t consumer_hold_hours = 168;
  // The most a table's reject quarantine holds, MiB: a load whose rejected rows do not fit is
  // refused whole (api.md "Reject quarantine").
  uint64_t reject_quarantine_mb = 64;
  // Below this many free bytes on the data directory's filesystem, requests that add data answer
  // 503 ServiceUnavailable with Retry-After while reads go on; 0 turns the guard off. (A disk that
  // does fill up stops RocksDB: write_guard.h.)
  uint64_t min_free_bytes = 1ull << 30;
};

// The cluster backend (storage.backend = "cluster"; storage/cluster_options.h).
struct ClusterConfig {
  // etcd members' client URLs ("http://host:port").
  std::vector<std::string> etcd_endpoints;
  // Of every etcd key and object name, so deployments can share an etcd and a bucket.
  std::string prefix = "deltatunnel/";
  // The limits of one etcd transaction the members were started with (--max-txn-ops,
  // --max-request-bytes).
  uint64_t etcd_max_txn_ops = 10000;
  uint64_t etcd_max_request_bytes = 10 << 20;
  // The node's hold on the prefix outlives the node by this many seconds.
  uint32_t lease_ttl_s = 10;
  // The node's cache of the chunks lookups read from object storage, MiB (0: none).
  uint64_t chunk_cache_mb = 256;
  std::string s3_endpoint;
  std::string s3_bucket;
  std::string s3_region = "us-east-1";
  bool s3_path_style = true;
  // Empty: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY from the environment.
  std::string s3_access_key_id;
  std::string s3_secret_access_key;
};

// An ODPS access key (wire-format.md section 7). `projects` lists the projects it may use; "*" is
// every project.
struct AccessKey {
  std::string id;
  std::string secret;
  std::vector<std::string> projects;
};

// A token for `Authorization: Bearer <token>`; `projects` as for AccessKey.
struct BearerToken {
  std::string token;
  std::vector<std::string> projects;
};

struct AuthConfig {
  // When false every request is accepted unsigned.
  bool enabled = false;
  std::vector<AccessKey> access_keys;
  std::vector<BearerToken> bearer_tokens;
  // A signed (ODPS) request's Date must be within this many seconds of the server's clock, either
  // way (MaxCompute allows 15 minutes): an old signed request cannot be replayed later.
  uint32_t max_clock_skew_s = 900;
};

// A named group of write slots (the Tunnel `quotaName`), shared by every session that names it.
struct QuotaGroup {
  std::string name;
  uint32_t slots = 0;
};

struct QuotaConfig {
  // Concurrent write slots of each project's default group.
  uint32_t default_slots = 64;
  std::vector<QuotaGroup> groups;
};

struct CompactionConfig {
  // Background major-compaction threads.
  uint32_t threads = 1;
  // Nice increment of the compaction threads (0..19): ingest and reads get the CPU first (the
  // request workers run 8 steps down, server.cc).
  uint32_t nice = 15;
  // Commits a partition may gather past its last major compaction before writes to it are refused
  // with 429 FlowExceeded (the compaction backlog bound).
  uint32_t max_pending_deltas = 200;
};

// Online backups (POST /api/v1/backups; storage/backup.h).
struct BackupConfig {
  // The directory backups go to (made by the first one); "": backups are off.
  std::string dir;
  // The most a backup copies a second, MiB (0: no limit); a limit keeps ingest's share of the
  // disk while a big backup runs.
  uint32_t rate_mb = 0;
};

// Bounds on what one request may make the server hold or do (issue 24: amplification, slow
// senders). Each answers 413 RequestTooLarge or closes the connection rather than growing.
struct LimitsConfig {
  // A compressed body may decompress to at most body_limit_bytes times this.
  uint32_t decompress_ratio = 4;
  // Rows one request (a record stream, a text body) may carry; more answer 413.
  uint64_t max_rows_per_request = 10'000'000;
  // A body must arrive at this many bytes per second on average, after a first read_timeout_s of
  // grace; a slower sender's connection is closed. 0 turns the check off.
  uint64_t min_body_rate_bytes_s = 1024;
  // Keys one lookup may name; more answer 413 (split the lookup).
  uint64_t max_lookup_keys = 100'000;
  // The longest a request may work before its answer begins, seconds (a lookup, a load, a read's
  // first chunk); past it the work stops and the answer is 503. 0: no deadline. Work whose client
  // closed its connection stops too, whatever this says.
  uint32_t request_deadline_s = 300;
  // Requests of one project running on the worker pool at once; more wait in the project's own
  // queue, so that one project cannot hold every worker. 0: worker_threads - 1 (at least 1).
  uint32_t project_requests_in_flight = 0;
  // The server's memory budget, bytes: request bodies and decompressed bodies reserve their size
  // from it, and a request that does not fit answers 503 with Retry-After. 0: half the machine's
  // physical memory.
  uint64_t memory_budget_bytes = 0;
};

struct ServerConfig {
  // HOST:PORT to listen on; "[::1]:8080" for IPv6; port 0 picks a free port.
  std::string listen = "127.0.0.1:8080";
  // Where the storage engine keeps its files.
  std::string data_dir = "./data";
  // Threads that run the sockets (Asio io_context).
  uint32_t io_threads = 2;
  // Threads that run handlers which may block (storage calls), never on an I/O thread.
  uint32_t worker_threads = 4;
  // Largest request body, bytes; larger ones answer 413 RequestTooLarge.
  uint64_t body_limit_bytes = 256ull << 20;
  // Longest pause while a request is being received (header started, body arriving), seconds.
  uint32_t read_timeout_s = 30;
  // How long a keep-alive connection may wait for its next request, seconds.
  uint32_t idle_timeout_s = 60;
  // On SIGTERM/SIGINT, how long requests in flight may take to finish, seconds.
  uint32_t shutdown_grace_s = 10;
  // trace, debug, info, warn, error, critical or off.
  std::string log_level = "info";
  // Zone for TIMESTAMP values without an offset: "UTC", an IANA name or "+HH:MM".
  std::string timezone = "UTC";

  StorageConfig storage;
  ClusterConfig cluster;
  AuthConfig auth;
  QuotaConfig quota;
  CompactionConfig compaction;
  LimitsConfig limits;
  BackupConfig backup;

  // Test-only, never in a file: serves /_test/* routes (--test-hooks).
  bool test_hooks = false;
};

// Parses TOML text. Unknown keys, wrong types and bad values answer InvalidArgument naming the key
// (and `source` for the file) and why. `${NAME}` and `${NAME:-fallback}` in string values expand
// from the environment; an unset variable without fallback is an error.
Result<ServerConfig> ParseConfig(std::string_view toml_text, std::string_view source = "config");
// Reads and parses a file; InvalidArgument when it cannot be read.
Result<ServerConfig> LoadConfigFile(const std::string& path);
// Checks every value's range and form (also after flags were applied).
Status ValidateConfig(const ServerConfig& config);

// "host:port" split; InvalidArgument unless the port is 0-65535 and the host non-empty.
struct HostPort {
  std::string host;
  uint16_t port = 0;
};
Result<HostPort> ParseHostPort(std::string_view text);

}  // namespace deltatunnel::server
