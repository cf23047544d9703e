#include "server_modules.h"

#include "api_module.h"
#include "console_routes.h"

namespace deltatunnel::server {

std::vector<std::unique_ptr<ServerModule>> MakeServerModules(MemoryBudget* budget) {
  std::vector<std::unique_ptr<ServerModule>> modules;
  // The storage engine and the Tunnel and native surfaces on it.
  modules.push_back(MakeApiModule(budget));
  // The console at /, the metrics history it plots and the OpenAPI document (console/README.md).
  modules.push_back(MakeConsoleModule());
  return modules;
}

}  // namespace deltatunnel::server
