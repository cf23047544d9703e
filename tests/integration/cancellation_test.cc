// Long work stops early (issue 24, finding 7): when its client closes the connection, and past
// limits.request_deadline_s before its answer begins. /_test/sleep stands for long work: it asks
// its request's Cancellation every 10 ms, as a lookup asks every 256 keys and a read every chunk.
#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>

#include "api_fixture.h"
#include "overload_support.h"

using namespace deltatunnel::testing;
using Clock = std::chrono::steady_clock;

namespace {

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// The value of a metric's sample with these labels (as rendered), or -1.
double MetricValue(const std::string& metrics, const std::string& sample) {
  const size_t at = metrics.find("\n" + sample + " ");
  if (at == std::string::npos) return -1;
  return std::stod(metrics.substr(at + sample.size() + 2));
}

}  // namespace

TEST_CASE("work past limits.request_deadline_s stops with 503", "[overload]") {
  ServerOptions options;
  options.config_toml = "[limits]\nrequest_deadline_s = 1\n";
  ServerProcess server(options);
  auto c = server.Client();
  const auto start = Clock::now();
  auto r = c.Get("/_test/sleep?ms=10000");
  const double took = SecondsSince(start);
  INFO(r.body);
  CHECK(r.status == 503);
  CHECK(r.body.find("limits.request_deadline_s") != std::string::npos);
  CHECK(took < 5);
  // Work within the deadline is answered as before.
  CHECK(c.Get("/_test/sleep?ms=200").status == 200);
  const std::string metrics = c.Get("/metrics").body;
  CHECK(MetricValue(metrics, R"(deltatunnel_requests_cancelled_total{reason="deadline"})") == 1);
}

TEST_CASE("work whose client closed its connection stops and frees its worker", "[overload]") {
  ServerOptions options;
  // One worker: a second request is answered only once the first one's work has stopped.
  options.config_toml = "worker_threads = 1\n";
  ServerProcess server(options);
  {
    RawConnection gone(server.port());
    REQUIRE(gone.Send("GET /_test/sleep?ms=30000 HTTP/1.1\r\nHost: x\r\n\r\n"));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }  // closed with its request at work
  auto c = server.Client();
  const auto start = Clock::now();
  auto r = c.Get("/_test/sleep?ms=0");
  const double took = SecondsSince(start);
  INFO(r.body);
  CHECK(r.status == 200);
  CHECK(took < 5);  // not the 30 s of the first request
  std::string metrics;
  for (int i = 0; i < 50; ++i) {
    metrics = c.Get("/metrics").body;
    if (MetricValue(metrics, R"(deltatunnel_requests_cancelled_total{reason="client_gone"})") == 1)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  INFO(metrics);
  CHECK(MetricValue(metrics, R"(deltatunnel_requests_cancelled_total{reason="client_gone"})") == 1);
  CHECK(MetricValue(metrics, R"(deltatunnel_http_requests_total{surface="ops",code="499"})") == 1);
}

TEST_CASE("a streamed answer stops when its client closes the connection", "[overload]") {
  ServerOptions options;
  options.config_toml = "worker_threads = 1\n";
  ServerProcess server(options);
  {
    // 64 GiB in 1 MiB pieces: the client reads the first few, then leaves.
    RawConnection gone(server.port());
    REQUIRE(gone.Send("GET /_test/stream?pieces=65536&bytes=1048576 HTTP/1.1\r\nHost: x\r\n\r\n"));
    CHECK(gone.ReceiveSome(4096, 5000).rfind("HTTP/1.1 200", 0) == 0);
  }
  auto c = server.Client();
  const auto start = Clock::now();
  CHECK(c.Get("/_test/sleep?ms=0").status == 200);
  CHECK(SecondsSince(start) < 5);
}

TEST_CASE("a client that sends its next request while one works is not taken for gone",
          "[overload]") {
  ServerProcess server;
  RawConnection conn(server.port());
  // Pipelined: the second request's bytes arrive while the first works.
  REQUIRE(conn.Send("GET /_test/sleep?ms=500 HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  REQUIRE(conn.Send("GET /_test/sleep?ms=1 HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::string answers;
  const auto start = Clock::now();
  while (SecondsSince(start) < 10) {
    answers += conn.Receive(1000);
    size_t first = answers.find("\"slept_ms\":500");
    if (first != std::string::npos && answers.find("\"slept_ms\":1}", first) != std::string::npos)
      break;
  }
  INFO(answers);
  CHECK(answers.find("\"slept_ms\":500") != std::string::npos);
  CHECK(answers.find("\"slept_ms\":1}") != std::string::npos);
  CHECK(answers.find("499") == std::string::npos);
}

// A lookup asks between its keys: one naming two million keys against a table of 50 runs per
// bucket works for seconds (RelWithDebInfo on a 2-core VM: 5.1 s without a deadline), past a
// deadline of 1 s.
TEST_CASE("a lookup past limits.request_deadline_s stops with 503", "[overload]") {
  ServerOptions options;
  options.config_toml = "[limits]\nrequest_deadline_s = 1\nmax_lookup_keys = 2000000\n";
  ServerProcess server(options);
  auto c = server.Client();
  CreateTable(c, "p", KvTableJson("t", false, R"(, "compaction.major.auto": "false")"));
  for (int commit = 0; commit < 50; ++commit) {
    std::string body;
    for (int k = 0; k < 200; ++k) {
      body += fmt::format("{{\"k\": {}, \"s\": \"v\"}}\n", commit * 200 + k);
    }
    REQUIRE(c.Send("POST", "/api/v1/projects/p/tables/t/load", body,
                   {{"Content-Type", "application/x-ndjson"}})
                .status == 200);
  }
  std::string keys = R"({"keys": [)";
  for (int k = 0; k < 2000000; ++k) keys += fmt::format("{}{{\"k\": {}}}", k ? "," : "", k);
  keys += "]}";
  const auto start = Clock::now();
  auto r = c.Send("POST", "/api/v1/projects/p/tables/t/lookup", keys);
  const double took = SecondsSince(start);
  INFO(r.status << " after " << took << " s: " << r.body.substr(0, 300));
  CHECK(r.status == 503);
  CHECK(r.body.find("limits.request_deadline_s") != std::string::npos);
  CHECK(took < 5);
}
