// The daemon in one object: the listener, the I/O threads, the worker pool, the operations routes
// (/healthz, /readyz, /metrics) and the modules that bring the API surfaces. Usable in-process
// from tests; main.cc adds signal handling.
//
// Life: construct, add routes and modules, Start() (listens, serves /healthz at once, opens the
// modules while /readyz answers 503, then serves), Stop() from anywhere (a signal), Wait().
// Shutdown: /readyz and every non-operations route answer 503, the listener stops accepting,
// idle keep-alive connections close, requests in flight finish within shutdown_grace_s (then
// their connections are closed), the threads are joined and the modules closed, in reverse order.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "deltatunnel/proto/status.h"
#include "deltatunnel/server/config.h"
#include "deltatunnel/server/memory_budget.h"
#include "deltatunnel/server/metrics.h"
#include "deltatunnel/server/router.h"

namespace deltatunnel::server {

enum class ServerState { kStarting, kServing, kDraining, kStopped };

// A part of the daemon with its own resources and routes, such as the storage engine and the API
// surfaces on it.
class ServerModule {
 public:
  virtual ~ServerModule() = default;
  virtual std::string_view name() const = 0;
  // Before the listener starts. Handlers may be called only after Open succeeded (until then
  // the server answers 503 for them).
  virtual void RegisterRoutes(Router& router) = 0;
  // After the listener started (slow work such as a storage recovery is fine: /readyz says 503
  // meanwhile). A failure stops the server and Start() answers it.
  virtual Status Open(const ServerConfig& config, Metrics& metrics) = 0;
  // After the last request finished and the threads were joined: flush and release.
  virtual void Close() = 0;
  // While serving: Ok while the module can do its work; else why not, and /readyz answers 503
  // with it (storage stopped by a fault, for example). Cheap: called on every /readyz.
  virtual Status Ready() { return Status::Ok(); }
};

class Server {
 public:
  explicit Server(ServerConfig config, Metrics& metrics = Metrics::Global());
  ~Server();  // Stop() and Wait()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Before Start().
  Router& router();
  void AddModule(std::unique_ptr<ServerModule> module);
  // A check /readyz runs (any time, from an I/O thread: it must answer at once): why the server
  // cannot take work now, or nullopt. /readyz answers 503 naming the first failing check.
  // The server-wide memory budget (limits.memory_budget_bytes), for modules to reserve from.
  MemoryBudget& memory_budget();
  void AddReadinessCheck(std::string name, std::function<std::optional<std::string>()> not_ready);
  // Registers the operations routes and every module's routes, once (Start() calls it): lets a
  // test read router().Routes() without opening anything.
  void PrepareRoutes();

  // Returns once serving (/readyz 200), or with why it could not: the address could not be
  // bound, a module failed to open.
  Status Start();
  // The bound port (useful with port 0); 0 before Start().
  uint16_t port() const;
  ServerState state() const;
  const ServerConfig& config() const;

  // Begins the shutdown; returns at once. Thread-safe, idempotent (not async-signal-safe: call it
  // from a thread that waits for signals).
  void Stop();
  // Blocks until the shutdown is complete: requests finished or the grace period passed, threads
  // joined, modules closed.
  void Wait();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace deltatunnel::server
