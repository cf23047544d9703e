// The local backend of the Store seam (LocalStore on a RocksDB database laid out as the engine's):
// the contract every backend keeps (store_contract.h), and what is the local backend's own.
#include <fstream>

#include "store/local/local_store.h"
#include "store_contract.h"
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

}  // namespace

TEST_CASE("store: the local backend keeps the Store contract", "[store]") {
  TempDir dir;
  {
    LocalBackend backend(dir.path);
    CheckStoreContract(backend.store(), {.cursors_see_only_older_runs = true,
                                         .bulk_runs_hidden_until_installed = true});
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
