// The cluster backend as the engine opens it from ClusterOptions: etcd must answer, the bucket
// must exist and take the credentials, and the node must get the prefix's lease (node_lease.h);
// otherwise the error says which of them failed, and nothing is left behind.
#pragma once

#include <memory>

#include "deltatunnel/storage/cluster_options.h"
#include "store/store.h"

namespace deltatunnel::storage::cluster {

Result<std::unique_ptr<Store>> OpenClusterStore(const ClusterOptions& options);

}  // namespace deltatunnel::storage::cluster
