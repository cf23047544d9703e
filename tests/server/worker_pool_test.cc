// WorkerPool (server/src/core/worker_pool.h): tasks run on its threads, at the priority asked for;
// the Dispatcher makes streamed answers' pieces on the stream pool, not on the workers.
#include "worker_pool.h"

#include <sys/resource.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <future>
#include <thread>

#include "dispatcher.h"

using namespace deltatunnel::server;

namespace {

int ThreadNice() { return getpriority(PRIO_PROCESS, static_cast<id_t>(gettid())); }

int NiceOn(WorkerPool& pool) {
  std::promise<int> nice;
  pool.Submit([&] { nice.set_value(ThreadNice()); });
  return nice.get_future().get();
}

}  // namespace

TEST_CASE("worker pool: its threads run `nice` steps below the process", "[worker_pool]") {
  const int base = ThreadNice();
  WorkerPool same(1);
  CHECK(NiceOn(same) == base);
  WorkerPool lower(1, 3);
  CHECK(NiceOn(lower) == std::min(base + 3, 19));
}

TEST_CASE("dispatcher: the pieces of streamed answers run on the stream pool", "[worker_pool]") {
  Router router;
  WorkerPool workers(1);
  WorkerPool streams(1);
  Metrics metrics;
  std::atomic<ServerState> state{ServerState::kServing};
  Dispatcher dispatcher(router, workers, metrics, state, 0, &streams);
  // The one worker is held: a piece must still be made.
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  workers.Submit([released] { released.wait(); });
  std::promise<std::thread::id> ran;
  dispatcher.RunBlocking([&] { ran.set_value(std::this_thread::get_id()); });
  auto on = ran.get_future();
  REQUIRE(on.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  release.set_value();
}
