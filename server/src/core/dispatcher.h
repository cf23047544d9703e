// From a parsed request to its answer, without sockets: decodes the path and query, routes, turns
// away requests while the server is not serving, runs the handler inline or on the worker pool,
// turns exceptions into 500, and counts answers in the HTTP metrics. The Beast session calls it.
#pragma once

#include <atomic>
#include <functional>
#include <string_view>

#include "deltatunnel/server/http_types.h"
#include "deltatunnel/server/metrics.h"
#include "deltatunnel/server/router.h"
#include "deltatunnel/server/server.h"
#include "project_gate.h"
#include "worker_pool.h"

namespace deltatunnel::server {

// "tunnel", "native", "ops" or "console": the metrics' surface label of a path.
std::string_view SurfaceOf(std::string_view path);

class Dispatcher {
 public:
  // Where a piece of a streamed answer is made.
  enum class Lane {
    kStream,  // reads, downloads, a feed catching up: as much as the client takes
    kLive,    // a feed that has caught up: one version at a time, as commits come
  };

  // `project_limit`: requests of one project running on workers at once (ProjectGate); 0: none.
  // `stream_workers` and `live_workers`: where the pieces of streamed answers are made, by lane
  // (nullptr: on `workers`, and on the stream workers).
  Dispatcher(const Router& router, WorkerPool& workers, Metrics& metrics,
             const std::atomic<ServerState>& state, uint32_t project_limit = 0,
             WorkerPool* stream_workers = nullptr, WorkerPool* live_workers = nullptr);

  // Answers `req` (method, target, headers, body, request_id, remote filled in). `done` is called
  // exactly once, inline or from a worker thread.
  void Dispatch(Request req, std::function<void(Response)> done);
  // Whether a request whose header alone was read (method, target, headers) may send its body:
  // the route's RouteOptions::admit, when it has one (authentication before bodies). Anything the
  // full dispatch would refuse (bad path, no route) is left to it: Ok here.
  Status Admit(const Request& head) const;
  // Runs `task`, a piece of a streamed answer already begun (a read, a change feed), on its lane's
  // workers: apart from the handlers, so that a feed's next records never wait behind loads that
  // hold every worker; and live feeds apart from big reads, on threads that take the CPU first.
  // Each piece is bounded (a streamed answer makes one piece at a time).
  void RunBlocking(std::function<void()> task, Lane lane = Lane::kStream);
  // Counts one answer written: by surface and status, and its duration.
  void Record(std::string_view target, int status, double seconds);
  // Counts one request whose work was stopped early (Cancellation), by why.
  void CountCancelled(Cancellation::Reason reason);

 private:
  const Router& router_;
  WorkerPool& workers_;
  WorkerPool& stream_workers_;
  WorkerPool& live_workers_;
  ProjectGate gate_;
  Metrics& metrics_;
  const std::atomic<ServerState>& state_;
};

// Runs a handler; an exception becomes 500 InternalServerError.
Response RunHandler(const Handler& handler, Request& req);

}  // namespace deltatunnel::server
