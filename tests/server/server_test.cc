// The Server in-process, over real sockets, with the test support's HTTP client.
#include "deltatunnel/server/server.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <thread>

#include "http_client.h"
#include "metrics_text.h"

using namespace deltatunnel::server;
using deltatunnel::testing::HttpClient;

namespace {

ServerConfig TestConfig() {
  ServerConfig c;
  c.listen = "127.0.0.1:0";
  c.test_hooks = true;
  c.body_limit_bytes = 64 * 1024;
  c.shutdown_grace_s = 5;
  return c;
}

HttpClient ClientOf(const Server& s) { return HttpClient("127.0.0.1", s.port()); }

// A module whose Open waits until the test lets it go.
class GatedModule : public ServerModule {
 public:
  std::promise<void> release;
  std::atomic<bool> opened{false};
  std::atomic<bool> closed{false};

  std::string_view name() const override { return "gated"; }
  void RegisterRoutes(Router& router) override {
    router.Add("GET", "/api/v1/hello", [](Request&) {
      Response r;
      r.body = "hello";
      return r;
    });
  }
  deltatunnel::Status Open(const ServerConfig&, Metrics&) override {
    release.get_future().wait();
    opened = true;
    return deltatunnel::Status::Ok();
  }
  void Close() override { closed = true; }
};

}  // namespace

TEST_CASE("operations routes, request ids and the 404 body", "[server]") {
  Server server(TestConfig());
  REQUIRE(server.Start().ok());
  REQUIRE(server.port() != 0);
  HttpClient client = ClientOf(server);

  auto health = client.Get("/healthz");
  CHECK(health.status == 200);
  CHECK(health.Json()["status"] == "ok");
  CHECK(client.Get("/readyz").status == 200);

  auto missing = client.Get("/no/such/thing");
  CHECK(missing.status == 404);
  CHECK(missing.Header("content-type") == "application/json");
  auto body = missing.Json();
  CHECK(body["Code"] == "NoSuchObject");
  CHECK_FALSE(missing.Header("x-odps-request-id").empty());
  CHECK(body["RequestId"] == missing.Header("x-odps-request-id"));
  CHECK(health.Header("x-odps-request-id") != missing.Header("x-odps-request-id"));

  auto wrong_method = client.Send("DELETE", "/healthz");
  CHECK(wrong_method.status == 405);
  CHECK(wrong_method.Header("allow") == "GET");
  CHECK(wrong_method.Json()["Code"] == "InvalidArgument");
  CHECK(client.connections_opened() == 1);  // every answer above kept the connection
}

TEST_CASE("keep-alive: many requests, bodies and answers on one connection", "[server]") {
  Server server(TestConfig());
  REQUIRE(server.Start().ok());
  HttpClient client = ClientOf(server);
  for (int i = 0; i < 20; ++i) {
    std::string body(static_cast<size_t>(i) * 1000, static_cast<char>('a' + i));
    auto echo = client.Send("POST", "/_test/echo", body);
    REQUIRE(echo.status == 200);
    CHECK(echo.body == body);
    CHECK(echo.keep_alive);
  }
  CHECK(client.connections_opened() == 1);
  auto chunked = client.Send("POST", "/_test/echo", std::string(5000, 'z'), {}, true);
  CHECK(chunked.status == 200);
  CHECK(chunked.body == std::string(5000, 'z'));
  CHECK(client.connections_opened() == 1);
}

