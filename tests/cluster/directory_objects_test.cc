// The directory ObjectStore (storage/src/store/cluster/directory_objects.h): the object store
// contract, names that would leave the root refused, and no temporary file left by a put.
#include <catch2/catch.hpp>
#include <filesystem>

#include "object_store_contract.h"
#include "store/cluster/directory_objects.h"
#include "test_util.h"

using namespace deltatunnel;
using namespace deltatunnel::storage::cluster;

TEST_CASE("directory objects: keep the object store contract", "[objects]") {
  dt_test::TempDir root;
  DirectoryObjects objects(root.path);
  dt_test::CheckObjectStoreContract(objects);
  for (const auto& f : std::filesystem::recursive_directory_iterator(root.path)) {
    INFO(f.path().string());
    CHECK_FALSE(f.path().filename().string().starts_with('.'));
  }
}

TEST_CASE("directory objects: names that would leave the root are refused", "[objects]") {
  dt_test::TempDir root;
  DirectoryObjects objects(root.path);
  for (const char* name : {"../x", "a/../../x", "/etc/passwd", "a//b", "a/", "", ".hidden"}) {
    INFO(name);
    CHECK(objects.Put(name, "x").code() == ErrorCode::kInvalidArgument);
    CHECK(objects.Read(name, 0, 1).status().code() == ErrorCode::kInvalidArgument);
  }
}
