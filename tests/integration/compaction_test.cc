// Major compaction through real HTTP (api.md section 5), its metrics, and its backpressure: a burst
// of small commits on one partition with the compactor held gets 429 FlowExceeded with
// Retry-After, and succeeds once the compactor catches up.
#include <chrono>
#include <thread>

#include "api_fixture.h"
#include "metrics_text.h"

using namespace deltatunnel::testing;
using nlohmann::json;

namespace {

const std::string kTables = "/api/v1/projects/p/tables";
const std::string kKv = kTables + "/kv";

HttpResponse LoadRows(HttpClient& c, const std::string& partition, int64_t from, int64_t count,
                      const std::string& tag) {
  std::string body;
  for (int64_t k = from; k < from + count; ++k) {
    body += fmt::format(R"({{"k": {}, "s": "{}"}})", k, tag) + "\n";
  }
  return c.Send("POST", kKv + "/load?partition=" + partition, body,
                {{"Content-Type", "application/x-ndjson"}});
}

// Waits until every compaction listed is done or failed; answers the list.
json AwaitCompactions(HttpClient& c) {
  for (int i = 0; i < 600; ++i) {
    auto r = c.Send("GET", "/api/v1/compactions");
    REQUIRE(r.status == 200);
    json list = r.Json()["compactions"];
    bool busy = false;
    for (const auto& x : list) busy |= x["state"] == "queued" || x["state"] == "running";
    if (!busy) return list;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  FAIL("compactions did not finish");
  return {};
}

}  // namespace

TEST_CASE("compaction: POST compact, GET compactions, reads unchanged", "[native][compaction]") {
  ServerProcess server;
  auto c = server.Client();
  CreateTable(c, "p", KvTableJson("kv", true, R"(, "compaction.major.commit-threshold": "199")"));
  for (int i = 0; i < 5; ++i)
    REQUIRE(LoadRows(c, "ds=a", i * 10, 20, "t" + std::to_string(i)).status == 200);
  REQUIRE(LoadRows(c, "ds=b", 0, 5, "b").status == 200);
  const std::string v3_before = c.Send("GET", kKv + "/data?version=3").body;
  const std::string latest_before = c.Send("GET", kKv + "/data").body;
  const std::string changes_before = c.Send("GET", kKv + "/changes?from_version=2").body;

  auto started = c.Send("POST", kKv + "/compact?partition=ds=a");
  INFO(started.body);
  REQUIRE(started.status == 202);
  json job = started.Json();
  CHECK(job["id"].is_string());
  CHECK((job["state"] == "queued" || job["state"] == "running" || job["state"] == "done"));
  CHECK(job["partition"] == "ds=a");
  CHECK(job["table"] == "kv");

  json list = AwaitCompactions(c);
  REQUIRE(list.size() == 1);
  const json& done = list[0];
  CHECK(done["id"] == job["id"]);
  CHECK(done["state"] == "done");
  CHECK(done["project"] == "p");
  CHECK(done["input_rows"] == 100);
  CHECK(done["output_rows"] == 60);
  CHECK(done["input_bytes"].get<uint64_t>() > 0);
  CHECK(done["output_bytes"].get<uint64_t>() > 0);
  CHECK(done["started_at"].is_string());
  CHECK(done["finished_at"].is_string());
  CHECK(done["error"].is_null());

  CHECK(c.Send("GET", kKv + "/data?version=3").body == v3_before);
  CHECK(c.Send("GET", kKv + "/data").body == latest_before);
  CHECK(c.Send("GET", kKv + "/changes?from_version=2").body == changes_before);
  auto parts = c.Send("GET", kKv + "/partitions").Json()["partitions"];
  for (const auto& p : parts) {
    CHECK(p["commits_since_major"] == (p["partition"] == "ds=a" ? 0 : 1));
  }

  // The whole table: one id; errors as api.md says.
  auto whole = c.Send("POST", kKv + "/compact");
  REQUIRE(whole.status == 202);
  CHECK(whole.Json()["partition"].is_null());
  CHECK(c.Send("POST", kTables + "/nope/compact").status == 404);
  auto bad = c.Send("POST", kKv + "/compact?partition=zz=1");
  CHECK(bad.status == 400);
  CHECK(bad.Json()["Code"] == "InvalidArgument");
  AwaitCompactions(c);

  // Metrics: compactions run and bytes, refreshed once a second.
  std::this_thread::sleep_for(std::chrono::milliseconds(1300));
  auto m = ParseMetricsText(c.Send("GET", "/metrics").body);
  CHECK(m.at("deltatunnel_compactions_total{result=\"done\"}") >= 2);
  CHECK(m.at("deltatunnel_compaction_input_bytes_total") > 0);
  CHECK(m.count("deltatunnel_compaction_queue_length") == 1);
  CHECK(m.count("deltatunnel_compaction_pending_deltas") == 1);

  // Survives a restart: reads the same.
  server.Restart();
  c = server.Client();
  CHECK(c.Send("GET", kKv + "/data?version=3").body == v3_before);
  CHECK(c.Send("GET", kKv + "/data").body == latest_before);
}

TEST_CASE(
    "compaction: a burst of commits past the backlog bound gets 429 FlowExceeded, then "
    "succeeds",
    "[native][compaction][backpressure]") {
  ServerOptions options;
  options.config_toml =
      "[storage]\ndefault_commit_threshold = 2\n[compaction]\nthreads = 1\nmax_pending_deltas = "
      "4\n";
  ServerProcess server(options);
  auto c = server.Client();
  CreateTable(c, "p", KvTableJson("kv", true, R"(, "compaction.major.commit-threshold": "2")"));
  REQUIRE(c.Send("POST", "/_test/compaction-hold?ms=1500").status == 200);

  int accepted = 0, throttled = 0;
  std::string retry_after;
  for (int i = 0; i < 12; ++i) {
    auto r = LoadRows(c, "ds=a", i, 1, "x");
    if (r.status == 200) {
      ++accepted;
    } else {
      INFO(r.body);
      REQUIRE(r.status == 429);
      CHECK(r.Json()["Code"] == "FlowExceeded");
      retry_after = r.headers["retry-after"];
      ++throttled;
    }
  }
  CHECK(throttled > 0);
  CHECK(accepted >= 4);
  CHECK(!retry_after.empty());
  // Another partition is not held back.
  CHECK(LoadRows(c, "ds=b", 0, 1, "y").status == 200);

  // Once the compactor catches up, the same writes go through; nothing accepted was lost.
  REQUIRE(c.Send("POST", "/_test/compaction-hold?ms=0").status == 200);
  int64_t k = 100;
  for (int tries = 0; tries < 200; ++tries) {
    auto r = LoadRows(c, "ds=a", k, 1, "x");
    if (r.status == 200) break;
    REQUIRE(r.status == 429);
    ++throttled;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  auto rows = NdjsonRows(c.Send("GET", kKv + "/data?partition=ds=a").body);
  CHECK(rows.size() == static_cast<size_t>(accepted + 1));
  std::this_thread::sleep_for(std::chrono::milliseconds(1300));
  auto m = ParseMetricsText(c.Send("GET", "/metrics").body);
  CHECK(m.at("deltatunnel_throttled_requests_total{code=\"FlowExceeded\"}") == throttled);
}
