#include "deltatunnel/server/server.h"

#include <pthread.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "connection_registry.h"
#include "dispatcher.h"
#include "http_listener.h"
#include "ops_routes.h"
#include "readiness.h"
#include "request_ids.h"
#include "worker_pool.h"

namespace deltatunnel::server {
namespace {

// Threads that make the pieces of streamed answers (reads, change feeds) apart from the handlers'
// workers: a piece is bounded work, so two keep every stream moving while loads hold the workers.
// They run at the handlers' priority: a big read shares the CPU with loads as any request does.
constexpr uint32_t kStreamThreads = 2;
// Threads for the pieces of feeds that have caught up (Dispatcher::Lane::kLive), at the process's
// priority: their work is bounded by what is committed, and a consumer waits for each piece, so
// they take the CPU first even while loads and compactions keep both cores busy.
constexpr uint32_t kLiveThreads = 2;
// How much lower than the process the handlers' and the stream threads run (below the I/O and
// live threads; the compaction threads run lower still, storage's compaction_nice).
constexpr uint32_t kWorkerNice = 8;

}  // namespace

namespace net = boost::asio;

// Members are destroyed in reverse order: the io_context (and the sessions it still holds) before
// the registry, dispatcher and pool that sessions refer to.
struct Server::Impl {
  Impl(ServerConfig c, Metrics& m)
      : config(std::move(c)), metrics(m), budget(config.limits.memory_budget_bytes) {}

  ServerConfig config;
  Metrics& metrics;
  MemoryBudget budget;
  Router router;
  std::vector<std::unique_ptr<ServerModule>> modules;
  std::vector<ServerModule*> opened;
  bool routes_prepared = false;  // before Start() runs any thread: no lock needed
  std::atomic<ServerState> state{ServerState::kStarting};
  Readiness readiness;
  ConnectionRegistry connections;
  RequestIds ids;
  std::unique_ptr<WorkerPool> workers;
  std::unique_ptr<WorkerPool> stream_workers;  // the pieces of streamed answers (Dispatcher)
  std::unique_ptr<WorkerPool> live_workers;    // those of feeds that have caught up
  std::unique_ptr<Dispatcher> dispatcher;
  std::unique_ptr<HttpContext> http;
  net::io_context io;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  std::shared_ptr<HttpListener> listener;
  std::atomic<uint16_t> port{0};  // read by other threads while Start() runs
  std::vector<std::thread> io_threads;

  std::mutex mu;
  std::condition_variable cv;
  bool started = false;         // guarded by mu
  bool stop_requested = false;  // guarded by mu
  bool stopped = false;         // guarded by mu
  bool stopping = false;        // guarded by mu: a Wait() runs the shutdown

