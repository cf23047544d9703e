// The node's cache of chunks (store/cluster/chunk_cache.h): bounded by bytes, least recently used
// out first, runs forgotten when freed; and through the engine on the cluster backend, a key
// looked up again is answered without reading object storage, while a scan neither fills the
// cache nor reads through it.
#include <catch2/catch.hpp>

#include <atomic>

#include "../../storage/src/engine_impl.h"
#include "etcd_process.h"
#include "store/cluster/chunk_cache.h"
#include "store/cluster/cluster_store.h"
#include "store/cluster/directory_objects.h"
#include "test_util.h"

using namespace dt_test;
using namespace deltatunnel;
using namespace deltatunnel::storage;
using namespace deltatunnel::storage::cluster;
using deltatunnel::testing::EtcdProcess;

namespace {

std::shared_ptr<const std::string> Bytes(size_t n, char c) {
  return std::make_shared<const std::string>(n, c);
}

// Object storage that counts the byte-range reads it answers.
class CountingObjects final : public ObjectStore {
 public:
  explicit CountingObjects(std::string dir) : base_(std::move(dir)) {}
  Status Put(std::string_view name, std::string_view data) override {
    return base_.Put(name, data);
  }
  Result<std::string> Read(std::string_view name, uint64_t offset, uint64_t length) override {
    ++reads;
    return base_.Read(name, offset, length);
  }
  Result<ObjectTail> ReadTail(std::string_view name, uint64_t length) override {
    return base_.ReadTail(name, length);
  }
  Status Delete(std::string_view name) override { return base_.Delete(name); }
  Result<std::vector<std::string>> List(std::string_view prefix) override {
    return base_.List(prefix);
  }
  std::atomic<uint64_t> reads{0};

 private:
  DirectoryObjects base_;
};

}  // namespace

TEST_CASE("the chunk cache keeps at most its capacity, least recently used out first",
          "[cluster][chunk_cache]") {
  ChunkCache cache(100);
  cache.Put(1, 0, Bytes(40, 'a'));
  cache.Put(1, 40, Bytes(40, 'b'));
  REQUIRE(cache.Get(1, 0));  // a is now the most recently used
  cache.Put(2, 0, Bytes(40, 'c'));
  CHECK(cache.Get(1, 40) == nullptr);  // b went: 120 bytes would not fit
  REQUIRE(cache.Get(1, 0));
  CHECK(*cache.Get(1, 0) == std::string(40, 'a'));
  REQUIRE(cache.Get(2, 0));
  ChunkCacheStats st = cache.Stats();
  CHECK(st.bytes == 80);
  CHECK(st.chunks == 2);
  CHECK(st.evictions == 1);
  CHECK(st.hits == 4);
  CHECK(st.misses == 1);

  cache.Put(3, 0, Bytes(101, 'x'));  // larger than the whole cache: not kept, nothing evicted
  CHECK(cache.Get(3, 0) == nullptr);
  CHECK(cache.Stats().chunks == 2);

  cache.Put(1, 0, Bytes(10, 'z'));  // the same chunk again replaces it
  CHECK(cache.Stats().bytes == 50);

  cache.ForgetRuns(1, 2);  // run 1 freed
  CHECK(cache.Get(1, 0) == nullptr);
  CHECK(cache.Get(2, 0) != nullptr);
  CHECK(cache.Stats().bytes == 40);

  ChunkCache none(0);
  none.Put(1, 0, Bytes(1, 'a'));
  CHECK(none.Get(1, 0) == nullptr);
  CHECK(none.Stats().bytes == 0);
}

TEST_CASE("a key looked up again is answered from the node's chunk cache, a scan reads past it",
          "[cluster][chunk_cache]") {
  EtcdProcess etcd;
  TempDir dir;
  TestClock clock;
  EtcdOptions eo;
  eo.endpoints = {etcd.endpoint()};
  auto objects = std::make_shared<CountingObjects>(dir.path + "/objects");
  ClusterStoreOptions o;
  o.etcd = Must(EtcdClient::Connect(eo));
  o.objects = objects;
  o.chunk_cache_bytes = 1 << 20;
  auto store = Must(ClusterStore::Open(std::move(o)));
  ClusterStore* cluster = store.get();
  auto engine = Must(EngineImpl::OpenOn(Options(dir.path, clock), std::move(store)));
  const TableInfo t = Must(engine->CreateTable(KvTable("t", false, {{"write.bucket.num", "2"}})));
  const SessionInfo s = Must(engine->OpenSession(SessionOn("t")));
  Batcher b(t);
  for (int64_t k = 0; k < 1000; ++k) b.Upsert(k, "v" + std::to_string(k));
  MustOk(engine->Append(s.id, b.batch()));
  MustOk(engine->Commit(s.id).status());

  LookupOptions lookup;
  lookup.project = "p";
  lookup.table = "t";
  lookup.keys = {{proto::Value(int64_t{7})}, {proto::Value(int64_t{900})}};
  REQUIRE(Must(engine->Lookup(lookup)).rows.size() == 2);
  const uint64_t reads_first = objects->reads.load();
  CHECK(reads_first > 0);
  const ChunkCacheStats first = cluster->chunk_cache().Stats();
  CHECK(first.misses > 0);
  CHECK(first.bytes > 0);

  const auto again = Must(engine->Lookup(lookup)).rows;
  REQUIRE(again.size() == 2);
  CHECK(ToCell(again[0]).v == "v7");
  CHECK(objects->reads.load() == reads_first);  // nothing read from object storage
  CHECK(cluster->chunk_cache().Stats().hits > first.hits);
  CHECK(engine->Stats().chunk_cache_hits == cluster->chunk_cache().Stats().hits);

  // A scan reads the runs through by byte range: it reads object storage and leaves the cache
  // as it was.
  CHECK(ScanRows(*engine, "t").size() == 1000);
  CHECK(objects->reads.load() > reads_first);
  CHECK(cluster->chunk_cache().Stats().bytes == first.bytes);
}
