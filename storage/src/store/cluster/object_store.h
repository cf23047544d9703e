// Object storage as the cluster backend sees it: whole objects written once under a name, read by
// byte range, deleted, listed by prefix. The S3 API (s3_objects.h, to come) and a directory of
// files (directory_objects.h: tests, and nodes sharing one file system) implement it; the cluster
// store (cluster_store.h) keeps each run as one object through it and sees nothing else.
//
// Errors are classified where they arise: an object that is not there -> kNoSuchObject; the
// storage unreachable, throttling or failing -> kServiceUnavailable / kIoError / kNoSpace (the
// server answers 503); a refused request -> kInvalidArgument.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "deltatunnel/proto/status.h"

namespace deltatunnel::storage::cluster {

struct ObjectTail {
  std::string bytes;  // the object's last bytes (all of it when it is shorter)
  uint64_t size = 0;  // the object's whole size
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;
  // Writes object `name` whole, replacing one there: readers see all of it or none.
  virtual Status Put(std::string_view name, std::string_view data) = 0;
  // `length` bytes from `offset` (fewer past the end).
  virtual Result<std::string> Read(std::string_view name, uint64_t offset, uint64_t length) = 0;
  // The last `length` bytes and the object's size: a footer in one request.
  virtual Result<ObjectTail> ReadTail(std::string_view name, uint64_t length) = 0;
  // Ok when there is no such object.
  virtual Status Delete(std::string_view name) = 0;
  // The names starting with `prefix`, in byte order.
  virtual Result<std::vector<std::string>> List(std::string_view prefix) = 0;
};

}  // namespace deltatunnel::storage::cluster