TEST_CASE("Expect: 100-continue gets its interim answer", "[server]") {
  Server server(TestConfig());
  REQUIRE(server.Start().ok());
  HttpClient client = ClientOf(server);
  client.SendRaw(
      "POST /_test/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
  auto interim = client.ReadResponse();
  CHECK(interim.status == 100);
  client.SendRaw("hello");
  auto echo = client.ReadResponse();
  CHECK(echo.status == 200);
  CHECK(echo.body == "hello");
}

TEST_CASE("bodies over the limit answer 413 RequestTooLarge", "[server]") {
  Server server(TestConfig());
  REQUIRE(server.Start().ok());

  SECTION("known from Content-Length: answered without reading the body") {
    HttpClient client = ClientOf(server);
    client.SendRaw(
        "PUT /projects/p/tables/t/upserts HTTP/1.1\r\nHost: x\r\n"
        "Content-Length: 107374182400\r\n\r\n");
    auto r = client.ReadResponse();
    CHECK(r.status == 413);
    CHECK(r.Json()["Code"] == "RequestTooLarge");
    CHECK(r.Json()["RequestId"] == r.Header("x-odps-request-id"));
    CHECK_FALSE(r.keep_alive);
  }
  SECTION("a whole body sent with Content-Length") {
    HttpClient client = ClientOf(server);
    auto r = client.Send("POST", "/_test/echo", std::string(200 * 1024, 'x'));
    CHECK(r.status == 413);
    CHECK(r.Json()["Code"] == "RequestTooLarge");
  }
  SECTION("chunked: found while reading") {
    HttpClient client = ClientOf(server);
    auto r = client.Send("POST", "/_test/echo", std::string(200 * 1024, 'x'), {}, true);
    CHECK(r.status == 413);
    CHECK(r.Json()["Code"] == "RequestTooLarge");
    CHECK_FALSE(r.keep_alive);
  }
  SECTION("a body at the limit is fine") {
    HttpClient client = ClientOf(server);
    CHECK(client.Send("POST", "/_test/echo", std::string(64 * 1024, 'x')).status == 200);
  }
}

TEST_CASE("malformed requests answer 400 and close", "[server]") {
  Server server(TestConfig());
  REQUIRE(server.Start().ok());
  HttpClient client = ClientOf(server);
  client.SendRaw("GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n");
  auto r = client.ReadResponse();
  CHECK(r.status == 400);
  CHECK(r.Json()["Code"] == "InvalidArgument");
}

TEST_CASE("streamed answers are chunked, piece by piece", "[server]") {
  Server server(TestConfig());
  REQUIRE(server.Start().ok());
  HttpClient client = ClientOf(server);
  auto r = client.Get("/_test/stream?pieces=100&bytes=1000");
  CHECK(r.status == 200);
  CHECK(r.chunked);
  REQUIRE(r.body.size() == 100000);
  CHECK(r.body.substr(0, 1000) == std::string(1000, 'a'));
  CHECK(r.body.substr(99000) == std::string(1000, static_cast<char>('a' + 99 % 26)));
  CHECK_FALSE(r.Header("x-odps-request-id").empty());
  auto after = client.Get("/healthz");  // the connection goes on after the last chunk
  CHECK(after.status == 200);
  CHECK(client.connections_opened() == 1);
}

TEST_CASE("/metrics counts requests by surface and status", "[server]") {
  Metrics metrics;
  Server server(TestConfig(), metrics);
  REQUIRE(server.Start().ok());
  HttpClient client = ClientOf(server);
  client.Get("/api/v1/none");
  auto first = deltatunnel::testing::ParseMetricsText(client.Get("/metrics").body);
  std::string key = "deltatunnel_http_requests_total{surface=\"native\",code=\"404\"}";
  REQUIRE(first.count(key) == 1);
  double before = first.at(key);
  client.Get("/api/v1/none");
  client.Get("/api/v1/none");
  auto metrics_answer = client.Get("/metrics");
  CHECK(metrics_answer.Header("content-type") == "text/plain; version=0.0.4; charset=utf-8");
  auto second = deltatunnel::testing::ParseMetricsText(metrics_answer.body);
  CHECK(second.at(key) == before + 2);
  CHECK(second.at("deltatunnel_http_requests_total{surface=\"ops\",code=\"200\"}") >= 1);
  CHECK(second.count("deltatunnel_http_request_duration_seconds_count{surface=\"native\"}") == 1);
}

TEST_CASE("modules: /readyz says 503 until they opened; routes wait for it", "[server]") {
  Server server(TestConfig());
  auto owned = std::make_unique<GatedModule>();
  GatedModule* module = owned.get();
  server.AddModule(std::move(owned));
  auto started = std::async(std::launch::async, [&] { return server.Start(); });
  while (server.port() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  HttpClient client = ClientOf(server);
  CHECK(client.Get("/healthz").status == 200);
  auto not_ready = client.Get("/readyz");
  CHECK(not_ready.status == 503);
  CHECK(not_ready.Json()["Code"] == "ServiceUnavailable");
  CHECK(not_ready.Header("retry-after") == "1");
  CHECK(client.Get("/api/v1/hello").status == 503);

  module->release.set_value();
  REQUIRE(started.get().ok());
  CHECK(module->opened);
  CHECK(client.Get("/readyz").status == 200);
  CHECK(client.Get("/api/v1/hello").body == "hello");
  server.Stop();
  server.Wait();
  CHECK(module->closed);
  CHECK(server.state() == ServerState::kStopped);
}

TEST_CASE("a failing module fails Start", "[server]") {
  struct Broken : ServerModule {
    std::string_view name() const override { return "broken"; }
    void RegisterRoutes(Router&) override {}
    deltatunnel::Status Open(const ServerConfig&, Metrics&) override {
      return deltatunnel::Internal("disk on fire");
    }
    void Close() override {}
  };
  Server server(TestConfig());
  server.AddModule(std::make_unique<Broken>());
  auto started = server.Start();
  REQUIRE_FALSE(started.ok());
  CHECK_THAT(started.message(), Catch::Contains("disk on fire"));
}

TEST_CASE("an address in use fails Start with the address", "[server]") {
  Server first(TestConfig());
  REQUIRE(first.Start().ok());
  ServerConfig c = TestConfig();
  c.listen = "127.0.0.1:" + std::to_string(first.port());
  Server second(c);
  auto started = second.Start();
  REQUIRE_FALSE(started.ok());
  CHECK_THAT(started.message(), Catch::Contains(c.listen));
}

TEST_CASE("Stop: the request in flight finishes, idle connections close", "[server]") {
  Server server(TestConfig());
  REQUIRE(server.Start().ok());
  HttpClient idle = ClientOf(server);
  REQUIRE(idle.Get("/healthz").status == 200);
  HttpClient busy = ClientOf(server);
  auto in_flight = std::async(std::launch::async, [&] { return busy.Get("/_test/sleep?ms=700"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto t0 = std::chrono::steady_clock::now();
  server.Stop();
  CHECK(idle.ServerClosed(2000));
  auto answer = in_flight.get();
  CHECK(answer.status == 200);
  CHECK(answer.Json()["slept_ms"] == 700);
  CHECK_FALSE(answer.keep_alive);  // Connection: close while shutting down
  server.Wait();
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(4));
  CHECK_THROWS(ClientOf(server).Get("/healthz"));  // no longer accepting
}

TEST_CASE("Stop: past the grace period, busy connections are closed", "[server]") {
  ServerConfig c = TestConfig();
  c.shutdown_grace_s = 0;
  Server server(c);
  REQUIRE(server.Start().ok());
  HttpClient busy = ClientOf(server);
  auto in_flight = std::async(std::launch::async,
                              [&] { return busy.Get("/_test/stream?pieces=100000000&bytes=1"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto t0 = std::chrono::steady_clock::now();
  server.Stop();
  server.Wait();
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(3));
  CHECK_THROWS(in_flight.get());  // cut short: no last chunk
}

TEST_CASE("a request that stalls past read_timeout_s is dropped", "[server]") {
  ServerConfig c = TestConfig();
  c.read_timeout_s = 1;
  Server server(c);
  REQUIRE(server.Start().ok());
  HttpClient client = ClientOf(server);
  client.SendRaw("POST /_test/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc");
  CHECK_FALSE(client.ServerClosed(300));
  CHECK(client.ServerClosed(3000));
}

TEST_CASE("pipelined requests are answered in order", "[server]") {
  Server server(TestConfig());
  REQUIRE(server.Start().ok());
  HttpClient client = ClientOf(server);
  client.SendRaw(
      "POST /_test/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\none"
      "POST /_test/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\ntwo");
  CHECK(client.ReadResponse().body == "one");
  CHECK(client.ReadResponse().body == "two");
}
