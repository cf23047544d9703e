// The engine on the cluster backend within etcd's limits on one transaction: a session's run
// records go in one range delete, so committing or aborting a session of many runs stays a few
// etcd operations, however many runs it wrote (etcd refuses a transaction of more than its
// --max-txn-ops, 128 by default).
#include <catch2/catch.hpp>

#include "../../storage/src/engine_impl.h"
#include "etcd_process.h"
#include "store/cluster/cluster_store.h"
#include "store/cluster/directory_objects.h"
#include "test_util.h"

using namespace dt_test;
using namespace deltatunnel;
using namespace deltatunnel::storage;
using namespace deltatunnel::storage::cluster;
using deltatunnel::testing::EtcdProcess;

TEST_CASE("a session of more runs than one etcd transaction takes commits and aborts",
          "[cluster][engine]") {
  EtcdProcess etcd;
  TempDir dir;
  TestClock clock;
  EtcdOptions eo;
  eo.endpoints = {etcd.endpoint()};
  ClusterStoreOptions o;
  std::shared_ptr<EtcdClient> client = Must(EtcdClient::Connect(eo));
  o.etcd = client;
  o.objects = std::make_shared<DirectoryObjects>(dir.path + "/objects");
  constexpr size_t kTxnOps = 32;
  o.max_txn_ops = kTxnOps;
  auto store = Must(ClusterStore::Open(std::move(o)));
  auto engine = Must(EngineImpl::OpenOn(Options(dir.path, clock), std::move(store)));
  const TableInfo t = Must(engine->CreateTable(KvTable("kv", false, {{"write.bucket.num", "1"}})));

  constexpr int kRuns = 3 * kTxnOps;  // each append of one bucket writes one run
  auto write = [&](const std::string& value) {
    const SessionInfo s = Must(engine->OpenSession({.project = "p", .table = "kv"}));
    for (int i = 0; i < kRuns; ++i) {
      Batcher b(t);
      b.Upsert(i, value);
      MustOk(engine->Append(s.id, b.batch()));
    }
    return s.id;
  };
  const std::string committed = write("a");
  REQUIRE(engine->Commit(committed).ok());
  const std::string aborted = write("b");
  REQUIRE(engine->Abort(aborted).ok());
  // No run record of either session is left in etcd.
  auto left = client->RangePrefix("deltatunnel/r/R");
  REQUIRE(left.ok());
  CHECK(left->empty());

  Rows rows = ScanRows(*engine, "kv");
  REQUIRE(rows.size() == kRuns);
  for (const auto& [k, cell] : rows) CHECK(cell.v == "a");
}
