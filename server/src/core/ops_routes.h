// The operations surface (api.md section 6): /healthz, /readyz, /metrics, and, with
// ServerConfig::test_hooks only, the test-only /_test/* routes:
//   GET  /_test/sleep?ms=N                 sleeps N ms on a worker, stopped early like long work
//                                          (Cancellation); answers {"slept_ms": N}
//   GET  /_test/stream?pieces=N&bytes=M    streams N chunks of M bytes ('a', 'b', ...)
//   POST /_test/echo                       answers the body back
#pragma once

#include <atomic>
#include <functional>

#include "deltatunnel/server/metrics.h"
#include "deltatunnel/server/router.h"
#include "deltatunnel/server/server.h"
#include "readiness.h"

namespace deltatunnel::server {

// /readyz answers 503 while `readiness` names a reason (and while not serving).
void AddOperationsRoutes(Router& router, const std::atomic<ServerState>& state, Metrics& metrics,
                         const Readiness& readiness);
void AddTestRoutes(Router& router);

}  // namespace deltatunnel::server
