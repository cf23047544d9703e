#include "store/cluster/open_cluster_store.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "store/cluster/cluster_store.h"
#include "store/cluster/node_lease.h"
#include "store/cluster/s3_objects.h"

namespace deltatunnel::storage::cluster {

namespace {

Status Naming(std::string what, const Status& st) {
  return Status(st.code(), fmt::format("{}: {}", what, st.message()));
}

}  // namespace

Result<std::unique_ptr<Store>> OpenClusterStore(const ClusterOptions& options) {
  if (options.etcd_endpoints.empty()) return InvalidArgument("cluster: no etcd endpoint");
  if (options.s3_endpoint.empty() || options.s3_bucket.empty()) {
    return InvalidArgument("cluster: no S3 endpoint or bucket");
  }
  const std::string etcd_name =
      fmt::format("cluster: etcd at {}", fmt::join(options.etcd_endpoints, ", "));
  EtcdOptions eo;
  eo.endpoints = options.etcd_endpoints;
  eo.timeout = std::chrono::milliseconds(options.etcd_timeout_ms);
  auto etcd = EtcdClient::Connect(std::move(eo));
  if (!etcd.ok()) return Naming(etcd_name, etcd.status());
  std::shared_ptr<EtcdClient> client = std::move(etcd).value();

  S3Options so;
  so.endpoint = options.s3_endpoint;
  so.bucket = options.s3_bucket;
  so.region = options.s3_region;
  so.path_style = options.s3_path_style;
  so.credentials.access_key = options.s3_access_key_id;
  so.credentials.secret_key = options.s3_secret_access_key;
  so.timeout = std::chrono::milliseconds(options.s3_timeout_ms);
  const std::string bucket_name =
      fmt::format("cluster: bucket {} at {}", options.s3_bucket, options.s3_endpoint);
  auto objects = S3Objects::Open(std::move(so));
  if (!objects.ok()) return Naming(bucket_name, objects.status());
  if (Status st = objects.value()->CheckBucket(); !st.ok()) return Naming(bucket_name, st);

  NodeLeaseOptions lo;
  lo.etcd = client;
  lo.key = options.prefix + "node";
  lo.description =
      options.node_description.empty() ? "a deltatunnel node" : options.node_description;
  lo.ttl_seconds = options.lease_ttl_s;
  // A node restarted after a crash waits out its previous incarnation's lease.
  lo.wait = std::chrono::seconds(options.lease_ttl_s + 2);
  auto lease = NodeLease::Acquire(std::move(lo));
  if (!lease.ok()) return Naming(etcd_name, lease.status());

  ClusterStoreOptions co;
  co.etcd = client;
  co.objects = std::move(objects).value();
  co.lease = std::move(lease).value();
  co.prefix = options.prefix;
  co.max_txn_ops = options.etcd_max_txn_ops;
  co.max_txn_bytes = options.etcd_max_request_bytes;
  co.chunk_cache_bytes = options.chunk_cache_bytes;
  DT_ASSIGN_OR_RETURN(std::unique_ptr<ClusterStore> store, ClusterStore::Open(std::move(co)));
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace deltatunnel::storage::cluster
