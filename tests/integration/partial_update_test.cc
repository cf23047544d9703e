// Partial-column upserts through real HTTP against the real binary: `__value_cols` on the Tunnel
// wire (wire-format.md section 3) and `partial_update=true` on native loads and session writes
// (api.md section 3), on a table with acid.partial.fields.update.enable and on one without.
#include <map>

#include "api_fixture.h"

using namespace deltatunnel;
using namespace deltatunnel::testing;
using nlohmann::json;

namespace {

// `k BIGINT NOT NULL, a STRING, b BIGINT, c STRING`, 4 buckets.
std::string WideTableJson(const std::string& name, bool partial) {
  return fmt::format(
      R"({{"name": "{}",
          "columns": [{{"name": "k", "type": "BIGINT"}}, {{"name": "a", "type": "STRING"}},
                      {{"name": "b", "type": "BIGINT"}}, {{"name": "c", "type": "STRING"}}],
          "primary_key": ["k"],
          "properties": {{"write.bucket.num": "4", "acid.partial.fields.update.enable": "{}"}}}})",
      name, partial ? "true" : "false");
}

proto::TableSchema WideSchema() {
  proto::TableSchema schema;
  schema.columns = {{"k", proto::Type{proto::TypeKind::kBigint}, false, ""},
                    {"a", proto::Type{proto::TypeKind::kString}, true, ""},
                    {"b", proto::Type{proto::TypeKind::kBigint}, true, ""},
                    {"c", proto::Type{proto::TypeKind::kString}, true, ""}};
  schema.primary_key = {0};
  return schema;
}

// One record of a stream: an upsert of the non-null values, partial when `columns` (data column
// indices, as the session JSON's column_id - 1) is not empty; or a delete of k.
struct Record {
  int64_t k;
  std::optional<std::string> a;
  std::optional<int64_t> b;
  std::optional<std::string> c;
  std::vector<int> columns;  // __value_cols
  bool del = false;
};

std::string Stream(const std::vector<Record>& records) {
  static const proto::TableSchema schema = WideSchema();
  proto::RecordStreamWriter w(schema);
  for (const Record& r : records) {
    proto::Row row = {proto::Value(r.k), r.a ? proto::Value(*r.a) : proto::Value(),
                      r.b ? proto::Value(*r.b) : proto::Value(),
                      r.c ? proto::Value(*r.c) : proto::Value()};
    Status s = w.Write(std::move(row), r.del ? proto::RowOp::kDelete : proto::RowOp::kUpsert,
                       r.columns.empty() ? nullptr : &r.columns);
    REQUIRE(s.ok());
  }
  return w.Finish();
}

std::string Upserts(const std::string& table) { return "/projects/p/tables/" + table + "/upserts"; }

json CreateSession(HttpClient& c, const std::string& table) {
  auto r = c.Send("POST", Upserts(table) + "?slotnum=1");
  INFO(r.body);
  REQUIRE(r.status == 200);
  return r.Json();
}

HttpResponse Put(HttpClient& c, const std::string& table, const std::string& id,
                 const std::vector<Record>& records) {
  return c.Send("PUT",
                fmt::format("{}?upsertid={}&bucketid=0&slotid=0&record_count={}", Upserts(table),
                            id, records.size()),
                Stream(records));
}

void Commit(HttpClient& c, const std::string& table, const std::string& id) {
  auto r = c.Send("POST", Upserts(table) + "?upsertid=" + id);
  INFO(r.body);
  REQUIRE(r.status == 200);
  REQUIRE(r.Json()["status"] == "committed");
}

// Writes `records` in one session and commits it.
void Session(HttpClient& c, const std::string& table, const std::vector<Record>& records) {
  const std::string id = CreateSession(c, table)["id"];
  auto put = Put(c, table, id, records);
  INFO(put.body);
  REQUIRE(put.status == 200);
  Commit(c, table, id);
}

// The table's rows by k.
std::map<int64_t, json> Rows(HttpClient& c, const std::string& table) {
  auto r = c.Get("/api/v1/projects/p/tables/" + table + "/data");
  INFO(r.body);
  REQUIRE(r.status == 200);
  std::map<int64_t, json> rows;
  for (json& row : NdjsonRows(r.body)) {
    const int64_t k = row["k"].get<int64_t>();
    rows[k] = std::move(row);
  }
  return rows;
}

json Row(int64_t k, const json& a, const json& b, const json& c) {
  return {{"k", k}, {"a", a}, {"b", b}, {"c", c}};
}

HttpResponse Load(HttpClient& c, const std::string& table, const std::string& query,
                  const std::string& body, const std::string& type = "application/x-ndjson") {
  return c.Send("POST", "/api/v1/projects/p/tables/" + table + "/load" + query, body,
                {{"Content-Type", type}});
}

}  // namespace

