// An ObjectStore on a directory: object "a/b" is the file <root>/a/b. Put writes a temporary file
// in the same directory, syncs it and renames it over the name, so a reader (or a crash) sees the
// old object or the new one whole. For tests of the cluster store without S3, and for nodes that
// share one file system.
#pragma once

#include <atomic>
#include <string>

#include "store/cluster/object_store.h"

namespace deltatunnel::storage::cluster {

class DirectoryObjects final : public ObjectStore {
 public:
  explicit DirectoryObjects(std::string root);

  Status Put(std::string_view name, std::string_view data) override;
  Result<std::string> Read(std::string_view name, uint64_t offset, uint64_t length) override;
  Result<ObjectTail> ReadTail(std::string_view name, uint64_t length) override;
  Status Delete(std::string_view name) override;
  Result<std::vector<std::string>> List(std::string_view prefix) override;

 private:
  // The file of `name`; InvalidArgument for a name that would leave the root.
  Result<std::string> PathOf(std::string_view name) const;

  std::string root_;
  std::atomic<uint64_t> next_temp_{0};
};

}  // namespace deltatunnel::storage::cluster
