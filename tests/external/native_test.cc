// The native surface (api.md sections 2 to 4): tables, one-shot loads, reads at versions, lookup,
// changes, versions.
#include <catch2/catch.hpp>

#include "suite.h"

using namespace deltatunnel::external;
using nlohmann::json;

namespace {

std::string OrdersJson(const std::string& name) {
  return fmt::format(R"js({{"name": "{}",
    "columns": [{{"name": "id", "type": "BIGINT", "nullable": false}},
                {{"name": "amount", "type": "DECIMAL(18,2)"}},
                {{"name": "note", "type": "STRING"}}],
    "primary_key": ["id"],
    "partition_columns": [{{"name": "ds", "type": "STRING"}}],
    "properties": {{"write.bucket.num": "4"}}}})js",
                     name);
}

HttpResponse Load(Api& api, const std::string& table, const std::string& partition,
                  const std::string& ndjson, const std::string& idempotency_key = "") {
  HttpHeaders headers = {{"Content-Type", "application/x-ndjson"}};
  if (!idempotency_key.empty()) headers["Idempotency-Key"] = idempotency_key;
  return api.Send("POST", TablePath(table) + "/load", {{"partition", partition}}, ndjson, headers);
}

bool Listed(const json& list, const std::string& name) {
  for (const json& t : list["tables"]) {
    if (t["name"] == name) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("tables: create, describe, list, drop", "[native]") {
  Api api;
  const std::string name = UniqueName("orders");
  ScopedTable guard(api, name);

  auto created = api.Send("POST", TablesPath(), {}, OrdersJson(name));
  INFO(created.body);
  REQUIRE(created.status == 201);
  CHECK(created.Json()["name"] == name);
  CHECK(created.Json()["version"] == 0);

  auto again = api.Send("POST", TablesPath(), {}, OrdersJson(name));
  CHECK(again.status == 409);
  CHECK(ErrorCode(again) == "TableAlreadyExists");

  auto described = api.Get(TablePath(name));
  REQUIRE(described.status == 200);
  json t = described.Json();
  CHECK(t["project"] == Suite().project);
  CHECK(t["primary_key"] == json::array({"id"}));
  CHECK(t["columns"][1]["type"] == "DECIMAL(18,2)");
  CHECK(t["partition_columns"][0]["name"] == "ds");
  CHECK(t["properties"]["write.bucket.num"] == "4");

  auto listed = api.Get(TablesPath());
  REQUIRE(listed.status == 200);
  CHECK(Listed(listed.Json(), name));

  CHECK(api.Send("DELETE", TablePath(name)).status == 204);
  auto gone = api.Get(TablePath(name));
  CHECK(gone.status == 404);
  CHECK(ErrorCode(gone) == "NoSuchTable");
  auto relisted = api.Get(TablesPath());
  if (relisted.status == 200) CHECK_FALSE(Listed(relisted.Json(), name));
}

TEST_CASE("loads and reads: idempotent load, versions, data, lookup, changes", "[native]") {
  Api api;
  const std::string name = UniqueName("loads");
  ScopedTable guard(api, name);
  auto created = api.Send("POST", TablesPath(), {}, OrdersJson(name));
  INFO(created.body);
  REQUIRE(created.status == 201);

  // A load retried with its Idempotency-Key (as after a lost answer) applies once.
  const std::string key = name + "-load-1";
  const std::string rows_v1 =
      "{\"id\": 1, \"amount\": \"9.90\", \"note\": \"v1\"}\n{\"id\": 2, \"note\": \"v1\"}\n";
  auto first = Load(api, name, "ds=d1", rows_v1, key);
  INFO(first.body);
  REQUIRE(first.status == 200);
  CHECK(first.Json()["version"] == 1);
  CHECK(first.Json()["rows"] == 2);
  CHECK(first.Json()["duplicate"] == false);
  auto retried = Load(api, name, "ds=d1", rows_v1, key);
  REQUIRE(retried.status == 200);
  CHECK(retried.Json()["duplicate"] == true);
  CHECK(retried.Json()["version"] == 1);

  auto second = Load(api, name, "ds=d1",
                     "{\"id\": 1, \"note\": \"v2\"}\n{\"id\": 2, \"__op\": \"delete\"}\n");
  INFO(second.body);
  REQUIRE(second.status == 200);
  CHECK(second.Json()["version"] == 2);
  CHECK(second.Json()["deletes"] == 1);

  // A bad row refuses the whole body, committing nothing.
  auto bad = Load(api, name, "ds=d1", "{\"id\": 3}\n{\"id\": 4, \"amount\": \"abc\"}\n");
  CHECK(bad.status == 400);
  CHECK(ErrorCode(bad) == "InvalidArgument");
  CHECK(bad.Json()["errors"][0]["line"] == 2);

  auto versions = api.Get(TablePath(name) + "/versions");
  REQUIRE(versions.status == 200);
  json v = versions.Json()["versions"];
  REQUIRE(v.size() == 2);
  CHECK(v[0]["version"] == 2);  // newest first
  CHECK(v[1]["version"] == 1);
  CHECK(v[1]["partition"] == "ds=d1");

  auto at1 = api.Get(TablePath(name) + "/data", {{"version", "1"}});
  REQUIRE(at1.status == 200);
  CHECK(at1.Header("x-deltatunnel-version") == "1");
  auto rows1 = NdjsonRows(at1.body);
  REQUIRE(rows1.size() == 2);
  for (const json& row : rows1) {
    CHECK(row["note"] == "v1");
    if (row["id"] == 1) CHECK(row["amount"] == "9.90");
  }

  auto latest = api.Get(TablePath(name) + "/data");
  REQUIRE(latest.status == 200);
  CHECK(latest.Header("x-deltatunnel-version") == "2");
  auto rows2 = NdjsonRows(latest.body);
  REQUIRE(rows2.size() == 1);
  CHECK(rows2[0]["id"] == 1);
  CHECK(rows2[0]["note"] == "v2");
  CHECK(rows2[0]["ds"] == "d1");
  CHECK(rows2[0]["amount"].is_null());

  auto csv = api.Get(TablePath(name) + "/data", {{"format", "csv"}, {"columns", "id,note"}});
  CHECK(csv.body == "id,note\r\n1,v2\r\n");

  auto lookup = api.Send("POST", TablePath(name) + "/lookup", {},
                         R"({"partition": "ds=d1", "keys": [{"id": 1}, {"id": 2}], "version": 1})");
  INFO(lookup.body);
  REQUIRE(lookup.status == 200);
  CHECK(lookup.Json()["version"] == 1);
  CHECK(lookup.Json()["rows"].size() == 2);
  auto lookup_latest = api.Send("POST", TablePath(name) + "/lookup", {},
                                R"({"partition": "ds=d1", "keys": [{"id": 1}, {"id": 2}]})");
  REQUIRE(lookup_latest.status == 200);
  REQUIRE(lookup_latest.Json()["rows"].size() == 1);
  CHECK(lookup_latest.Json()["rows"][0]["note"] == "v2");

  auto changes = api.Get(TablePath(name) + "/changes", {{"from_version", "1"}});
  REQUIRE(changes.status == 200);
  auto ch = NdjsonRows(changes.body);
  REQUIRE(ch.size() == 2);
  for (const json& row : ch) {
    CHECK(row["__version"] == 2);
    CHECK(row["__op"] == (row["id"] == 1 ? "upsert" : "delete"));
  }
  CHECK(NdjsonRows(api.Get(TablePath(name) + "/changes", {{"from_version", "2"}}).body).empty());
  CHECK(api.Get(TablePath(name) + "/data", {{"version", "3"}}).status == 400);  // past the latest
}
