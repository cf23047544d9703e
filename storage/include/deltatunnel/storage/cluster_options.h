// The cluster backend's settings (issue 23): records in etcd, runs in S3-compatible object
// storage. EngineOptions::cluster set -> the engine runs on them instead of RocksDB in data_dir.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace deltatunnel::storage {

struct ClusterOptions {
  // etcd members' client URLs, "http://host:port" or "host:port" (at least one).
  std::vector<std::string> etcd_endpoints;
  // Of every etcd key and object name: deployments can share one etcd and one bucket.
  std::string prefix = "deltatunnel/";
  // etcd's limits on one transaction, as its members were started with (--max-txn-ops,
  // --max-request-bytes): a commit beyond them is refused before anything is written.
  uint64_t etcd_max_txn_ops = 10000;
  uint64_t etcd_max_request_bytes = 10 << 20;
  uint32_t etcd_timeout_ms = 5000;
  // This node's hold on the prefix: how long it outlives the node, seconds.
  uint32_t lease_ttl_s = 10;
  // Who this node is (its address), shown to a second node refused the prefix.
  std::string node_description;
  // The node's cache of chunks lookups read from object storage, bytes (0: none).
  uint64_t chunk_cache_bytes = 256 << 20;

  // The S3 API's endpoint, "http://host:port"; the bucket (it must exist), its region, and
  // path-style (http://host/bucket/name) or virtual-hosted (http://bucket.host/name) requests.
  std::string s3_endpoint;
  std::string s3_bucket;
  std::string s3_region = "us-east-1";
  bool s3_path_style = true;
  std::string s3_access_key_id;
  std::string s3_secret_access_key;
  uint32_t s3_timeout_ms = 10000;
};

}  // namespace deltatunnel::storage
