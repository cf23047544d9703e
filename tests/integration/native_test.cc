// The native surface through real HTTP against the real binary (api.md sections 2 to 4).
#include <thread>

#include "api_fixture.h"

using namespace deltatunnel::testing;
using nlohmann::json;

namespace {

const std::string kTables = "/api/v1/projects/shop/tables";
const std::string kOrders = kTables + "/orders";

const char* kOrdersJson = R"js({"name": "orders",
  "columns": [{"name": "id", "type": "BIGINT", "nullable": false},
              {"name": "amount", "type": "DECIMAL(18,2)"},
              {"name": "note", "type": "STRING"},
              {"name": "ts", "type": "TIMESTAMP"}],
  "primary_key": ["id"],
  "partition_columns": [{"name": "ds", "type": "STRING"}],
  "properties": {"write.bucket.num": "8"}})js";

HttpResponse Load(HttpClient& c, const std::string& query, const std::string& body,
                  const std::string& type = "application/x-ndjson", HttpHeaders headers = {}) {
  headers["Content-Type"] = type;
  return c.Send("POST", kOrders + "/load" + query, body, headers);
}

}  // namespace

TEST_CASE("tables: create, describe, list, drop", "[native]") {
  ServerProcess server;
  auto c = server.Client();
  auto created = c.Send("POST", kTables, kOrdersJson);
  INFO(created.body);
  REQUIRE(created.status == 201);
  json t = created.Json();
  CHECK(t["name"] == "orders");
  CHECK(t["version"] == 0);
  CHECK(t["properties"]["write.bucket.num"] == "8");
  CHECK(t["properties"]["acid.data.retain.hours"] == "24");
  CHECK(t["columns"][1]["type"] == "DECIMAL(18,2)");

  auto dup = c.Send("POST", kTables, kOrdersJson);
  CHECK(dup.status == 409);
  CHECK(dup.Json()["Code"] == "TableAlreadyExists");

  auto no_key =
      c.Send("POST", kTables, R"({"name": "x", "columns": [{"name": "a", "type": "INT"}]})");
  CHECK(no_key.status == 400);
  CHECK(no_key.Json()["Code"] == "InvalidArgument");
  auto bad_type = c.Send(
      "POST", kTables,
      R"({"name": "x", "columns": [{"name": "a", "type": "BIGGINT"}], "primary_key": ["a"]})");
  CHECK(bad_type.status == 400);
  auto bad_buckets =
      c.Send("POST", kTables,
             R"({"name": "x", "columns": [{"name": "a", "type": "INT"}], "primary_key": ["a"],
                                "properties": {"write.bucket.num": "0"}})");
  CHECK(bad_buckets.status == 400);
  CHECK(c.Get(kTables + "/x").status == 404);  // refused creates left nothing

  CHECK(c.Get(kTables + "/ORDERS").Json()["name"] == "orders");  // names are case-insensitive
  CHECK(c.Get(kTables).Json()["tables"].size() == 1);
  auto no_project = c.Get("/api/v1/projects/nothing/tables");
  CHECK(no_project.status == 404);
  CHECK(no_project.Json()["Code"] == "NoSuchProject");

  CHECK(c.Send("DELETE", kOrders).status == 204);
  auto gone = c.Get(kOrders);
  CHECK(gone.status == 404);
  CHECK(gone.Json()["Code"] == "NoSuchTable");
}

