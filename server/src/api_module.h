// The API module of the daemon: opens the storage engine and serves the Tunnel and native surfaces
// on it, with authentication, write slots and the storage metrics. main.cc adds it to the Server.
#pragma once

#include <memory>

#include "deltatunnel/server/server.h"

namespace deltatunnel::server {

// `budget`: the server's memory budget, which decompressed bodies reserve from (nullptr: none).
std::unique_ptr<ServerModule> MakeApiModule(MemoryBudget* budget = nullptr);

}  // namespace deltatunnel::server
