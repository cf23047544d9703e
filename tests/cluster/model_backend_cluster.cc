// The model test (tests/storage/model_test.cc) on the cluster backend: one etcd member for the
// whole binary, each engine's records under a prefix of its own (its data directory's name), its
// runs as objects in <dir>/objects.
#include <filesystem>
#include <memory>
#include <mutex>

#include "../../storage/src/engine_impl.h"
#include "etcd_process.h"
#include "model_backend.h"
#include "store/cluster/cluster_store.h"
#include "store/cluster/directory_objects.h"

namespace dt_test {

using namespace deltatunnel;
using namespace deltatunnel::storage;
using namespace deltatunnel::storage::cluster;

Result<std::unique_ptr<Engine>> OpenModelEngine(const EngineOptions& options) {
  static std::once_flag once;
  static std::unique_ptr<testing::EtcdProcess> etcd;
  std::call_once(once, [] { etcd = std::make_unique<testing::EtcdProcess>(); });

  EtcdOptions eo;
  eo.endpoints = {etcd->endpoint()};
  DT_ASSIGN_OR_RETURN(std::unique_ptr<EtcdClient> client, EtcdClient::Connect(eo));
  ClusterStoreOptions o;
  o.etcd = std::move(client);
  o.objects = std::make_shared<DirectoryObjects>(options.data_dir + "/objects");
  o.prefix = std::filesystem::path(options.data_dir).filename().string() + "/";
  o.max_txn_ops = testing::EtcdProcess::kMaxTxnOps;
  o.max_txn_bytes = testing::EtcdProcess::kMaxRequestBytes;
  DT_ASSIGN_OR_RETURN(std::unique_ptr<ClusterStore> store, ClusterStore::Open(std::move(o)));
  return EngineImpl::OpenOn(options, std::move(store));
}

}  // namespace dt_test