TEST_CASE("loads: NDJSON, CSV, JSON array, bad rows, idempotency", "[native]") {
  ServerProcess server;
  auto c = server.Client();
  REQUIRE(c.Send("POST", kTables, kOrdersJson).status == 201);

  auto first =
      Load(c, "?partition=ds=d1",
           "{\"id\": 1, \"amount\": \"9.90\", \"note\": \"a\"}\n{\"id\": 2, \"amount\": 5}\n");
  INFO(first.body);
  REQUIRE(first.status == 200);
  json r = first.Json();
  CHECK(r["version"] == 1);
  CHECK(r["partition"] == "ds=d1");
  CHECK(r["rows"] == 2);
  CHECK(r["duplicate"] == false);

  auto csv = Load(c, "?partition=ds=d1", "id,note\n3,\"x,y\"\n", "text/csv");
  REQUIRE(csv.status == 200);
  CHECK(csv.Json()["version"] == 2);
  auto array = Load(c, "?partition=ds=d2", R"([{"id": 4}, {"id": 1, "__op": "delete"}])",
                    "application/json");
  REQUIRE(array.status == 200);

  auto bad = Load(c, "?partition=ds=d1", "{\"id\": 5}\n{\"id\": 6, \"amount\": \"abc\"}\n");
  CHECK(bad.status == 400);
  json err = bad.Json();
  CHECK(err["Code"] == "InvalidArgument");
  CHECK(err["errors"][0]["line"] == 2);
  CHECK(err["errors"][0]["column"] == "amount");
  CHECK(c.Get(kOrders + "/versions").Json()["versions"].size() == 3);  // nothing committed

  auto skipped = Load(c, "?partition=ds=d1&max_bad_rows=1", "{\"id\": 5}\n{\"id\": \"x\"}\n");
  INFO(skipped.body);
  REQUIRE(skipped.status == 200);
  CHECK(skipped.Json()["rows"] == 1);
  CHECK(skipped.Json()["skipped"][0]["line"] == 2);

  auto missing_partition = Load(c, "", "{\"id\": 9}\n");
  CHECK(missing_partition.status == 400);
  auto bad_type = Load(c, "?partition=ds=d1", "id\n1\n", "text/plain");
  CHECK(bad_type.status == 415);

  HttpHeaders key = {{"Idempotency-Key", "load-7"}};
  auto once = Load(c, "?partition=ds=d3", "{\"id\": 7}\n", "application/x-ndjson", key);
  REQUIRE(once.status == 200);
  auto twice = Load(c, "?partition=ds=d3", "{\"id\": 7}\n", "application/x-ndjson", key);
  REQUIRE(twice.status == 200);
  CHECK(twice.Json()["duplicate"] == true);
  CHECK(twice.Json()["version"] == once.Json()["version"]);
  auto versions = c.Get(kOrders + "/versions").Json()["versions"];
  CHECK(versions[0]["version"] == once.Json()["version"]);

  auto data = c.Get(kOrders + "/data");
  REQUIRE(data.status == 200);
  auto rows = NdjsonRows(data.body);
  CHECK(rows.size() == 6);  // d1: 1,2,3,5; d2: 4; d3: 7 (the delete in d2 was of a key never there)
}

