// The cluster backend of the Store seam (storage/src/store/cluster/cluster_store.h): records in a
// real etcd member, runs as objects (here in a directory: directory_objects.h). It keeps the
// contract every backend keeps (tests/storage/store_contract.h), and its own promises: a batch's
// record changes fold into one etcd transaction whatever their order, a run is one object written
// before the records that name it, a batch that cannot be applied leaves no run behind, and a
// batch larger than one etcd transaction is refused before anything is written.
#include <fmt/format.h>

#include <catch2/catch.hpp>

#include "etcd_process.h"
#include "store/cluster/cluster_store.h"
#include "store/cluster/directory_objects.h"
#include "store/cluster/run_object.h"
#include "store_contract.h"
#include "test_util.h"

using namespace dt_test;
using namespace deltatunnel::storage::cluster;
using deltatunnel::testing::EtcdProcess;

namespace {

// An etcd member, a directory of objects and a cluster store on both.
class ClusterBackend {
 public:
  explicit ClusterBackend(size_t max_txn_ops = EtcdProcess::kMaxTxnOps) {
    EtcdOptions eo;
    eo.endpoints = {etcd_.endpoint()};
    auto client = EtcdClient::Connect(eo);
    REQUIRE(client.ok());
    etcd_client_ = std::move(client).value();
    objects_ = std::make_shared<DirectoryObjects>(dir_.path);
    Reopen(max_txn_ops);
  }
  void Reopen(size_t max_txn_ops = EtcdProcess::kMaxTxnOps) {
    ClusterStoreOptions o;
    o.etcd = etcd_client_;
    o.objects = objects_;
    o.max_txn_ops = max_txn_ops;
    o.max_txn_bytes = EtcdProcess::kMaxRequestBytes;
    auto store = ClusterStore::Open(std::move(o));
    REQUIRE(store.ok());
    store_ = std::move(store).value();
  }
  ClusterStore& store() { return *store_; }
  EtcdProcess& etcd() { return etcd_; }
  EtcdClient& etcd_client() { return *etcd_client_; }
  DirectoryObjects& objects() { return *objects_; }
  std::vector<std::string> Objects() {
    auto names = objects_->List("");
    REQUIRE(names.ok());
    return *names;
  }

 private:
  EtcdProcess etcd_;
  dt_test::TempDir dir_;
  std::shared_ptr<EtcdClient> etcd_client_;
  std::shared_ptr<DirectoryObjects> objects_;
  std::unique_ptr<ClusterStore> store_;
};

}  // namespace

TEST_CASE("cluster store: keeps the Store contract on etcd and object storage", "[cluster]") {
  ClusterBackend backend;
  CheckStoreContract(backend.store(), {});
}

TEST_CASE("cluster store: a run is one object, read back through a new store", "[cluster]") {
  ClusterBackend backend;
  auto b = backend.store().NewBatch();
  b->Put("Sx", "session");
  std::vector<std::string> chunks;
  for (int i = 0; i < 50; ++i) {
    chunks.push_back(std::string(1000 + i, static_cast<char>('a' + i % 26)));
    b->PutChunk(3, fmt::format("k{:03}", i), chunks.back());
  }
  Apply(backend.store(), *b);
  CHECK(backend.Objects() == Strings{RunObjectName("deltatunnel/runs/", 3)});

  backend.Reopen();  // nothing cached
  CHECK(GetOrFail(backend.store(), "Sx") == "session");
  auto one = backend.store().NewChunkCursor(3);
  CHECK(Chunks(*one, 3, "") == chunks);
  CHECK(Chunks(*one, 3, "k025") == std::vector<std::string>(chunks.begin() + 25, chunks.end()));
  auto any = backend.store().NewChunkCursor(std::nullopt);
  CHECK(Chunks(*any, 3, "k049") == Strings{chunks.back()});
}

