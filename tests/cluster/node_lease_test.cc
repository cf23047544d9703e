// A node's hold on a cluster prefix (storage/src/store/cluster/node_lease.h) on a real etcd
// member: one holder at a time, a second one refused naming the first or let in once the first
// let go, and a holder that lost the key (taken from it, or its lease ended while etcd was away)
// writes nothing more through the cluster store, even after etcd is back.
#include <catch2/catch.hpp>
#include <thread>

#include "etcd_process.h"
#include "store/cluster/cluster_store.h"
#include "store/cluster/directory_objects.h"
#include "store/cluster/node_lease.h"
#include "test_util.h"

using namespace deltatunnel;
using namespace deltatunnel::storage;
using namespace deltatunnel::storage::cluster;
using deltatunnel::testing::EtcdProcess;

namespace {

std::shared_ptr<EtcdClient> Client(const EtcdProcess& etcd) {
  EtcdOptions eo;
  eo.endpoints = {etcd.endpoint()};
  eo.timeout = std::chrono::milliseconds(500);
  auto client = EtcdClient::Connect(eo);
  REQUIRE(client.ok());
  return std::move(client).value();
}

NodeLeaseOptions Options(std::shared_ptr<EtcdClient> etcd, std::string who, int64_t ttl = 5) {
  NodeLeaseOptions o;
  o.etcd = std::move(etcd);
  o.key = "p/node";
  o.description = std::move(who);
  o.ttl_seconds = ttl;
  return o;
}

std::unique_ptr<ClusterStore> StoreWith(std::shared_ptr<EtcdClient> etcd,
                                        std::shared_ptr<NodeLease> lease, const std::string& dir) {
  ClusterStoreOptions o;
  o.etcd = std::move(etcd);
  o.objects = std::make_shared<DirectoryObjects>(dir);
  o.lease = std::move(lease);
  o.prefix = "p/";
  auto store = ClusterStore::Open(std::move(o));
  REQUIRE(store.ok());
  return std::move(store).value();
}

Status PutRecord(Store& store, const std::string& key) {
  auto batch = store.NewBatch();
  batch->Put(key, "v");
  return store.Write(*batch, Durability::kSynced, "test");
}

}  // namespace

TEST_CASE("one node holds a prefix; a second is refused naming it, or let in once it let go",
          "[cluster][lease]") {
  EtcdProcess etcd;
  auto client = Client(etcd);
  auto first = NodeLease::Acquire(Options(client, "node A at 10.0.0.1:8080"));
  REQUIRE(first.ok());
  CHECK(first.value()->Check().ok());

  auto second = NodeLease::Acquire(Options(client, "node B"));
  REQUIRE_FALSE(second.ok());
  CHECK(second.status().code() == ErrorCode::kStatusConflict);
  CHECK_THAT(second.status().message(), Catch::Contains("node A at 10.0.0.1:8080"));

  // Waiting: the first lets go while the second waits, and the second gets it.
  auto waiting = Options(client, "node B");
  waiting.wait = std::chrono::seconds(5);
  std::thread release([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    first.value().reset();  // revokes the lease: the key goes at once
  });
  auto taken = NodeLease::Acquire(std::move(waiting));
  release.join();
  REQUIRE(taken.ok());
  auto held = client->Get("p/node");
  REQUIRE(held.ok());
  REQUIRE(*held);
  CHECK((*held)->value == taken.value()->value());
  CHECK_THAT((*held)->value, Catch::Contains("node B"));
}

TEST_CASE("a node whose key was taken over writes nothing more", "[cluster][lease]") {
  EtcdProcess etcd;
  dt_test::TempDir dir;
  auto client = Client(etcd);
  auto lease = NodeLease::Acquire(Options(client, "node A"));
  REQUIRE(lease.ok());
  std::shared_ptr<NodeLease> held = std::move(lease).value();
  auto store = StoreWith(client, held, dir.path);
  REQUIRE(PutRecord(*store, "before").ok());

  // Another node's value in the key (as if A's lease had ended and B had taken the prefix).
  REQUIRE(client->Put("p/node", "node B (incarnation 1)").ok());
  Status st = PutRecord(*store, "after");
  CHECK(st.code() == ErrorCode::kServiceUnavailable);
  CHECK_THAT(st.message(), Catch::Contains("no longer holds"));
  CHECK_FALSE(store->Writable().ok());
  auto after = store->Get("after");
  REQUIRE(after.ok());
  CHECK_FALSE(*after);
  auto before = store->Get("before");
  REQUIRE(before.ok());
  CHECK(*before);

  // The key coming back does not make the node a holder again: its state may be stale.
  REQUIRE(client->Put("p/node", held->value()).ok());
  CHECK(PutRecord(*store, "later").code() == ErrorCode::kServiceUnavailable);
}

TEST_CASE("a node cut off from etcd for longer than its lease stops writing, etcd back or not",
          "[cluster][lease]") {
  EtcdProcess etcd;
  dt_test::TempDir dir;
  auto client = Client(etcd);
  auto lease = NodeLease::Acquire(Options(client, "node A", /*ttl=*/1));
  REQUIRE(lease.ok());
  std::shared_ptr<NodeLease> held = std::move(lease).value();
  auto store = StoreWith(client, held, dir.path);
  REQUIRE(PutRecord(*store, "before").ok());

  etcd.Stop();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (held->Check().ok() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(held->Check().code() == ErrorCode::kServiceUnavailable);
  etcd.Start();
  // etcd renews leases when it restarts, so the key may well still hold this node's value: the
  // node still refuses, having been unable to prove its hold for a whole TTL.
  Status st = PutRecord(*store, "after");
  CHECK(st.code() == ErrorCode::kServiceUnavailable);
  CHECK_THAT(st.message(), Catch::Contains("no longer holds"));
  auto after = store->Get("after");
  REQUIRE(after.ok());
  CHECK_FALSE(*after);
}

TEST_CASE("a node lease needs etcd: unreachable is ServiceUnavailable, nothing held",
          "[cluster][lease]") {
  std::shared_ptr<EtcdClient> client;
  {
    EtcdProcess etcd;
    client = Client(etcd);
  }
  auto lease = NodeLease::Acquire(Options(client, "node A"));
  REQUIRE_FALSE(lease.ok());
  CHECK(lease.status().code() == ErrorCode::kServiceUnavailable);
}
