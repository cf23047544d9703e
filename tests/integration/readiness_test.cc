// /readyz tells the truth (issue 24, finding 9): 503 while every worker is busy and requests wait,
// 200 again once they are served.
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "api_fixture.h"
#include "overload_support.h"

using namespace deltatunnel::testing;

TEST_CASE("/readyz answers 503 while the workers are saturated", "[overload]") {
  ServerOptions options;
  options.config_toml = "worker_threads = 2\n";
  ServerProcess server(options);
  auto c = server.Client();
  REQUIRE(c.Get("/readyz").status == 200);

  // Three requests that each hold a worker for 3 s: two run, one waits.
  std::vector<std::thread> sleepers;
  for (int i = 0; i < 3; ++i) {
    sleepers.emplace_back([&] { server.Client().Get("/_test/sleep?ms=3000"); });
  }
  int status = 0;
  std::string body;
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (status != 503 && std::chrono::steady_clock::now() < end) {
    auto r = c.Get("/readyz");
    status = r.status;
    body = r.body;
    if (status != 503) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  INFO(body);
  CHECK(status == 503);
  CHECK(body.find("worker") != std::string::npos);
  for (auto& t : sleepers) t.join();
  CHECK(c.Get("/readyz").status == 200);
}

TEST_CASE("request bodies draw on the memory budget", "[overload]") {
  ServerOptions options;
  options.config_toml = "[limits]\nmemory_budget_bytes = 67108864\n";
  ServerProcess server(options);
  auto c = server.Client();
  REQUIRE(c.Get("/readyz").status == 200);
  auto head = [](uint64_t length, bool expect) {
    return fmt::format(
        "POST /_test/echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: {}\r\n{}\r\n", length,
        expect ? "Expect: 100-continue\r\n" : "");
  };
  auto big = std::make_unique<RawConnection>(server.port());
  REQUIRE(big->Send(head(62u << 20, false) + std::string(1024, 'x')));

  // 62 of 64 MiB are reserved: /readyz says so, and another body does not fit.
  int status = 0;
  std::string body;
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (status != 503 && std::chrono::steady_clock::now() < end) {
    auto r = c.Get("/readyz");
    status = r.status;
    body = r.body;
    if (status != 503) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  INFO(body);
  CHECK(status == 503);
  CHECK(body.find("memory") != std::string::npos);
  {
    RawConnection other(server.port());
    REQUIRE(other.Send(head(10u << 20, true)));
    const std::string answer = other.Receive(10000);
    INFO(answer);
    CHECK(answer.rfind("HTTP/1.1 503", 0) == 0);
    CHECK(answer.find("retry-after") != std::string::npos);
  }

  // Once the big body's connection is gone, its share comes back.
  big.reset();
  status = 0;
  const auto end2 = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (status != 200 && std::chrono::steady_clock::now() < end2) {
    status = c.Get("/readyz").status;
    if (status != 200) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(status == 200);
  RawConnection again(server.port());
  REQUIRE(again.Send(head(10u << 20, true)));
  const std::string answer = again.Receive(10000);
  INFO(answer);
  CHECK(answer.rfind("HTTP/1.1 100 Continue", 0) == 0);
}