  // The part of the shutdown that does not wait: 503 on /readyz, no more accepting, connections
  // asked to finish.
  void BeginDrain();
  void Shutdown();
};

Server::Server(ServerConfig config, Metrics& metrics)
    : impl_(std::make_unique<Impl>(std::move(config), metrics)) {}

Server::~Server() {
  Stop();
  Wait();
}

Router& Server::router() { return impl_->router; }

MemoryBudget& Server::memory_budget() { return impl_->budget; }

void Server::AddReadinessCheck(std::string name,
                               std::function<std::optional<std::string>()> not_ready) {
  impl_->readiness.Add(std::move(name), std::move(not_ready));
}

void Server::AddModule(std::unique_ptr<ServerModule> module) {
  impl_->modules.push_back(std::move(module));
}

void Server::PrepareRoutes() {
  Impl& s = *impl_;
  if (s.routes_prepared) return;
  s.routes_prepared = true;
  AddOperationsRoutes(s.router, s.state, s.metrics, s.readiness);
  // Each module's own readiness (ServerModule::Ready): storage stopped by a fault, a data
  // directory below storage.min_free_bytes.
  for (auto& m : s.modules) {
    ServerModule* module = m.get();
    s.readiness.Add(std::string(module->name()), [module]() -> std::optional<std::string> {
      Status why = module->Ready();
      if (why.ok()) return std::nullopt;
      return why.message();
    });
  }
  if (s.config.test_hooks) AddTestRoutes(s.router);
  for (auto& m : s.modules) m->RegisterRoutes(s.router);
}

uint16_t Server::port() const { return impl_->port.load(); }

ServerState Server::state() const { return impl_->state.load(); }

const ServerConfig& Server::config() const { return impl_->config; }

Status Server::Start() {
  Impl& s = *impl_;
  DT_ASSIGN_OR_RETURN(HostPort address, ParseHostPort(s.config.listen));
  PrepareRoutes();

  s.workers = std::make_unique<WorkerPool>(s.config.worker_threads, kWorkerNice, "dt-worker");
  s.readiness.Add("workers", [workers = s.workers.get()]() -> std::optional<std::string> {
    if (workers->Saturated()) return "every worker thread is busy and requests wait";
    return std::nullopt;
  });
  s.readiness.Add("memory", [budget = &s.budget]() -> std::optional<std::string> {
    if (!budget->NearlyExhausted()) return std::nullopt;
    return fmt::format("{} of the memory budget's {} bytes are in use", budget->used(),
                       budget->limit());
  });
  // Each project may hold all workers but one (limits.project_requests_in_flight, 0: that
  // default), so that one project's slow requests never stall every other project's.
  uint32_t project_limit = s.config.limits.project_requests_in_flight;
  if (project_limit == 0) project_limit = std::max<uint32_t>(1, s.config.worker_threads - 1);
  s.stream_workers = std::make_unique<WorkerPool>(kStreamThreads, kWorkerNice, "dt-stream");
  s.live_workers = std::make_unique<WorkerPool>(kLiveThreads, 0, "dt-live");
  s.dispatcher =
      std::make_unique<Dispatcher>(s.router, *s.workers, s.metrics, s.state, project_limit,
                                   s.stream_workers.get(), s.live_workers.get());
  s.http = std::make_unique<HttpContext>(
      HttpContext{s.config, *s.dispatcher, s.connections, s.ids, &s.budget});
  s.listener = std::make_shared<HttpListener>(s.io, *s.http);
  {
    std::lock_guard<std::mutex> lock(s.mu);
    s.started = true;
  }
  if (Status listened = s.listener->Listen(address); !listened.ok()) {
    Stop();
    Wait();
    return listened;
  }
  s.port = s.listener->port();
  s.work.emplace(s.io.get_executor());
  s.listener->Start();
  for (uint32_t i = 0; i < s.config.io_threads; ++i) {
    s.io_threads.emplace_back([&s] {
      (void)pthread_setname_np(pthread_self(), "dt-io");
      s.io.run();
    });
  }
  spdlog::info("listening on {}:{} ({} I/O threads, {} workers)", address.host, port(),
               s.config.io_threads, s.config.worker_threads);
  for (auto& m : s.modules) {
    Status opened = m->Open(s.config, s.metrics);
    if (!opened.ok()) {
      spdlog::error("module {} failed to open: {}", m->name(), opened.ToString());
      Stop();
      Wait();
      return opened;
    }
    s.opened.push_back(m.get());
  }
  ServerState expected = ServerState::kStarting;
  s.state.compare_exchange_strong(expected, ServerState::kServing);
  spdlog::info("serving");
  return Status::Ok();
}

void Server::Stop() {
  bool begin = false;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    begin = impl_->started && !impl_->stop_requested;
    impl_->stop_requested = true;
  }
  impl_->cv.notify_all();
  if (begin) impl_->BeginDrain();
}

void Server::Wait() {
  Impl& s = *impl_;
  {
    std::unique_lock<std::mutex> lock(s.mu);
    s.cv.wait(lock, [&] { return s.stop_requested; });
    if (!s.started) return;
    if (s.stopping) {
      s.cv.wait(lock, [&] { return s.stopped; });
      return;
    }
    s.stopping = true;
  }
  s.Shutdown();
  {
    std::lock_guard<std::mutex> lock(s.mu);
    s.stopped = true;
  }
  s.cv.notify_all();
}

void Server::Impl::BeginDrain() {
  state = ServerState::kDraining;
  spdlog::info("shutting down: {} connections open, {} s grace", connections.size(),
               config.shutdown_grace_s);
  if (listener) listener->Close();
  connections.ShutdownAll();
}

void Server::Impl::Shutdown() {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(config.shutdown_grace_s);
  if (!connections.WaitEmpty(deadline)) {
    spdlog::warn("{} connections still busy after the grace period; closing them",
                 connections.size());
    connections.ForceCloseAll();
    connections.WaitEmpty(std::chrono::steady_clock::now() + std::chrono::seconds(1));
  }
  work.reset();
  io.stop();
  for (std::thread& t : io_threads) t.join();
  io_threads.clear();
  if (workers) workers->Join();
  if (stream_workers) stream_workers->Join();
  if (live_workers) live_workers->Join();
  for (auto it = opened.rbegin(); it != opened.rend(); ++it) (*it)->Close();
  opened.clear();
  state = ServerState::kStopped;
  spdlog::info("stopped");
}

}  // namespace deltatunnel::server
