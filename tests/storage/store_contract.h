// The contract of a Store (storage/src/store/store.h), the seam the engine keeps its promises
// over: what every backend must do with records, run chunks and batches. Each backend's tests run
// it (tests/storage/store_test.cc: the local one; tests/cluster/cluster_store_test.cc: etcd and
// object storage), as Catch2 sections of the calling test case.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.h"

namespace dt_test {

using namespace deltatunnel;
using namespace deltatunnel::storage;

// What a backend may do beyond the contract; the engine relies on neither (it reads only runs
// that a record it read names).
struct StoreContract {
  // A chunk cursor reads no run written after it was made.
  bool cursors_see_only_older_runs = false;
  // A bulk writer's runs are unreadable until Install.
  bool bulk_runs_hidden_until_installed = false;
};

using Strings = std::vector<std::string>;

void CheckStoreContract(Store& store, const StoreContract& contract);

std::optional<std::string> GetOrFail(Store& store, std::string_view key);
// The chunks of run `run_id` a cursor reads from `key` on.
std::vector<std::string> Chunks(ChunkCursor& c, uint64_t run_id, std::string_view key);
void Apply(Store& store, StoreBatch& batch, Durability d = Durability::kBuffered);

}  // namespace dt_test
