#include "model_backend.h"

namespace dt_test {

deltatunnel::Result<std::unique_ptr<deltatunnel::storage::Engine>> OpenModelEngine(
    const deltatunnel::storage::EngineOptions& options) {
  return deltatunnel::storage::Engine::Open(options);
}

}  // namespace dt_test
