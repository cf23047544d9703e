// The backend the model test (model_test.cc) runs the engine on: each test binary that compiles
// model_test.cc links one definition (model_backend_local.cc: the local RocksDB store;
// tests/cluster/model_backend_cluster.cc: etcd and object storage).
#pragma once

#include <memory>

#include "deltatunnel/storage/engine.h"

namespace dt_test {

// The engine on this binary's backend; the same `options.dir` reopens the same data.
deltatunnel::Result<std::unique_ptr<deltatunnel::storage::Engine>> OpenModelEngine(
    const deltatunnel::storage::EngineOptions& options);

}  // namespace dt_test
