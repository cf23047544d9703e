// The contract of an ObjectStore (storage/src/store/cluster/object_store.h): what the cluster
// store relies on, run against each implementation (directory_objects_test.cc here; the S3 client
// against a real RADOS Gateway in tests/s3/). As Catch2 sections of the calling test case.
#pragma once

#include "store/cluster/object_store.h"

namespace dt_test {

void CheckObjectStoreContract(deltatunnel::storage::cluster::ObjectStore& objects);

}  // namespace dt_test
