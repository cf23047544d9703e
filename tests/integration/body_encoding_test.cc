// Small deviations of issue 22 held to the contract: compressed NDJSON/CSV bodies on native loads
// and upsert-session PUTs (Content-Encoding, 415 for an unknown one), a duplicate idempotent
// load's took_ms, and a quotaName that names no configured group.
#include "api_fixture.h"
#include "deltatunnel/proto/compression.h"

using namespace deltatunnel::testing;
using nlohmann::json;

namespace {

const std::string kTables = "/api/v1/projects/p/tables";
const std::string kLoad = kTables + "/t/load";
const std::string kUpserts = "/projects/p/tables/t/upserts";

std::string Compressed(const std::string& encoding, const std::string& data) {
  auto body = deltatunnel::proto::Compress(encoding, data);
  REQUIRE(body.ok());
  return *body;
}

}  // namespace

TEST_CASE("native loads and NDJSON/CSV upsert PUTs honour Content-Encoding", "[native][tunnel]") {
  ServerProcess server;
  auto c = server.Client();
  CreateTable(c, "p", KvTableJson("t"));
  int64_t k = 0;
  for (const std::string encoding : {"deflate", "x-snappy-framed", "x-lz4-frame", "zstd"}) {
    const std::string ndjson = fmt::format("{{\"k\": {}, \"s\": \"{}\"}}\n", ++k, encoding);
    auto r = c.Send("POST", kLoad, Compressed(encoding, ndjson),
                    {{"Content-Type", "application/x-ndjson"}, {"Content-Encoding", encoding}});
    INFO(encoding << " " << r.body);
    CHECK(r.status == 200);
    CHECK(r.Json()["rows"] == 1);
    const std::string csv = fmt::format("k,s\n{},csv-{}\n", ++k, encoding);
    auto r2 = c.Send("POST", kLoad, Compressed(encoding, csv),
                     {{"Content-Type", "text/csv"}, {"Content-Encoding", encoding}});
    INFO(r2.body);
    CHECK(r2.status == 200);
  }
  auto unknown = c.Send("POST", kLoad, "{\"k\": 99}\n",
                        {{"Content-Type", "application/x-ndjson"}, {"Content-Encoding", "br"}});
  CHECK(unknown.status == 415);
  CHECK(unknown.Json()["Code"] == "UnsupportedMediaType");
  auto corrupt = c.Send("POST", kLoad, "not zstd",
                        {{"Content-Type", "application/x-ndjson"}, {"Content-Encoding", "zstd"}});
  CHECK(corrupt.status == 400);
  auto rows = c.Get(kTables + "/t/data");
  REQUIRE(rows.status == 200);
  CHECK(std::count(rows.body.begin(), rows.body.end(), '\n') == 8);

  // The same on an upsert session's NDJSON PUT.
  auto session = c.Send("POST", kUpserts);
  REQUIRE(session.status == 200);
  const std::string id = session.Json()["id"];
  auto put = c.Send("PUT", kUpserts + "?upsertid=" + id,
                    Compressed("zstd", "{\"k\": 100, \"s\": \"z\"}\n"),
                    {{"Content-Type", "application/x-ndjson"}, {"Content-Encoding", "zstd"}});
  INFO(put.body);
  CHECK(put.status == 200);
  CHECK(put.Json()["rows"] == 1);
  auto bad_put = c.Send("PUT", kUpserts + "?upsertid=" + id, "{\"k\": 101}\n",
                        {{"Content-Type", "application/x-ndjson"}, {"Content-Encoding", "br"}});
  CHECK(bad_put.status == 415);
}

TEST_CASE("a duplicate idempotent load answers took_ms like the first", "[native]") {
  ServerProcess server;
  auto c = server.Client();
  CreateTable(c, "p", KvTableJson("t"));
  HttpHeaders h = {{"Content-Type", "application/x-ndjson"}, {"Idempotency-Key", "k1"}};
  auto first = c.Send("POST", kLoad, "{\"k\": 1}\n", h);
  REQUIRE(first.status == 200);
  auto again = c.Send("POST", kLoad, "{\"k\": 1}\n", h);
  REQUIRE(again.status == 200);
  CHECK(again.Json()["duplicate"] == true);
  REQUIRE(first.Json().contains("took_ms"));
  REQUIRE(again.Json().contains("took_ms"));
  CHECK(again.Json()["took_ms"].is_number_integer());
}

TEST_CASE("a quotaName that names no configured group writes in the default group", "[tunnel]") {
  ServerOptions options;
  options.config_toml = "[quota]\ndefault_slots = 4\ngroups = [ { name = \"etl\", slots = 2 } ]\n";
  ServerProcess server(options);
  auto c = server.Client();
  CreateTable(c, "p", KvTableJson("t"));
  for (const std::string quota : {"default", "some_cloud_quota", "etl"}) {
    auto s = c.Send("POST", kUpserts + "?quotaName=" + quota);
    INFO(quota << " " << s.body);
    REQUIRE(s.status == 200);
    CHECK(s.Json()["quota_name"] == (quota == "etl" ? "etl" : ""));
    const std::string id = s.Json()["id"];
    auto put = c.Send("PUT", kUpserts + "?upsertid=" + id, "{\"k\": 1}\n",
                      {{"Content-Type", "application/x-ndjson"}});
    CHECK(put.status == 200);
  }
}
