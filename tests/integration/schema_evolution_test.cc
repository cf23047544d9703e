// Schema evolution through HTTP against the real binary: PATCH with a schema change, the SQL
// statements MaxCompute's clients send (ADD COLUMNS, CHANGE COLUMN), a Tunnel session opened
// before a change that writes and commits after it, reads at versions before and after.
#include "api_fixture.h"

using namespace deltatunnel::testing;
using nlohmann::json;

namespace {

const std::string kTable = "/api/v1/projects/p/tables/t";
const std::string kUpserts = "/projects/p/tables/t/upserts";

std::map<int64_t, json> Rows(HttpClient& c, const std::string& query = "") {
  auto r = c.Get(kTable + "/data" + query);
  INFO(r.body);
  REQUIRE(r.status == 200);
  std::map<int64_t, json> out;
  for (const json& row : NdjsonRows(r.body)) out[row["k"].get<int64_t>()] = row;
  return out;
}

void Sql(HttpClient& c, const std::string& query, const std::string& expect = "Success") {
  const std::string job =
      "<?xml version=\"1.0\"?><Instance><Job><Tasks><SQL><Name>AnonymousSQLTask</Name><Query>"
      "<![CDATA[" +
      query + "]]></Query></SQL></Tasks></Job></Instance>";
  auto r = c.Send("POST", "/projects/p/instances", job, {{"Content-Type", "application/xml"}});
  INFO(query << " -> " << r.status << " " << r.body);
  if (expect == "Refused") {
    CHECK(r.status == 400);
    return;
  }
  REQUIRE(r.status == 201);
  const std::string location = r.headers.at("location");
  auto status = c.Get(location.substr(location.find("/projects/")) + "?taskstatus");
  CHECK(status.body.find("<Status>" + expect + "</Status>") != std::string::npos);
}

}  // namespace

