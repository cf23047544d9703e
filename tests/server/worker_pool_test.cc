// WorkerPool (server/src/core/worker_pool.h): tasks run on its threads, at the priority asked for;
// the Dispatcher makes streamed answers' pieces on the stream pool, not on the workers.
#include "worker_pool.h"

#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <future>
#include <string>
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

TEST_CASE("worker pool: its threads carry its name", "[worker_pool]") {
  WorkerPool named(1, 0, "dt-test-pool-with-a-long-name");
  std::promise<std::string> name;
  named.Submit([&] {
    char buf[16] = {};
    pthread_getname_np(pthread_self(), buf, sizeof buf);
    name.set_value(buf);
  });
  CHECK(name.get_future().get() == "dt-test-pool-wi");  // cut to the kernel's 15 bytes
}

TEST_CASE("dispatcher: a live feed's pieces run on the live pool, apart from big reads",
          "[worker_pool]") {
  Router router;
  WorkerPool workers(1);
  WorkerPool streams(1);
  WorkerPool live(1);
  Metrics metrics;
  std::atomic<ServerState> state{ServerState::kServing};
  Dispatcher dispatcher(router, workers, metrics, state, 0, &streams, &live);
  // The stream thread is held (a big read's piece): a live piece must still be made, on `live`.
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  streams.Submit([released] { released.wait(); });
  std::promise<std::thread::id> live_thread;
  live.Submit([&] { live_thread.set_value(std::this_thread::get_id()); });
  const std::thread::id live_id = live_thread.get_future().get();
  std::promise<std::thread::id> ran;
  dispatcher.RunBlocking([&] { ran.set_value(std::this_thread::get_id()); },
                         Dispatcher::Lane::kLive);
  auto on = ran.get_future();
  REQUIRE(on.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  CHECK(on.get() == live_id);
  // A stream piece waits for the stream thread, not taken by the live one.
  std::promise<std::thread::id> streamed;
  dispatcher.RunBlocking([&] { streamed.set_value(std::this_thread::get_id()); });
  auto stream_on = streamed.get_future();
  CHECK(stream_on.wait_for(std::chrono::milliseconds(100)) == std::future_status::timeout);
  release.set_value();
  REQUIRE(stream_on.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  CHECK(stream_on.get() != live_id);
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
