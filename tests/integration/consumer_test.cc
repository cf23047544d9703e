// Consumers through HTTP (issue 26): a consumer reads a table's changes from its offset,
// acknowledges, is killed with the server (SIGKILL) and resumes exactly where its acknowledgement
// left off, follows what comes next, shows its lag, and is dropped.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "api_fixture.h"
#include "metrics_text.h"
#include "server_process.h"

using namespace deltatunnel::testing;
using json = nlohmann::json;

namespace {

constexpr char kConsumers[] = "/api/v1/projects/p/tables/t/consumers";

HttpResponse Load(HttpClient& c, const std::string& rows) {
  return c.Send("POST", "/api/v1/projects/p/tables/t/load", rows,
                {{"Content-Type", "application/x-ndjson"}});
}

// The versions of the records of a full-form answer, sorted (records of different keys come in
// bucket order), and its last checkpoint.
std::pair<std::vector<uint64_t>, uint64_t> Versions(const std::string& body) {
  std::vector<uint64_t> versions;
  uint64_t checkpoint = 0;
  for (size_t at = 0, nl; (nl = body.find('\n', at)) != std::string::npos; at = nl + 1) {
    json line = json::parse(body.substr(at, nl - at));
    if (line.contains("checkpoint")) {
      checkpoint = line["checkpoint"];
    } else {
      versions.push_back(line["version"]);
    }
  }
  std::sort(versions.begin(), versions.end());
  return {versions, checkpoint};
}

}  // namespace

TEST_CASE("a consumer reads from its offset, acknowledges, survives a crash and resumes exactly",
          "[feed][consumers]") {
  ServerProcess server;
  auto c = server.Client();
  CreateTable(c, "p", KvTableJson("t", false));
  REQUIRE(Load(c, R"({"k": 1, "s": "a"})").status == 200);  // v1
  REQUIRE(Load(c, R"({"k": 2, "s": "b"})").status == 200);  // v2
  REQUIRE(Load(c, R"({"k": 1, "s": "c"})").status == 200);  // v3

  auto made = c.Send("POST", kConsumers, R"({"name": "etl", "from_version": 0})",
                     {{"Content-Type", "application/json"}});
  INFO(made.body);
  REQUIRE(made.status == 201);
  CHECK(made.Json()["offset"] == 0);
  CHECK(made.Json()["lag_versions"] == 3);
  CHECK(made.Json()["lost"] == false);
  CHECK(c.Send("POST", kConsumers, R"({"name": "etl"})", {{"Content-Type", "application/json"}})
            .status == 409);

  auto read = c.Get(std::string(kConsumers) + "/etl/changes");
  REQUIRE(read.status == 200);
  CHECK(Versions(read.body) == std::make_pair(std::vector<uint64_t>{1, 2, 3}, uint64_t{3}));

  // Acknowledged up to 2, then the server is killed.
  auto acked = c.Send("POST", std::string(kConsumers) + "/etl/ack", R"({"version": 2})",
                      {{"Content-Type", "application/json"}});
  REQUIRE(acked.status == 200);
  CHECK(acked.Json()["offset"] == 2);
  server.Kill();
  server.Start();
  c = server.Client();
  auto after = c.Get(std::string(kConsumers) + "/etl");
  REQUIRE(after.status == 200);
  CHECK(after.Json()["offset"] == 2);
  CHECK(after.Json()["lag_versions"] == 1);
  CHECK(after.Json()["lag_seconds"].get<double>() >= 0);
  auto resumed = c.Get(std::string(kConsumers) + "/etl/changes?include=before");
  REQUIRE(resumed.status == 200);
  CHECK(Versions(resumed.body) == std::make_pair(std::vector<uint64_t>{3}, uint64_t{3}));
  CHECK(resumed.body.find(R"("op":"update")") != std::string::npos);

  // Its lag in /metrics (refreshed once a second).
  REQUIRE(Load(c, R"({"k": 3, "s": "d"})").status == 200);  // v4
  double lag = -1;
  for (int i = 0; i < 50 && lag != 2; ++i) {
    auto m = ParseMetricsText(c.Get("/metrics").body);
    auto it = m.find(R"(deltatunnel_consumer_lag_versions{project="p",table="t",consumer="etl"})");
    lag = it == m.end() ? -1 : it->second;
    if (lag != 2) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(lag == 2);
  auto list = c.Get(kConsumers).Json();
  REQUIRE(list["consumers"].size() == 1);
  CHECK(list["consumers"][0]["name"] == "etl");

  // Bad requests say why and change nothing.
  const HttpHeaders json_header = {{"Content-Type", "application/json"}};
  CHECK(c.Send("POST", std::string(kConsumers) + "/etl/ack", R"({"version": 1})", json_header)
            .status == 400);  // backwards
  CHECK(c.Send("POST", std::string(kConsumers) + "/etl/ack", R"({"version": 99})", json_header)
            .status == 400);
  CHECK(c.Send("POST", std::string(kConsumers) + "/etl/ack", R"({"v": 3})", json_header).status ==
        400);
  CHECK(c.Send("POST", kConsumers, R"({"name": "a b"})", json_header).status == 400);
  CHECK(c.Get(std::string(kConsumers) + "/etl/changes?from_version=0").status == 400);
  CHECK(c.Get(std::string(kConsumers) + "/nobody").status == 404);
  CHECK(c.Get(std::string(kConsumers) + "/etl").Json()["offset"] == 2);

  CHECK(c.Send("DELETE", std::string(kConsumers) + "/etl", "").status == 204);
  CHECK(c.Get(std::string(kConsumers) + "/etl").status == 404);
  CHECK(c.Get(kConsumers).Json()["consumers"].empty());
}