TEST_CASE("reads: versions, timestamps, columns, formats, lookup, changes", "[native]") {
  ServerProcess server;
  auto c = server.Client();
  REQUIRE(c.Send("POST", kTables, kOrdersJson).status == 201);
  REQUIRE(
      Load(c, "?partition=ds=d1", "{\"id\": 1, \"note\": \"v1\"}\n{\"id\": 2, \"note\": \"v1\"}\n")
          .status == 200);
  const json v1 = c.Get(kOrders + "/versions").Json()["versions"][0];
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  REQUIRE(Load(c, "?partition=ds=d1",
               "{\"id\": 1, \"note\": \"v2\"}\n{\"id\": 2, \"__op\": \"delete\"}\n")
              .status == 200);

  auto at1 = c.Get(kOrders + "/data?version=1&partition=ds=d1");
  REQUIRE(at1.status == 200);
  CHECK(at1.Header("x-deltatunnel-version") == "1");
  auto rows1 = NdjsonRows(at1.body);
  REQUIRE(rows1.size() == 2);
  CHECK(rows1[0]["note"] == "v1");

  auto latest = NdjsonRows(c.Get(kOrders + "/data").body);
  REQUIRE(latest.size() == 1);
  CHECK(latest[0]["note"] == "v2");
  CHECK(latest[0]["ds"] == "d1");
  CHECK(latest[0].contains("amount"));
  CHECK(latest[0]["amount"].is_null());

  const std::string t1 = v1["committed_at"];
  CHECK(NdjsonRows(c.Get(kOrders + "/data?timestamp=" + t1).body).size() == 2);
  CHECK(NdjsonRows(c.Get(kOrders + "/data?timestamp=1000").body).empty());  // before any commit

  auto csv = c.Get(kOrders + "/data?format=csv&columns=note,id");
  CHECK(csv.body == "note,id\r\nv2,1\r\n");  // RFC 4180 line ends
  auto arr = c.Get(kOrders + "/data?format=json&version=1&limit=1");
  CHECK(arr.Json().size() == 1);
  CHECK(c.Get(kOrders + "/data?version=3").status == 400);  // past the latest
  CHECK(c.Get(kOrders + "/data?columns=nope").status == 400);

  auto lookup = c.Send("POST", kOrders + "/lookup",
                       R"({"partition": "ds=d1", "keys": [{"id": 1}, {"id": 2}], "version": 1})");
  INFO(lookup.body);
  REQUIRE(lookup.status == 200);
  CHECK(lookup.Json()["version"] == 1);
  CHECK(lookup.Json()["rows"].size() == 2);
  auto lookup_latest =
      c.Send("POST", kOrders + "/lookup", R"({"partition": "ds=d1", "keys": [{"id": 2}]})");
  CHECK(lookup_latest.Json()["rows"].empty());

  auto changes = c.Get(kOrders + "/changes?from_version=1");
  REQUIRE(changes.status == 200);
  CHECK(changes.Header("x-deltatunnel-version") == "2");
  auto ch = NdjsonRows(changes.body);
  REQUIRE(ch.size() == 2);
  for (const json& row : ch) {
    if (row["id"] == 1) {
      CHECK(row["__op"] == "upsert");
      CHECK(row["note"] == "v2");
    } else {
      CHECK(row["__op"] == "delete");
    }
    CHECK(row["__version"] == 2);
  }
  CHECK(NdjsonRows(c.Get(kOrders + "/changes?from_version=2").body).empty());
  CHECK(c.Get(kOrders + "/changes?from_version=1&to_version=3").status == 400);
}

TEST_CASE("time zones: TIMESTAMP without offset in the request's zone", "[native]") {
  ServerProcess server;
  auto c = server.Client();
  REQUIRE(c.Send("POST", kTables, kOrdersJson).status == 201);
  auto r = Load(c, "?partition=ds=d1&timezone=Asia/Shanghai",
                "{\"id\": 1, \"ts\": \"2026-11-25 18:00:00\"}\n");
  INFO(r.body);
  REQUIRE(r.status == 200);
  auto utc = NdjsonRows(c.Get(kOrders + "/data").body);
  CHECK(utc[0]["ts"] == "2026-11-25T10:00:00Z");
  auto local = NdjsonRows(c.Get(kOrders + "/data?timezone=%2B08:00").body);
  CHECK(local[0]["ts"] == "2026-11-25T18:00:00+08:00");
}

TEST_CASE("versions outside retention answer 410 VersionExpired", "[native]") {
  ServerProcess server;
  auto c = server.Client();
  CreateTable(c, "p", KvTableJson("t", false, R"(, "acid.data.retain.hours": "0")"));
  const std::string t = "/api/v1/projects/p/tables/t";
  for (int i = 0; i < 2; ++i) {
    auto r =
        c.Send("POST", t + "/load", "{\"k\": 1}\n", {{"Content-Type", "application/x-ndjson"}});
    REQUIRE(r.status == 200);
  }
  auto old = c.Get(t + "/data?version=1");
  CHECK(old.status == 410);
  CHECK(old.Json()["Code"] == "VersionExpired");
  CHECK(c.Get(t + "/data?version=2").status == 200);
}

