#include "store_contract.h"

#include <catch2/catch.hpp>

namespace dt_test {
namespace {

std::vector<std::string> Keys(std::unique_ptr<RecordIterator> it) {
  std::vector<std::string> out;
  for (; it->Valid(); it->Next()) out.emplace_back(it->key());
  REQUIRE(it->status().ok());
  return out;
}

}  // namespace

std::optional<std::string> GetOrFail(Store& store, std::string_view key) {
  auto v = store.Get(key);
  REQUIRE(v.ok());
  return *v;
}

std::vector<std::string> Chunks(ChunkCursor& c, uint64_t run_id, std::string_view key) {
  std::vector<std::string> out;
  REQUIRE(c.Seek(run_id, key).ok());
  while (c.Valid()) {
    out.emplace_back(c.chunk());
    REQUIRE(c.Next().ok());
  }
  return out;
}

void Apply(Store& store, StoreBatch& batch, Durability d) {
  REQUIRE(store.Write(batch, d, "writing").ok());
}

void CheckStoreContract(Store& store, const StoreContract& contract) {
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
    if (contract.cursors_see_only_older_runs) CHECK(Chunks(*c, 5, "").empty());
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
    if (contract.bulk_runs_hidden_until_installed) CHECK(Chunks(*any, 30, "").empty());
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

}  // namespace dt_test
