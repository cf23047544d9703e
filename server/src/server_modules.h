// The modules the daemon runs, in one list: main.cc starts them and the OpenAPI test reads their
// routes, so a module added here is served and checked against docs/openapi.json alike.
#pragma once

#include <memory>
#include <vector>

#include "deltatunnel/server/server.h"

namespace deltatunnel::server {

// `budget`: the server's memory budget (Server::memory_budget()) the API module reserves from.
std::vector<std::unique_ptr<ServerModule>> MakeServerModules(MemoryBudget* budget = nullptr);

}  // namespace deltatunnel::server
