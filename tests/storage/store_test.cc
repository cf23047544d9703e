// The contract of a Store (storage/src/store/store.h), the seam the engine keeps its promises
// over: what every backend must do with records, run chunks and batches. Run here against the
// local backend (LocalStore on a RocksDB database laid out as the engine's); a cluster backend
// runs the same cases (CheckStoreContract).
#include <fstream>

#include "store/local/local_store.h"
#include "test_util.h"

using namespace dt_test;

namespace {

// The local backend in `dir`, opened as the engine opens it.
class LocalBackend {
 public:
  explicit LocalBackend(const std::string& dir) {
    LocalStoreOptions options;
    options.dir = dir;
    auto store = LocalStore::Open(std::move(options));
    REQUIRE(store.ok());
    store_ = std::move(store).value();
  }
  LocalStore& store() { return *store_; }

 private:
  std::unique_ptr<LocalStore> store_;
};

std::optional<std::string> GetOrFail(Store& store, std::string_view key) {
  auto v = store.Get(key);
  REQUIRE(v.ok());
  return *v;
}

std::vector<std::string> Keys(std::unique_ptr<RecordIterator> it) {
  std::vector<std::string> out;
  for (; it->Valid(); it->Next()) out.emplace_back(it->key());
  REQUIRE(it->status().ok());
  return out;
}

// The chunks of run `run_id` a cursor reads from `key` on.
std::vector<std::string> Chunks(ChunkCursor& c, uint64_t run_id, std::string_view key) {
  std::vector<std::string> out;
  REQUIRE(c.Seek(run_id, key).ok());
  while (c.Valid()) {
    out.emplace_back(c.chunk());
    REQUIRE(c.Next().ok());
  }
  return out;
}

void Apply(Store& store, StoreBatch& batch, Durability d = Durability::kBuffered) {
  REQUIRE(store.Write(batch, d, "writing").ok());
}

using Strings = std::vector<std::string>;

void CheckStoreContract(Store& store) {
  SECTION("a batch's records are seen only once it is written, then all of them") {
    auto b = store.NewBatch();
    b->Put("Ta", "1");
    b->Put(std::string("N\0x", 3), "binary key");
    b->PutChunk(5, "k", "chunk");
    CHECK(b->Count() == 3);
    CHECK(b->ByteSize() > 0);
    CHECK_FALSE(GetOrFail(store, "Ta"));
    auto c = store.NewChunkCursor(std::nullopt);
    CHECK(Chunks(*c, 5, "").empty());
    Apply(store, *b, Durability::kSynced);
    CHECK(GetOrFail(store, "Ta") == "1");
    CHECK(GetOrFail(store, std::string("N\0x", 3)) == "binary key");
    CHECK_FALSE(GetOrFail(store, "N"));
    CHECK(Chunks(*c, 5, "").empty());  // a cursor reads what was written before it was made
    c = store.NewChunkCursor(std::nullopt);
    CHECK(Chunks(*c, 5, "") == Strings{"chunk"});

    auto d = store.NewBatch();
    d->Delete("Ta");
    d->Put("Tb", "2");
    Apply(store, *d);
    CHECK_FALSE(GetOrFail(store, "Ta"));
    CHECK(GetOrFail(store, "Tb") == "2");
    CHECK(store.Put("Tb", "3", Durability::kBuffered, "writing").ok());
    CHECK(GetOrFail(store, "Tb") == "3");
  }

  SECTION("scans stay inside their prefix, forwards and backwards") {
    auto b = store.NewBatch();
    for (const char* k : {"C1", "Ca1", "Ca2", "Ca3", "Cb1", "D1"}) b->Put(k, k);
    Apply(store, *b);
    CHECK(Keys(store.Scan("Ca")) == Strings{"Ca1", "Ca2", "Ca3"});
    CHECK(Keys(store.Scan("C")) == Strings{"C1", "Ca1", "Ca2", "Ca3", "Cb1"});
    CHECK(Keys(store.Scan("Cc")).empty());
    CHECK(Keys(store.ScanBackward("Ca", "Ca2")) == Strings{"Ca2", "Ca1"});
    CHECK(Keys(store.ScanBackward("Ca", "Ca9")) == Strings{"Ca3", "Ca2", "Ca1"});
    CHECK(Keys(store.ScanBackward("Cb", "Cb0")).empty());  // Ca3 is before it, not in it
    auto it = store.Scan("Ca1");
    REQUIRE(it->Valid());
    CHECK(it->value() == "Ca1");

    auto d = store.NewBatch();
    d->DeleteRange("Ca2", "Cb1");
    Apply(store, *d);
    CHECK(Keys(store.Scan("C")) == Strings{"C1", "Ca1", "Cb1"});
  }

  SECTION("a run's chunks are read in key order, found by their last key, never past the run") {
    auto b = store.NewBatch();
    b->PutChunk(7, "f", "7:d-f");
    b->PutChunk(7, "c", "7:a-c");
    b->PutChunk(7, "k", "7:g-k");
    b->PutChunk(8, "a", "8:a");
    b->PutChunk(6, "z", "6:z");
    Apply(store, *b);

    auto one = store.NewChunkCursor(7);
    CHECK(Chunks(*one, 7, "") == Strings{"7:a-c", "7:d-f", "7:g-k"});
    CHECK(Chunks(*one, 7, "d") == Strings{"7:d-f", "7:g-k"});
    CHECK(Chunks(*one, 7, "f") == Strings{"7:d-f", "7:g-k"});
    CHECK(Chunks(*one, 7, "l").empty());

    auto any = store.NewChunkCursor(std::nullopt);
    CHECK(Chunks(*any, 8, "") == Strings{"8:a"});
    CHECK(Chunks(*any, 7, "g") == Strings{"7:g-k"});
    CHECK(Chunks(*any, 6, "") == Strings{"6:z"});
    CHECK(Chunks(*any, 9, "").empty());
    CHECK(Chunks(*any, 5, "").empty());

    auto d = store.NewBatch();
    d->DropRuns(7, 8);
    Apply(store, *d);
    any = store.NewChunkCursor(std::nullopt);
    CHECK(Chunks(*any, 7, "").empty());
    CHECK(Chunks(*any, 6, "") == Strings{"6:z"});
    CHECK(Chunks(*any, 8, "") == Strings{"8:a"});
  }

  SECTION("a bulk writer's runs and records are present once installed, all at once") {
    auto w = store.NewBulkWriter("one");
    REQUIRE(w.ok());
    REQUIRE((*w)->PutChunk(30, "b", "30:a-b").ok());
    REQUIRE((*w)->PutChunk(30, "d", "30:c-d").ok());
    REQUIRE((*w)->PutChunk(31, "a", "31:a").ok());
    REQUIRE((*w)->Put("F1", "filter 1").ok());
    REQUIRE((*w)->Put("F2", "filter 2").ok());
    auto any = store.NewChunkCursor(std::nullopt);
    CHECK(Chunks(*any, 30, "").empty());
    CHECK_FALSE(GetOrFail(store, "F1"));
    REQUIRE(store.Install(**w).ok());
    any = store.NewChunkCursor(std::nullopt);
    CHECK(Chunks(*any, 30, "c") == Strings{"30:c-d"});
    CHECK(Chunks(*any, 31, "") == Strings{"31:a"});
    CHECK(Keys(store.Scan("F")) == Strings{"F1", "F2"});

    auto empty = store.NewBulkWriter("empty");
    REQUIRE(empty.ok());
    CHECK(store.Install(**empty).ok());
  }

  SECTION("a bulk writer dropped before Install leaves nothing") {
    {
      auto w = store.NewBulkWriter("dropped");
      REQUIRE(w.ok());
      REQUIRE((*w)->PutChunk(40, "a", "40:a").ok());
      REQUIRE((*w)->Put("F4", "filter").ok());
    }
    auto any = store.NewChunkCursor(std::nullopt);
    CHECK(Chunks(*any, 40, "").empty());
    CHECK_FALSE(GetOrFail(store, "F4"));
  }

  SECTION("freed runs are gone, the others stay") {
    auto b = store.NewBatch();
    for (uint64_t run = 10; run < 20; ++run) {
      b->PutChunk(run, "k", "run " + std::to_string(run));
    }
    Apply(store, *b);
    REQUIRE(store.FreeRuns({{11, 13}, {15, 16}}).ok());
    auto any = store.NewChunkCursor(std::nullopt);
    for (uint64_t run = 10; run < 20; ++run) {
      const bool freed = (run >= 11 && run < 13) || run == 15;
      INFO("run " << run);
      CHECK(Chunks(*any, run, "").size() == (freed ? 0u : 1u));
    }
  }
}

}  // namespace

