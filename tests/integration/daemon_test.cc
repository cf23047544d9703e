// The daemon over HTTP: operations routes, errors, body limits, keep-alive.
#include <catch2/catch.hpp>

#include "metrics_text.h"
#include "server_process.h"

using deltatunnel::testing::ParseMetricsText;
using deltatunnel::testing::ServerOptions;
using deltatunnel::testing::ServerProcess;

TEST_CASE("the daemon answers /healthz, /readyz and /metrics", "[daemon]") {
  ServerProcess server;
  auto client = server.Client();
  auto health = client.Get("/healthz");
  CHECK(health.status == 200);
  CHECK_FALSE(health.Header("x-odps-request-id").empty());
  CHECK(client.Get("/readyz").status == 200);

  client.Get("/projects/p/tables/t/upserts");  // 404: no Tunnel routes in the foundation yet
  auto first = client.Get("/metrics");
  REQUIRE(first.status == 200);
  CHECK(first.Header("content-type") == "text/plain; version=0.0.4; charset=utf-8");
  auto before = ParseMetricsText(first.body);
  std::string ops_ok = "deltatunnel_http_requests_total{surface=\"ops\",code=\"200\"}";
  REQUIRE(before.count(ops_ok) == 1);
  client.Get("/healthz");
  auto after = ParseMetricsText(client.Get("/metrics").body);
  CHECK(after.at(ops_ok) == before.at(ops_ok) + 2);  // /healthz and the first /metrics
  CHECK(after.at("deltatunnel_http_requests_total{surface=\"tunnel\",code=\"404\"}") == 1);
  CHECK(after.count(
            "deltatunnel_http_request_duration_seconds_bucket{surface=\"ops\",le=\"+Inf\"}") == 1);
}

TEST_CASE("an unknown path answers 404 NoSuchObject with the request id", "[daemon]") {
  ServerProcess server;
  auto r = server.Client().Send("PUT", "/api/v2/nothing?x=1", "body");
  CHECK(r.status == 404);
  auto body = r.Json();
  CHECK(body["Code"] == "NoSuchObject");
  CHECK(body["RequestId"] == r.Header("x-odps-request-id"));
  CHECK_THAT(body["Message"].get<std::string>(), Catch::Contains("/api/v2/nothing"));
}

TEST_CASE("bodies over body_limit_bytes answer 413 RequestTooLarge", "[daemon]") {
  ServerOptions options;
  options.config_toml = "body_limit_bytes = 4096\n";
  ServerProcess server(options);
  auto client = server.Client();
  CHECK(client.Send("POST", "/_test/echo", std::string(4096, 'x')).status == 200);

  auto by_length = client.Send("POST", "/_test/echo", std::string(1 << 20, 'x'));
  CHECK(by_length.status == 413);
  CHECK(by_length.Json()["Code"] == "RequestTooLarge");
  CHECK(by_length.Json()["RequestId"] == by_length.Header("x-odps-request-id"));

  auto chunked = server.Client().Send("POST", "/_test/echo", std::string(1 << 20, 'x'), {}, true);
  CHECK(chunked.status == 413);
  CHECK(chunked.Json()["Code"] == "RequestTooLarge");

  auto unknown_path = server.Client().Send("PUT", "/projects/p/x", std::string(8192, 'x'));
  CHECK(unknown_path.status == 413);            // the limit comes before routing
  CHECK(client.Get("/healthz").status == 200);  // and the server goes on
}

TEST_CASE("keep-alive: several requests on one connection", "[daemon]") {
  ServerProcess server;
  auto client = server.Client();
  for (int i = 0; i < 10; ++i) {
    auto r = client.Send("POST", "/_test/echo", "request " + std::to_string(i));
    REQUIRE(r.status == 200);
    CHECK(r.body == "request " + std::to_string(i));
    CHECK(r.keep_alive);
  }
  CHECK(client.Get("/_test/stream?pieces=5&bytes=3").body == "aaabbbcccdddeee");
  CHECK(client.Get("/healthz").status == 200);
  CHECK(client.connections_opened() == 1);
}

TEST_CASE("an idle keep-alive connection is closed after idle_timeout_s", "[daemon]") {
  ServerOptions options;
  options.config_toml = "idle_timeout_s = 1\n";
  ServerProcess server(options);
  auto client = server.Client();
  REQUIRE(client.Get("/healthz").status == 200);
  CHECK_FALSE(client.ServerClosed(300));
  CHECK(client.ServerClosed(3000));
}