TEST_CASE("partitions: truncate and drop, a version each, older versions still read", "[native]") {
  ServerProcess server;
  auto c = server.Client();
  REQUIRE(c.Send("POST", kTables, kOrdersJson).status == 201);
  REQUIRE(Load(c, "?partition=ds=d1", "{\"id\": 1}\n{\"id\": 2}\n").status == 200);
  REQUIRE(Load(c, "?partition=ds=d2", "{\"id\": 3}\n").status == 200);

  auto truncated = c.Send("POST", kOrders + "/truncate?partition=ds=d1", "");
  INFO(truncated.body);
  REQUIRE(truncated.status == 200);
  json v = truncated.Json()["versions"];
  REQUIRE(v.size() == 1);
  CHECK(v[0]["version"] == 3);
  CHECK(v[0]["partition"] == "ds=d1");
  CHECK(v[0]["operation"] == "truncate");
  CHECK(NdjsonRows(c.Get(kOrders + "/data?partition=ds=d1").body).empty());
  CHECK(NdjsonRows(c.Get(kOrders + "/data?partition=ds=d1&version=2").body).size() == 2);
  auto changes = NdjsonRows(c.Get(kOrders + "/changes?from_version=2&to_version=3").body);
  REQUIRE(changes.size() == 2);
  CHECK(changes[0]["__op"] == "delete");
  CHECK(changes[0]["__version"] == 3);

  auto dropped = c.Send("DELETE", kOrders + "/partitions?partition=ds=d2", "");
  REQUIRE(dropped.status == 200);
  CHECK(dropped.Json()["versions"][0]["operation"] == "drop_partition");
  auto parts = c.Get(kOrders + "/partitions").Json()["partitions"];
  REQUIRE(parts.size() == 1);
  CHECK(parts[0]["partition"] == "ds=d1");
  // Its last version is the truncate, and its time that version's in the log.
  CHECK(parts[0]["version"] == 3);
  json log = c.Get(kOrders + "/versions").Json()["versions"];
  for (const auto& entry : log) {
    if (entry["version"] == 3) CHECK(parts[0]["committed_at"] == entry["committed_at"]);
  }
  CHECK(NdjsonRows(c.Get(kOrders + "/data?partition=ds=d2&version=3").body).size() == 1);

  // Errors answer at once and change nothing.
  auto again = c.Send("DELETE", kOrders + "/partitions?partition=ds=d2", "");
  CHECK(again.status == 404);
  CHECK(again.Json()["Code"] == "NoSuchPartition");
  CHECK(c.Send("DELETE", kOrders + "/partitions?partition=ds=d2&if_exists=true", "")
            .Json()["versions"]
            .empty());
  CHECK(c.Send("DELETE", kOrders + "/partitions?partition=ds=d2&if_exists=maybe", "").status ==
        400);
  CHECK(c.Send("DELETE", kOrders + "/partitions", "").status == 400);
  CHECK(c.Send("POST", kOrders + "/truncate?partition=nope=1", "").status == 400);
  CHECK(c.Send("POST", kTables + "/missing/truncate", "").status == 404);
  CHECK(c.Get(kOrders).Json()["version"] == 4);

  // A whole-table truncate: every partition listed; a load brings a dropped one back.
  REQUIRE(Load(c, "?partition=ds=d2", "{\"id\": 7}\n").status == 200);
  auto all = c.Send("POST", kOrders + "/truncate", "").Json()["versions"];
  CHECK(all.size() == 2);
  CHECK(NdjsonRows(c.Get(kOrders + "/data").body).empty());
  CHECK(c.Get(kOrders + "/partitions").Json()["partitions"].size() == 2);
}