TEST_CASE("store: the local backend keeps the Store contract", "[store]") {
  TempDir dir;
  {
    LocalBackend backend(dir.path);
    CheckStoreContract(backend.store());
  }
  // Nothing of a bulk writer is left in the directory once it is installed or dropped.
  for (const auto& f : std::filesystem::directory_iterator(dir.path)) {
    INFO(f.path().string());
    CHECK_FALSE(f.path().filename().string().starts_with("bulk-"));
  }
}

TEST_CASE("store: the local backend's records and chunks survive a reopen", "[store]") {
  TempDir dir;
  {
    LocalBackend backend(dir.path);
    auto b = backend.store().NewBatch();
    b->Put("Sx", "session");
    b->PutChunk(3, "k", "chunk");
    Apply(backend.store(), *b);
  }
  LocalBackend backend(dir.path);
  CHECK(GetOrFail(backend.store(), "Sx") == "session");
  auto c = backend.store().NewChunkCursor(3);
  CHECK(Chunks(*c, 3, "") == Strings{"chunk"});
}

TEST_CASE("store: the local backend removes the files of bulk writers a crash interrupted",
          "[store]") {
  TempDir dir;
  for (const char* name : {"bulk-compaction-7.sst", "bulk-compaction-7-records.sst",
                           "compaction-9.sst", "other.sst"}) {
    std::ofstream(dir.path + "/" + name) << "x";
  }
  LocalBackend backend(dir.path);
  CHECK_FALSE(std::filesystem::exists(dir.path + "/bulk-compaction-7.sst"));
  CHECK_FALSE(std::filesystem::exists(dir.path + "/bulk-compaction-7-records.sst"));
  CHECK_FALSE(std::filesystem::exists(dir.path + "/compaction-9.sst"));
  CHECK(std::filesystem::exists(dir.path + "/other.sst"));
}
