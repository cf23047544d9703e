#include "engine_options.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>

namespace deltatunnel::server {

namespace {

Result<std::string> FromEnvironment(const std::string& configured, const char* variable,
                                    std::string_view key) {
  if (!configured.empty()) return configured;
  const char* v = std::getenv(variable);
  if (v != nullptr && *v != '\0') return std::string(v);
  return InvalidArgument(
      fmt::format("cluster.{} is empty and {} is not set: the object store's credentials are "
                  "needed",
                  key, variable));
}

std::string NodeDescription(const ServerConfig& config) {
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  return fmt::format("deltatunnel node on {} (pid {}, listening on {})", host, getpid(),
                     config.listen);
}

Result<storage::ClusterOptions> ClusterOptionsOf(const ServerConfig& config) {
  const ClusterConfig& c = config.cluster;
  storage::ClusterOptions o;
  o.etcd_endpoints = c.etcd_endpoints;
  o.prefix = c.prefix;
  o.etcd_max_txn_ops = c.etcd_max_txn_ops;
  o.etcd_max_request_bytes = c.etcd_max_request_bytes;
  o.lease_ttl_s = c.lease_ttl_s;
  o.chunk_cache_bytes = c.chunk_cache_mb << 20;
  o.node_description = NodeDescription(config);
  o.s3_endpoint = c.s3_endpoint;
  o.s3_bucket = c.s3_bucket;
  o.s3_region = c.s3_region;
  o.s3_path_style = c.s3_path_style;
  DT_ASSIGN_OR_RETURN(o.s3_access_key_id,
                      FromEnvironment(c.s3_access_key_id, "AWS_ACCESS_KEY_ID", "s3_access_key_id"));
  DT_ASSIGN_OR_RETURN(
      o.s3_secret_access_key,
      FromEnvironment(c.s3_secret_access_key, "AWS_SECRET_ACCESS_KEY", "s3_secret_access_key"));
  return o;
}

}  // namespace

Result<storage::EngineOptions> EngineOptionsOf(const ServerConfig& config) {
  storage::EngineOptions options;
  options.data_dir = config.data_dir;
  options.sync_commits = config.storage.sync_commits;
  options.default_commit_threshold = config.storage.default_commit_threshold;
  options.block_cache_bytes = config.storage.block_cache_mb << 20;
  options.file_delete_bytes_per_sec = config.storage.file_delete_rate_mb << 20;
  options.idempotency_ttl_hours = config.storage.idempotency_ttl_hours;
  options.consumer_hold_hours = config.storage.consumer_hold_hours;
  options.reject_quarantine_bytes = config.storage.reject_quarantine_mb << 20;
  options.compaction_threads = config.compaction.threads;
  options.compaction_nice = config.compaction.nice;
  options.max_pending_deltas = config.compaction.max_pending_deltas;
  options.backup_dir = config.backup.dir;
  options.backup_rate_bytes_per_sec = uint64_t{config.backup.rate_mb} << 20;
  if (config.storage.backend == "cluster") {
    DT_ASSIGN_OR_RETURN(options.cluster, ClusterOptionsOf(config));
  }
  return options;
}

}  // namespace deltatunnel::server
