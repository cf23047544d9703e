// The console (issue 8) on the real binary: the page and its assets without credentials, and
// /api/v1/metrics/history (authenticated like the rest of /api/v1) moving after writes.
#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "server_process.h"

using namespace deltatunnel::testing;

namespace {

ServerOptions AuthOn() {
  ServerOptions options;
  options.config_toml = R"([auth]
enabled = true
bearer_tokens = [ { token = "tok-p", projects = ["*"] }, { token = "tok-only-p", projects = ["p"] } ]
)";
  return options;
}

const HttpHeaders kBearer = {{"Authorization", "Bearer tok-p"}};

std::string TableJson() {
  return R"({"name": "t", "columns": [{"name": "id", "type": "BIGINT"},
             {"name": "v", "type": "STRING"}], "primary_key": ["id"]})";
}

nlohmann::json History(HttpClient& c, const std::string& query = "") {
  auto r = c.Send("GET", "/api/v1/metrics/history" + query, "", kBearer);
  INFO(r.body);
  REQUIRE(r.status == 200);
  CHECK(r.Header("content-type") == "application/json");
  return r.Json();
}

}  // namespace

TEST_CASE("the console page and its assets are served without credentials", "[console]") {
  ServerProcess server(AuthOn());
  auto c = server.Client();

  auto page = c.Get("/");
  REQUIRE(page.status == 200);
  CHECK(page.Header("content-type") == "text/html; charset=utf-8");
  CHECK(page.body.find("<!doctype html>") != std::string::npos);
  CHECK(page.body.find("/console/app.js") != std::string::npos);
  CHECK(page.body.find("/console/vendor/uPlot.iife.min.js") != std::string::npos);
  CHECK_FALSE(page.Header("content-security-policy").empty());

  struct Asset {
    const char* path;
    const char* type;
    const char* contains;
  };
  for (const Asset& a : {
           Asset{"/console/index.html", "text/html; charset=utf-8", "<!doctype html>"},
           Asset{"/console/app.js", "text/javascript; charset=utf-8", "metrics/history"},
           Asset{"/console/style.css", "text/css; charset=utf-8", "body"},
           Asset{"/console/vendor/uPlot.iife.min.js", "text/javascript; charset=utf-8", "uPlot"},
           Asset{"/console/vendor/uPlot.min.css", "text/css; charset=utf-8", ".uplot"},
       }) {
    INFO(a.path);
    auto r = c.Get(a.path);
    CHECK(r.status == 200);
    CHECK(r.Header("content-type") == a.type);
    CHECK(r.Header("x-content-type-options") == "nosniff");
    CHECK(r.body.find(a.contains) != std::string::npos);
  }
  CHECK(c.Get("/console/nope.js").status == 404);
  CHECK(c.Send("POST", "/", "x").status == 405);
}

TEST_CASE("the metrics history needs a credential like the rest of /api/v1", "[console]") {
  ServerProcess server(AuthOn());
  auto c = server.Client();
  auto anonymous = c.Get("/api/v1/metrics/history");
  CHECK(anonymous.status == 401);
  CHECK(anonymous.Json()["Code"] == "Unauthorized");
  CHECK(c.Send("GET", "/api/v1/metrics/history", "", {{"Authorization", "Bearer nope"}}).status ==
        401);
  // A token for any project will do: the history names no project's rows.
  CHECK(c.Send("GET", "/api/v1/metrics/history", "", kBearer).status == 200);
  // Every project's figures: a credential for one project only is refused.
  CHECK(c.Send("GET", "/api/v1/metrics/history", "", {{"Authorization", "Bearer tok-only-p"}})
            .status == 403);
  CHECK(c.Send("GET", "/api/v1/metrics/history?since=x", "", kBearer).status == 400);
}

TEST_CASE("the metrics history is bounded and moves after writes", "[console]") {
  ServerProcess server(AuthOn());
  auto c = server.Client();

  nlohmann::json before = History(c);
  CHECK(before["interval_s"] == 1);
  CHECK(before["capacity"] == 3600);
  CHECK(before["rates"] == "server");
  REQUIRE(before["samples"].is_array());
  REQUIRE(before["samples"].size() >= 1);
  CHECK(before["samples"].size() <= 3600);
  const int64_t first_t = before["samples"].back()["t"].get<int64_t>();

  REQUIRE(c.Send("POST", "/api/v1/projects/p/tables", TableJson(), kBearer).status == 201);
  uint64_t rows = 0;
  for (int load = 0; load < 3; ++load) {
    std::string body;
    for (int i = 0; i < 100; ++i) body += fmt::format("{{\"id\": {}, \"v\": \"x{}\"}}\n", i, load);
    HttpHeaders h = kBearer;
    h["Content-Type"] = "application/x-ndjson";
    auto r = c.Send("POST", "/api/v1/projects/p/tables/t/load", body, h);
    INFO(r.body);
    REQUIRE(r.status == 200);
    rows += 100;
  }

  // Samples come once a second: wait until one after the loads shows them.
  nlohmann::json after;
  bool moved = false;
  for (int attempt = 0; attempt < 50 && !moved; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    after = History(c);
    const auto& last = after["samples"].back();
    moved = last["rows_total"].get<double>() >= static_cast<double>(rows) &&
            last["commits_total"].get<double>() >= 3 && last["tables"].get<double>() >= 1;
  }
  INFO(after.dump());
  REQUIRE(moved);
  CHECK(after["samples"].size() <= 3600);
  CHECK(after["samples"].back()["t"].get<int64_t>() > first_t);

  // Some sample's interval saw the writes: positive rates and a commit latency.
  bool saw_rows = false, saw_commits = false, saw_latency = false;
  for (const auto& s : after["samples"]) {
    if (s["rows_per_s"].is_number() && s["rows_per_s"].get<double>() > 0) saw_rows = true;
    if (s["commits_per_s"].is_number() && s["commits_per_s"].get<double>() > 0) saw_commits = true;
    if (s["commit_p99_s"].is_number() && s["commit_p99_s"].get<double>() > 0) saw_latency = true;
    if (s["commit_p50_s"].is_number()) {
      CHECK(s["commit_p50_s"].get<double>() <= s["commit_p99_s"].get<double>());
    }
  }
  CHECK(saw_rows);
  CHECK(saw_commits);
  CHECK(saw_latency);
  CHECK(after["window"]["rows"].get<double>() >= static_cast<double>(rows));
  CHECK(after["window"]["commits"].get<double>() >= 3);
  CHECK(after["window"]["commit_p99_s"].is_number());

  // Slots per project and quota group come with the latest sample.
  REQUIRE(after["slots"].is_array());

  // since= answers only newer samples; limit= the last N.
  const int64_t last_t = after["samples"].back()["t"].get<int64_t>();
  nlohmann::json newer = History(c, fmt::format("?since={}", last_t));
  for (const auto& s : newer["samples"]) CHECK(s["t"].get<int64_t>() > last_t);
  nlohmann::json one = History(c, "?limit=1");
  CHECK(one["samples"].size() == 1);
}