TEST_CASE("alter: PATCH a table's properties, checked as at creation", "[native]") {
  ServerProcess server;
  auto c = server.Client();
  REQUIRE(c.Send("POST", kTables, kOrdersJson).status == 201);
  auto patched = c.Send("PATCH", kOrders,
                        R"({"properties": {"compaction.major.commit-threshold": 12,
                                           "acid.data.retain.hours": "48"}})");
  INFO(patched.body);
  REQUIRE(patched.status == 200);
  CHECK(patched.Json()["properties"]["compaction.major.commit-threshold"] == "12");
  CHECK(patched.Json()["properties"]["acid.data.retain.hours"] == "48");
  for (const char* body : {R"({"properties": {"transactional": "false"}})",
                           R"({"properties": {"compaction.major.commit-threshold": "200"}})",
                           R"({"properties": {}})", R"({"props": {}})", R"([1])"}) {
    INFO(body);
    auto r = c.Send("PATCH", kOrders, body);
    CHECK(r.status == 400);
    CHECK(r.Json()["Code"] == "InvalidArgument");
  }
  CHECK(c.Send("PATCH", kTables + "/nope", R"({"properties": {"comment": "x"}})").status == 404);
  // Kept across a restart.
  server.Restart();
  c = server.Client();
  CHECK(c.Get(kOrders).Json()["properties"]["compaction.major.commit-threshold"] == "12");
}

TEST_CASE("history: one key's committed states through HTTP, newest first", "[native]") {
  ServerProcess server;
  auto c = server.Client();
  CreateTable(c, "p", KvTableJson("t", true, R"(, "acid.partial.fields.update.enable": "true")"));
  auto load = [&c](const std::string& partition, const std::string& row) {
    return c.Send("POST", "/api/v1/projects/p/tables/t/load?partition=" + partition, row,
                  {{"Content-Type", "application/x-ndjson"}});
  };
  REQUIRE(load("ds%3D1", R"({"k": 1, "s": "a"})").status == 200);          // v1
  REQUIRE(load("ds%3D2", R"({"k": 1, "s": "other"})").status == 200);      // v2
  REQUIRE(load("ds%3D1", R"({"k": 1, "__op": "delete"})").status == 200);  // v3
  REQUIRE(load("ds%3D1", R"({"k": 1, "s": "b"})").status == 200);          // v4
  const std::string history = "/api/v1/projects/p/tables/t/history?partition=ds%3D1";
  auto r = c.Get(history + "&key=1");
  INFO(r.body);
  REQUIRE(r.status == 200);
  CHECK(r.headers["x-deltatunnel-version"] == "4");
  json h = r.Json();
  CHECK(h["version"] == 4);
  CHECK(h["more"] == false);
  REQUIRE(h["history"].size() == 3);
  CHECK(h["history"][0]["version"] == 4);
  CHECK(h["history"][0]["op"] == "upsert");
  CHECK(h["history"][0]["row"] == json({{"k", 1}, {"s", "b"}, {"ds", "1"}}));
  CHECK(h["history"][0]["committed_at"].is_string());
  CHECK(h["history"][1]["op"] == "delete");
  CHECK(h["history"][1]["row"].is_null());
  CHECK(h["history"][2]["row"]["s"] == "a");
  // The key as a JSON object, and a limit.
  auto two = c.Get(history + "&key=%7B%22k%22%3A1%7D&limit=1").Json();
  CHECK(two["history"].size() == 1);
  CHECK(two["more"] == true);
  // The other partition's key 1 is another key.
  auto other = c.Get("/api/v1/projects/p/tables/t/history?partition=ds%3D2&key=1").Json();
  REQUIRE(other["history"].size() == 1);
  CHECK(other["history"][0]["row"]["s"] == "other");
  // Bad requests say why, and an unknown key has no history.
  CHECK(c.Get(history).status == 400);
  CHECK(c.Get(history + "&key=x").status == 400);
  CHECK(c.Get(history + "&key=%7B%22s%22%3A1%7D").status == 400);
  CHECK(c.Get("/api/v1/projects/p/tables/t/history?key=1").status == 400);  // no partition
  CHECK(c.Get(history + "&key=99").Json()["history"].empty());
}
