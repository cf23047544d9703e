// The directory ObjectStore (storage/src/store/cluster/directory_objects.h): the object store
// contract, names that would leave the root refused, and no temporary file left by a put.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "object_store_contract.h"
#include "store/cluster/directory_objects.h"

using namespace deltatunnel;
using namespace deltatunnel::storage::cluster;

namespace {

struct Root {
  Root() {
    path = std::filesystem::temp_directory_path() /
           ("dt-dirobjects-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::create_directories(path);
  }
  ~Root() { std::filesystem::remove_all(path); }
  std::filesystem::path path;
  static inline int counter = 0;
};

}  // namespace

TEST_CASE("directory objects: keep the object store contract", "[objects]") {
  Root root;
  DirectoryObjects objects(root.path.string());
  dt_test::CheckObjectStoreContract(objects);
  for (const auto& f : std::filesystem::recursive_directory_iterator(root.path)) {
    INFO(f.path().string());
    CHECK_FALSE(f.path().filename().string().starts_with('.'));
  }
}

TEST_CASE("directory objects: names that would leave the root are refused", "[objects]") {
  Root root;
  DirectoryObjects objects(root.path.string());
  for (const char* name : {"../x", "a/../../x", "/etc/passwd", "a//b", "a/", "", ".hidden"}) {
    INFO(name);
    CHECK(objects.Put(name, "x").code() == ErrorCode::kInvalidArgument);
    CHECK(objects.Read(name, 0, 1).status().code() == ErrorCode::kInvalidArgument);
  }
}