TEST_CASE("schema evolution: PATCH, SQL, a session across the change, time travel", "[schema]") {
  ServerProcess server;
  auto c = server.Client();
  CreateTable(c, "p", KvTableJson("t"));
  auto load = c.Send("POST", kTable + "/load", "{\"k\":1,\"s\":\"one\"}\n",
                     {{"Content-Type", "application/x-ndjson"}});
  REQUIRE(load.status == 200);  // version 1

  // A Tunnel session opened before the change, written before and after it.
  auto session = c.Send("POST", kUpserts + "?slotnum=1");
  REQUIRE(session.status == 200);
  const std::string id = session.Json()["id"];
  auto put = [&](int64_t k, const std::string& s) {
    return c.Send("PUT", fmt::format("{}?upsertid={}&bucketid=0&slotid=0", kUpserts, id),
                  KvStream({{k, s}}));
  };
  REQUIRE(put(2, "two").status == 200);

  auto patched = c.Send("PATCH", kTable, R"({"add_columns": [
      {"name": "qty", "type": "INT", "default": 7, "comment": "added"},
      {"name": "tag", "type": "STRING"}]})");
  INFO(patched.body);
  REQUIRE(patched.status == 200);
  CHECK(patched.Json()["version"] == 2);
  CHECK(patched.Json()["schema_version"] == 1);
  CHECK(patched.Json()["columns"].size() == 4);
  CHECK(patched.Json()["columns"][2]["default"] == 7);
  CHECK(patched.Json()["columns"][2]["comment"] == "added");
  CHECK_FALSE(patched.Json()["columns"][3].contains("default"));

  // The old session still speaks its schema: its JSON, its writes, its commit.
  auto reloaded = c.Get(kUpserts + "?upsertid=" + id);
  REQUIRE(reloaded.status == 200);
  CHECK(reloaded.Json()["schema"]["columns"].size() == 2);
  REQUIRE(put(3, "three").status == 200);
  REQUIRE(c.Send("POST", kUpserts + "?upsertid=" + id).status == 200);  // version 3
  // A new session speaks the new one.
  auto fresh = c.Send("POST", kUpserts + "?slotnum=1");
  CHECK(fresh.Json()["schema"]["columns"].size() == 4);

  auto now = Rows(c);
  REQUIRE(now.size() == 3);
  for (int64_t k : {1, 2, 3}) {
    CHECK(now[k]["qty"] == 7);
    CHECK(now[k]["tag"].is_null());
  }
  CHECK(now[3]["s"] == "three");
  auto v1 = Rows(c, "?version=1");
  REQUIRE(v1.size() == 1);
  CHECK_FALSE(v1[1].contains("qty"));
  auto lookup = c.Send("POST", kTable + "/lookup", R"({"keys": [{"k": 2}], "version": 1})");
  CHECK(lookup.Json()["rows"].empty());
  lookup = c.Send("POST", kTable + "/lookup", R"({"keys": [{"k": 2}]})");
  CHECK(lookup.Json()["rows"][0]["qty"] == 7);
  auto versions = c.Get(kTable + "/versions").Json()["versions"];
  CHECK(versions[1]["operation"] == "alter_schema");

  // New rows with the new columns, through a load.
  REQUIRE(c.Send("POST", kTable + "/load", "{\"k\":4,\"s\":\"four\",\"qty\":1,\"tag\":\"x\"}\n",
                 {{"Content-Type", "application/x-ndjson"}})
              .status == 200);

  // The statements MaxCompute's clients send.
  Sql(c, "ALTER TABLE p.t ADD COLUMNS (note STRING DEFAULT 'n/a' COMMENT 'c')");
  Sql(c, "ALTER TABLE t ADD COLUMNS IF NOT EXISTS (note STRING, extra DOUBLE)");
  Sql(c, "ALTER TABLE t CHANGE COLUMN qty qty BIGINT");
  Sql(c, "ALTER TABLE t CHANGE COLUMN tag RENAME TO label");
  Sql(c, "ALTER TABLE t CHANGE COLUMN qty qty INT", "Refused");  // narrowing
  Sql(c, "ALTER TABLE t CHANGE COLUMN k k STRING", "Refused");   // the key
  Sql(c, "ALTER TABLE t ADD COLUMNS (bad INT DEFAULT 'x')", "Refused");
  Sql(c, "ALTER TABLE t DROP COLUMNS (s)", "Refused");
  Sql(c, "ALTER TABLE nope ADD COLUMNS (x INT)", "Failed");
  auto table = c.Get(kTable).Json();
  INFO(table.dump());
  REQUIRE(table["columns"].size() == 6);
  CHECK(table["columns"][2]["type"] == "BIGINT");
  CHECK(table["columns"][3]["name"] == "label");
  CHECK(table["columns"][4]["name"] == "note");
  CHECK(table["columns"][4]["default"] == "n/a");
  CHECK(table["columns"][5]["name"] == "extra");
  // ODPS metadata shows the current schema.
  auto odps = c.Get("/projects/p/tables/t");
  REQUIRE(odps.status == 200);
  CHECK(odps.body.find("\"name\":\"label\"") != std::string::npos);

  // Bad PATCH bodies change nothing.
  for (const char* body : {R"({"add_columns": [{"name": "z", "type": "INT", "nullable": false}]})",
                           R"({"add_columns": [{"name": "k", "type": "INT"}]})",
                           R"({"change_column_types": [{"name": "s", "type": "INT"}]})",
                           R"({"rename_columns": [{"from": "zz", "to": "y"}]})",
                           R"({"add_columns": {}})", R"({"add_columns": [], "properties": {}})"}) {
    INFO(body);
    auto r = c.Send("PATCH", kTable, body);
    CHECK(r.status == 400);
  }
  CHECK(c.Get(kTable).Json()["version"] == table["version"]);

  // Everything survives a restart.
  server.Restart();
  c = server.Client();
  auto after = Rows(c);
  REQUIRE(after.size() == 4);
  CHECK(after[1]["note"] == "n/a");
  CHECK(after[4]["note"] == "n/a");
  CHECK(after[4]["label"] == "x");
  CHECK(after[2]["qty"] == 7);
  CHECK(after[1]["extra"].is_null());
  CHECK(Rows(c, "?version=1")[1].size() == 2);
}