TEST_CASE("__value_cols on the Tunnel wire: partial upserts of existing and new keys",
          "[partial]") {
  ServerProcess server;
  auto c = server.Client();
  CreateTable(c, "p", WideTableJson("pu", true));

  json s = CreateSession(c, "pu");
  CHECK(s["enable_partial_update"] == true);
  // The column_ids a client puts in __value_cols: data columns from 1, in order.
  REQUIRE(s["schema"]["columns"].size() == 4);
  for (int i = 0; i < 4; ++i)
    CHECK(s["schema"]["columns"][i]["column_id"] == std::to_string(i + 1));

  Session(c, "pu", {{1, "a1", 10, "c1"}, {2, "a2", 20, "c2"}});

  // k=1 gets a new `a` only; k=3 is new and gets `b` only; k=2 gets `c` set to null (a listed
  // column absent from the record is null).
  Session(c, "pu",
          {{1, "A1", std::nullopt, std::nullopt, {1}},
           {3, std::nullopt, 30, std::nullopt, {2}},
           {2, std::nullopt, std::nullopt, std::nullopt, {3}}});
  auto rows = Rows(c, "pu");
  REQUIRE(rows.size() == 3);
  CHECK(rows[1] == Row(1, "A1", 10, "c1"));
  CHECK(rows[2] == Row(2, "a2", 20, nullptr));
  CHECK(rows[3] == Row(3, nullptr, 30, nullptr));

  SECTION("commit order decides between sessions, column by column") {
    const std::string first = CreateSession(c, "pu")["id"];
    const std::string second = CreateSession(c, "pu")["id"];
    // `first` is opened and written first but committed last: its `b` wins; `c`, which only
    // `second` writes, stays as `second` left it.
    REQUIRE(Put(c, "pu", first, {{1, std::nullopt, 11, std::nullopt, {2}}}).status == 200);
    REQUIRE(Put(c, "pu", second, {{1, std::nullopt, 12, "C2", {2, 3}}}).status == 200);
    Commit(c, "pu", second);
    CHECK(Rows(c, "pu")[1] == Row(1, "A1", 12, "C2"));
    Commit(c, "pu", first);
    CHECK(Rows(c, "pu")[1] == Row(1, "A1", 11, "C2"));
  }

  SECTION("within a session, arrival order; after a delete the key is new again") {
    const std::string id = CreateSession(c, "pu")["id"];
    // In one request...
    REQUIRE(Put(c, "pu", id,
                {{3, std::nullopt, 31, std::nullopt, {2}},
                 {3, "x", std::nullopt, std::nullopt, {1}},
                 {1, std::nullopt, std::nullopt, std::nullopt, {}, true},
                 {1, std::nullopt, std::nullopt, "after delete", {3}}})
                .status == 200);
    // ...and across requests: a full upsert, then a partial one over it.
    REQUIRE(Put(c, "pu", id, {{4, "a4", 40, "c4"}}).status == 200);
    REQUIRE(Put(c, "pu", id, {{4, std::nullopt, 41, std::nullopt, {2}}}).status == 200);
    Commit(c, "pu", id);
    rows = Rows(c, "pu");
    CHECK(rows[3] == Row(3, "x", 31, nullptr));
    CHECK(rows[1] == Row(1, nullptr, nullptr, "after delete"));
    CHECK(rows[4] == Row(4, "a4", 41, "c4"));
  }

  SECTION("a full upsert after a partial one replaces the whole row") {
    Session(c, "pu", {{3, std::nullopt, std::nullopt, "only c"}});
    CHECK(Rows(c, "pu")[3] == Row(3, nullptr, nullptr, "only c"));
  }

  SECTION("older versions read as they were") {
    auto v2 = c.Get("/api/v1/projects/p/tables/pu/data?version=1");
    REQUIRE(v2.status == 200);
    for (const json& r : NdjsonRows(v2.body)) {
      if (r["k"] == 1) CHECK(r == Row(1, "a1", 10, "c1"));
    }
  }
}

