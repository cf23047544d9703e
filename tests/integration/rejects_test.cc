// The reject quarantine through HTTP (issue 26): bad rows of every kind a load skips with
// max_bad_rows end up in a reject set with their line, column, reason and text as sent; the set
// survives a SIGKILL; its rows download in their format, are fixed and replayed as a load (once);
// a load whose rejects do not fit the bound commits nothing; sets are purged.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <string>
#include <thread>

#include "api_fixture.h"
#include "metrics_text.h"
#include "server_process.h"

using namespace deltatunnel::testing;
using json = nlohmann::json;

namespace {

constexpr char kTable[] = "/api/v1/projects/p/tables/t";
constexpr char kRejects[] = "/api/v1/projects/p/tables/t/rejects";

HttpResponse Load(HttpClient& c, const std::string& query, const std::string& body,
                  const std::string& type = "application/x-ndjson") {
  return c.Send("POST", std::string(kTable) + "/load?partition=ds=d1" + query, body,
                {{"Content-Type", type}});
}

json Lookup(HttpClient& c, const std::string& keys) {
  auto r = c.Send("POST", std::string(kTable) + "/lookup",
                  R"({"partition": "ds=d1", "keys": [)" + keys + "]}",
                  {{"Content-Type", "application/json"}});
  INFO(r.body);
  REQUIRE(r.status == 200);
  return r.Json()["rows"];
}

double Metric(HttpClient& c, const std::string& name, double want) {
  double v = -1;
  for (int i = 0; i < 50 && v != want; ++i) {
    auto m = ParseMetricsText(c.Get("/metrics").body);
    auto it = m.find(name);
    v = it == m.end() ? -1 : it->second;
    if (v != want) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return v;
}

}  // namespace

TEST_CASE("rejected rows of every kind are quarantined, survive a crash, are fixed and replayed",
          "[rejects]") {
  ServerProcess server;
  auto c = server.Client();
  CreateTable(c, "p", KvTableJson("t", true));

  const std::vector<std::string> lines = {
      R"({"k": 1, "s": "good"})",
      R"({"k": "two", "s": "a"})",        // 2: a value that does not fit its column
      R"(not json)",                      // 3: malformed
      R"([2, "b"])",                      // 4: not an object
      R"({"k": 4, "colour": "red"})",     // 5: an unknown column
      R"({"k": 5, "ds": "d2"})",          // 6: another partition's value
      "{\"k\": 6, \"s\": \"\xff\xfe\"}",  // 7: not UTF-8
      R"({"k": 7, "__op": "merge"})",     // 8: an unknown operation
      R"({"k": 8, "s": "also good"})",
  };
  std::string body;
  for (const auto& l : lines) body += l + "\n";
  // Without max_bad_rows the load is refused whole and nothing is kept.
  REQUIRE(Load(c, "", body).status == 400);
  CHECK(c.Get(kRejects).Json()["rejects"].empty());

  auto loaded = Load(c, "&max_bad_rows=10", body);
  INFO(loaded.body);
  REQUIRE(loaded.status == 200);
  CHECK(loaded.Json()["rows"] == 2);
  REQUIRE(loaded.Json()["rejects"]["rows"] == 7);
  const uint64_t id = loaded.Json()["rejects"]["id"];
  const uint64_t load_version = loaded.Json()["version"];

  server.Kill();  // what was acknowledged is kept
  server.Start();
  c = server.Client();

  auto list = c.Get(kRejects).Json();
  REQUIRE(list["rejects"].size() == 1);
  CHECK(list["rows"] == 7);
  const json& set = list["rejects"][0];
  CHECK(set["id"] == id);
  CHECK(set["partition"] == "ds=d1");
  CHECK(set["format"] == "ndjson");
  CHECK(set["load_version"] == load_version);
  CHECK(set["rows"] == 7);
  CHECK(set["replayed_at"].is_null());

  auto got = c.Get(std::string(kRejects) + "/" + std::to_string(id));
  REQUIRE(got.status == 200);
  const json rejected = got.Json()["rejected"];
  REQUIRE(rejected.size() == 7);
  const std::vector<uint64_t> want_lines = {2, 3, 4, 5, 6, 7, 8};
  for (size_t i = 0; i < rejected.size(); ++i) {
    INFO(rejected[i].dump());
    CHECK(rejected[i]["line"] == want_lines[i]);
    CHECK(!rejected[i]["reason"].get<std::string>().empty());
    if (i != 5) CHECK(rejected[i]["text"] == lines[want_lines[i] - 1]);
  }
  CHECK(rejected[0]["column"] == "k");
  CHECK(rejected[3]["reason"].get<std::string>().find("colour") != std::string::npos);
  CHECK(rejected[4]["column"] == "ds");
  CHECK(rejected[6]["reason"].get<std::string>().find("merge") != std::string::npos);

  // The rows download as sent, bytes that are not UTF-8 too.
  auto rows = c.Get(std::string(kRejects) + "/" + std::to_string(id) + "/rows");
  REQUIRE(rows.status == 200);
  std::string want_rows;
  for (uint64_t l : want_lines) want_rows += lines[l - 1] + "\n";
  CHECK(rows.body == want_rows);
  CHECK(Metric(c, "deltatunnel_reject_quarantine_rows", 7) == 7);

  // Replaying them as they are fails again, and leaves the set as it was.
  const std::string replay = std::string(kRejects) + "/" + std::to_string(id) + "/replay";
  auto again = c.Send("POST", replay, "");
  CHECK(again.status == 400);
  CHECK(c.Get(kRejects).Json()["rejects"][0]["replayed_at"].is_null());
  // Fixed, they commit in one version, and the set is marked replayed by it.
  const std::string fixed =
      "{\"k\": 2, \"s\": \"a\"}\n{\"k\": 3, \"s\": \"fixed\"}\n{\"k\": 4}\n{\"k\": 5}\n"
      "{\"k\": 6, \"s\": \"\xc3\xbf\"}\n{\"k\": 7, \"__op\": \"delete\"}\n";
  auto replayed = c.Send("POST", replay, fixed, {{"Content-Type", "application/x-ndjson"}});
  INFO(replayed.body);
  REQUIRE(replayed.status == 200);
  CHECK(replayed.Json()["replayed"] == id);
  CHECK(replayed.Json()["rows"] == 6);
  CHECK(!replayed.Json().contains("rejects"));
  const uint64_t replay_version = replayed.Json()["version"];
  CHECK(replay_version == load_version + 1);
  CHECK(Lookup(c, R"({"k": 2}, {"k": 3}, {"k": 6})").size() == 3);
  auto after = c.Get(std::string(kRejects) + "/" + std::to_string(id)).Json();
  CHECK(after["replayed_version"] == replay_version);
  CHECK(after["rejected"].empty());
  CHECK(c.Get(kRejects).Json()["rows"] == 0);
  CHECK(Metric(c, "deltatunnel_reject_sets_replayed_total", 1) == 1);
  // Once only: a second replay applies nothing.
  CHECK(c.Send("POST", replay, fixed, {{"Content-Type", "application/x-ndjson"}}).status == 409);
  CHECK(c.Get(std::string(kTable) + "?partition=ds=d1").Json()["version"] == replay_version);

  CHECK(c.Send("DELETE", std::string(kRejects) + "/" + std::to_string(id), "").status == 204);
  CHECK(c.Get(std::string(kRejects) + "/" + std::to_string(id)).status == 404);
  CHECK(c.Get(std::string(kRejects) + "/nope").status == 404);
}

TEST_CASE("CSV and JSON rejects keep their format; a replay without a body retries them as sent",
          "[rejects]") {
  ServerProcess server;
  auto c = server.Client();
  CreateTable(c, "p", KvTableJson("t", true));
  const std::string csv = "k,s\n1,a\nx,b\n3\n4,\"q\"x\n5,e\n";
  auto loaded = Load(c, "&max_bad_rows=5", csv, "text/csv");
  INFO(loaded.body);
  REQUIRE(loaded.status == 200);
  CHECK(loaded.Json()["rows"] == 2);
  const uint64_t csv_id = loaded.Json()["rejects"]["id"];
  auto rows = c.Get(std::string(kRejects) + "/" + std::to_string(csv_id) + "/rows");
  CHECK(rows.body == "k,s\nx,b\n3\n4,\"q\"x\n");
  CHECK(rows.headers.count("content-type") == 1);

  const std::string array = R"([{"k": 10, "s": "a"}, {"k": 11, "s": [1]}, "eleven"])";
  loaded = Load(c, "&max_bad_rows=5", array, "application/json");
  REQUIRE(loaded.status == 200);
  const uint64_t json_id = loaded.Json()["rejects"]["id"];
  CHECK(json_id > csv_id);
  rows = c.Get(std::string(kRejects) + "/" + std::to_string(json_id) + "/rows");
  CHECK(rows.body == "[\n{\"k\": 11, \"s\": [1]},\n\"eleven\"\n]\n");

  // A replay without a body whose rows are still bad, with max_bad_rows: they move to a new set
  // (nothing to commit), and the old one is marked replayed.
  auto moved = c.Send(
      "POST", std::string(kRejects) + "/" + std::to_string(json_id) + "/replay?max_bad_rows=5", "");
  INFO(moved.body);
  REQUIRE(moved.status == 200);
  CHECK(moved.Json()["rows"] == 0);
  CHECK(moved.Json()["rejects"]["rows"] == 2);
  auto list = c.Get(kRejects).Json()["rejects"];
  REQUIRE(list.size() == 3);
  CHECK(!list[1]["replayed_at"].is_null());
  CHECK(list[2]["format"] == "json");

  // Fixed CSV under its own header.
  auto replayed = c.Send("POST", std::string(kRejects) + "/" + std::to_string(csv_id) + "/replay",
                         "s,k\nb,2\nc,3\nd,4\n", {{"Content-Type", "text/csv"}});
  INFO(replayed.body);
  REQUIRE(replayed.status == 200);
  CHECK(Lookup(c, R"({"k": 2}, {"k": 3}, {"k": 4})").size() == 3);
  // A partition is the set's own.
  CHECK(c.Send("POST",
               std::string(kRejects) + "/" + std::to_string(list[2]["id"].get<uint64_t>()) +
                   "/replay?partition=ds=d9",
               "")
            .status == 400);

  auto purged = c.Send("DELETE", kRejects, "");
  REQUIRE(purged.status == 200);
  CHECK(purged.Json()["purged"].size() == 3);
  CHECK(c.Get(kRejects).Json()["rejects"].empty());
}

TEST_CASE("a load whose rejects do not fit the quarantine commits nothing", "[rejects]") {
  ServerOptions options;
  options.config_toml = "[storage]\nreject_quarantine_mb = 1\n";
  ServerProcess server(options);
  auto c = server.Client();
  CreateTable(c, "p", KvTableJson("t", true));
  std::string bad;
  for (int i = 0; i < 5000; ++i)
    bad += R"({"k": "not a number", "s": ")" + std::string(100, 'x') + "\"}\n";
  // About 600 kB of rejects fit once, not twice.
  auto first = Load(c, "&max_bad_rows=100000",
                    R"({"k": 1})"
                    "\n" +
                        bad);
  INFO(first.body);
  REQUIRE(first.status == 200);
  auto second = Load(c, "&max_bad_rows=100000",
                     R"({"k": 2})"
                     "\n" +
                         bad);
  INFO(second.body);
  CHECK(second.status == 409);
  CHECK(second.Json()["Message"].get<std::string>().find("reject_quarantine_mb") !=
        std::string::npos);
  CHECK(Lookup(c, R"({"k": 2})").empty());
  CHECK(c.Get(kRejects).Json()["rejects"].size() == 1);
}
