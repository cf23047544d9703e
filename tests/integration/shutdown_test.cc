// Signals: SIGTERM and SIGINT drain and exit 0; SIGKILL and a restart on the same data.
#include <signal.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <thread>

#include "server_process.h"

using deltatunnel::testing::ServerProcess;
using namespace std::chrono_literals;

TEST_CASE("SIGTERM with a request in flight: it completes, the process exits 0", "[shutdown]") {
  ServerProcess server;
  auto idle = server.Client();
  REQUIRE(idle.Get("/healthz").status == 200);
  auto busy = server.Client();
  auto in_flight = std::async(std::launch::async, [&] { return busy.Get("/_test/sleep?ms=1500"); });
  std::this_thread::sleep_for(300ms);
  auto t0 = std::chrono::steady_clock::now();
  int code = server.Stop();
  auto answer = in_flight.get();
  CHECK(answer.status == 200);
  CHECK(answer.Json()["slept_ms"] == 1500);
  CHECK(code == 0);
  // It waited for the request, not for the idle connection's timeout (60 s).
  auto took = std::chrono::steady_clock::now() - t0;
  CHECK(took > 800ms);
  CHECK(took < 10s);
  CHECK(idle.ServerClosed(1000));
  CHECK_THAT(server.Log(), Catch::Contains("shutting down"));
}

TEST_CASE("SIGINT exits 0 too", "[shutdown]") {
  ServerProcess server;
  kill(server.pid(), SIGINT);
  int code = server.Stop();  // the second signal finds it exiting or gone
  CHECK(code == 0);
}

TEST_CASE("a request past shutdown_grace_s is cut, and the process still exits 0", "[shutdown]") {
  deltatunnel::testing::ServerOptions options;
  options.config_toml = "shutdown_grace_s = 1\n";
  ServerProcess server(options);
  auto busy = server.Client();
  auto in_flight = std::async(std::launch::async, [&] { return busy.Get("/_test/sleep?ms=4000"); });
  std::this_thread::sleep_for(300ms);
  auto t0 = std::chrono::steady_clock::now();
  CHECK(server.Stop() == 0);
  CHECK_THROWS(in_flight.get());
  // The grace period, then the worker's sleep that cannot be interrupted (at most 4 s).
  CHECK(std::chrono::steady_clock::now() - t0 < 6s);
}

TEST_CASE("Kill, then Restart on the same data directory", "[shutdown]") {
  ServerProcess server;
  std::string data = server.data_dir();
  server.Kill();
  CHECK_FALSE(server.running());
  server.Start();
  CHECK(server.data_dir() == data);
  CHECK(server.Client().Get("/readyz").status == 200);
  server.Restart();
  CHECK(server.Client().Get("/healthz").status == 200);
  CHECK(server.Stop() == 0);
}