TEST_CASE("partial_update=true on native loads and session writes", "[partial]") {
  ServerProcess server;
  auto c = server.Client();
  CreateTable(c, "p", WideTableJson("pu", true));
  REQUIRE(Load(c, "pu", "", "{\"k\": 1, \"a\": \"a1\", \"b\": 10, \"c\": \"c1\"}\n").status == 200);

  // NDJSON: the keys present are the columns updated; an explicit null sets null.
  auto nd = Load(c, "pu", "?partial_update=true",
                 "{\"k\": 1, \"c\": \"C1\"}\n{\"k\": 2, \"b\": 20}\n{\"k\": 1, \"a\": null}\n");
  INFO(nd.body);
  REQUIRE(nd.status == 200);
  CHECK(nd.Json()["upserts"] == 3);
  auto rows = Rows(c, "pu");
  CHECK(rows[1] == Row(1, nullptr, 10, "C1"));
  CHECK(rows[2] == Row(2, nullptr, 20, nullptr));

  // CSV: the header names the columns updated.
  auto csv = Load(c, "pu", "?partial_update=true", "k,b\n1,11\n3,30\n", "text/csv");
  INFO(csv.body);
  REQUIRE(csv.status == 200);
  rows = Rows(c, "pu");
  CHECK(rows[1] == Row(1, nullptr, 11, "C1"));
  CHECK(rows[3] == Row(3, nullptr, 30, nullptr));

  // JSON array, and a delete among partial upserts.
  auto array = Load(c, "pu", "?partial_update=true",
                    R"([{"k": 3, "a": "a3"}, {"k": 2, "__op": "delete"}])", "application/json");
  REQUIRE(array.status == 200);
  rows = Rows(c, "pu");
  CHECK(rows.count(2) == 0);
  CHECK(rows[3] == Row(3, "a3", 30, nullptr));

  // Without the parameter (or with false) a load replaces whole rows.
  REQUIRE(Load(c, "pu", "?partial_update=false", "{\"k\": 3, \"b\": 33}\n").status == 200);
  CHECK(Rows(c, "pu")[3] == Row(3, nullptr, 33, nullptr));
  auto bad_value = Load(c, "pu", "?partial_update=yes", "{\"k\": 3}\n");
  CHECK(bad_value.status == 400);
  CHECK(bad_value.Json()["Code"] == "InvalidArgument");

  SECTION("on a Tunnel session write (NDJSON and CSV bodies), resolved by commit order") {
    const std::string first = CreateSession(c, "pu")["id"];
    const std::string second = CreateSession(c, "pu")["id"];
    auto w1 = c.Send("PUT", Upserts("pu") + "?upsertid=" + first + "&partial_update=true",
                     "{\"k\": 1, \"a\": \"first\"}\n", {{"Content-Type", "application/x-ndjson"}});
    INFO(w1.body);
    REQUIRE(w1.status == 200);
    auto w2 = c.Send("PUT", Upserts("pu") + "?upsertid=" + second + "&partial_update=true",
                     "k,a,c\n1,second,c-second\n", {{"Content-Type", "text/csv"}});
    INFO(w2.body);
    REQUIRE(w2.status == 200);
    Commit(c, "pu", second);
    Commit(c, "pu", first);
    CHECK(Rows(c, "pu")[1] == Row(1, "first", 11, "c-second"));
  }

  SECTION("mixed with Tunnel __value_cols writes in commit order") {
    Session(c, "pu", {{1, std::nullopt, 12, std::nullopt, {2}}});
    REQUIRE(Load(c, "pu", "?partial_update=true", "{\"k\": 1, \"a\": \"native\"}\n").status == 200);
    CHECK(Rows(c, "pu")[1] == Row(1, "native", 12, "C1"));
  }
}

TEST_CASE("a table without partial updates refuses them with InvalidArgument", "[partial]") {
  ServerProcess server;
  auto c = server.Client();
  CreateTable(c, "p", WideTableJson("full", false));
  auto described = c.Get("/api/v1/projects/p/tables/full").Json();
  CHECK(described["properties"]["acid.partial.fields.update.enable"] == "false");
  REQUIRE(Load(c, "full", "", "{\"k\": 1, \"a\": \"a1\", \"b\": 10, \"c\": \"c1\"}\n").status ==
          200);

  json s = CreateSession(c, "full");
  CHECK(s["enable_partial_update"] == false);
  const std::string id = s["id"];

  // __value_cols on the wire: refused whole, the session goes on unchanged.
  auto partial =
      Put(c, "full", id, {{2, "a2", 20, "c2"}, {1, std::nullopt, 11, std::nullopt, {2}}});
  CHECK(partial.status == 400);
  CHECK(partial.Json()["Code"] == "InvalidArgument");
  CHECK_THAT(partial.Json()["Message"].get<std::string>(), Catch::Contains("partial"));

  // partial_update=true on a session write and on a load.
  auto nd = c.Send("PUT", Upserts("full") + "?upsertid=" + id + "&partial_update=true",
                   "{\"k\": 1, \"b\": 11}\n", {{"Content-Type", "application/x-ndjson"}});
  CHECK(nd.status == 400);
  CHECK(nd.Json()["Code"] == "InvalidArgument");
  CHECK_THAT(nd.Json()["Message"].get<std::string>(),
             Catch::Contains("acid.partial.fields.update.enable"));
  auto load = Load(c, "full", "?partial_update=true", "{\"k\": 1, \"b\": 11}\n");
  CHECK(load.status == 400);
  CHECK(load.Json()["Code"] == "InvalidArgument");
  CHECK_THAT(load.Json()["Message"].get<std::string>(),
             Catch::Contains("acid.partial.fields.update.enable"));

  // Full upserts go on in the same session; nothing of the refused requests was kept.
  REQUIRE(Put(c, "full", id, {{3, "a3", 30, "c3"}}).status == 200);
  Commit(c, "full", id);
  auto rows = Rows(c, "full");
  REQUIRE(rows.size() == 2);
  CHECK(rows[1] == Row(1, "a1", 10, "c1"));
  CHECK(rows[3] == Row(3, "a3", 30, "c3"));
  CHECK(c.Get("/api/v1/projects/p/tables/full/versions").Json()["versions"].size() == 2);
}