TEST_CASE("cluster store: a batch's record changes fold into one transaction in their order",
          "[cluster]") {
  ClusterBackend backend;
  Store& store = backend.store();
  auto setup = store.NewBatch();
  for (const char* k : {"Ra", "Rb", "Rc", "Rd", "X"}) setup->Put(k, "old");
  Apply(store, *setup);

  auto b = store.NewBatch();
  b->Put("Rb", "put before the range: gone");
  b->DeleteRange("Ra", "Rz");
  b->Put("Rc", "put after the range: stays");
  b->Delete("X");
  b->Put("X", "deleted, then put");
  b->Put("Y", "put, then deleted");
  b->Delete("Y");
  b->DeleteRange("Q", "Rb");  // overlaps the first range
  Apply(store, *b);

  CHECK_FALSE(GetOrFail(store, "Ra"));
  CHECK_FALSE(GetOrFail(store, "Rb"));
  CHECK(GetOrFail(store, "Rc") == "put after the range: stays");
  CHECK_FALSE(GetOrFail(store, "Rd"));
  CHECK(GetOrFail(store, "X") == "deleted, then put");
  CHECK_FALSE(GetOrFail(store, "Y"));
}

TEST_CASE("cluster store: a batch larger than one etcd transaction is refused, nothing written",
          "[cluster]") {
  ClusterBackend backend(/*max_txn_ops=*/8);
  auto b = backend.store().NewBatch();
  for (int i = 0; i < 9; ++i) b->Put(fmt::format("K{}", i), "v");
  b->PutChunk(4, "k", "chunk");
  const Status st = backend.store().Write(*b, Durability::kSynced, "committing");
  CHECK(st.code() == ErrorCode::kInvalidArgument);
  CHECK_THAT(st.message(), Catch::Contains("committing") && Catch::Contains("--max-txn-ops"));
  CHECK_FALSE(GetOrFail(backend.store(), "K0"));
  CHECK(backend.Objects().empty());
}

TEST_CASE("cluster store: without etcd a batch fails unavailable and names no run", "[cluster]") {
  ClusterBackend backend;
  backend.etcd().Stop();
  auto b = backend.store().NewBatch();
  b->Put("Sx", "session");
  b->PutChunk(6, "k", "chunk");
  const Status st = backend.store().Write(*b, Durability::kSynced, "appending");
  CHECK(st.code() == ErrorCode::kServiceUnavailable);
  CHECK_THAT(st.message(), Catch::Contains("appending"));
  auto it = backend.store().Scan("S");
  CHECK_FALSE(it->Valid());
  CHECK(it->status().code() == ErrorCode::kServiceUnavailable);

  backend.etcd().Start();
  CHECK_FALSE(GetOrFail(backend.store(), "Sx"));
  // The run's object may stay (the transaction's fate was unknown), but nothing names it; a
  // batch after the outage applies.
  auto again = backend.store().NewBatch();
  again->Put("Sx", "session");
  again->PutChunk(7, "k", "chunk");
  Apply(backend.store(), *again);
  CHECK(GetOrFail(backend.store(), "Sx") == "session");
}

TEST_CASE("cluster store: a run object cut short or foreign is corruption, not a crash",
          "[cluster]") {
  ClusterBackend backend;
  auto b = backend.store().NewBatch();
  b->PutChunk(9, "a", "chunk a");
  b->PutChunk(9, "b", "chunk b");
  Apply(backend.store(), *b);
  const std::string name = RunObjectName("deltatunnel/runs/", 9);
  auto whole = backend.objects().Read(name, 0, 1 << 20);
  REQUIRE(whole.ok());

  for (const std::string& bad : {whole->substr(3), std::string("not a run at all"),
                                 whole->substr(0, 7) + whole->substr(8)}) {
    REQUIRE(backend.objects().Put(name, bad).ok());
    backend.Reopen();
    auto c = backend.store().NewChunkCursor(9);
    const Status st = c->Seek(9, "");
    INFO(st.ToString());
    CHECK(st.code() == ErrorCode::kCorruption);
    CHECK_FALSE(c->Valid());
  }
}
