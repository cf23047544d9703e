// The Tunnel upsert surface through real HTTP against the real binary (wire-format.md).
#include <set>
#include <thread>

#include "api_fixture.h"
#include "deltatunnel/proto/bucket_hash.h"
#include "deltatunnel/proto/compression.h"

using namespace deltatunnel::testing;
using deltatunnel::proto::Compress;
using nlohmann::json;

namespace {

const std::string kUpserts = "/projects/p/tables/t/upserts";

json CreateSession(HttpClient& c, const std::string& query = "slotnum=2") {
  auto r = c.Send("POST", kUpserts + "?" + query);
  INFO(r.body);
  REQUIRE(r.status == 200);
  return r.Json();
}

HttpResponse PutStream(HttpClient& c, const std::string& id, int bucket, const std::string& stream,
                       size_t count, const HttpHeaders& headers = {}) {
  return c.Send("PUT",
                fmt::format("{}?upsertid={}&bucketid={}&slotid=0&record_count={}", kUpserts, id,
                            bucket, count),
                stream, headers);
}

std::vector<json> ReadAll(HttpClient& c, const std::string& table = "t") {
  auto r = c.Get("/api/v1/projects/p/tables/" + table + "/data");
  INFO(r.body);
  REQUIRE(r.status == 200);
  return NdjsonRows(r.body);
}

}  // namespace

TEST_CASE("session JSON as the clients read it", "[tunnel]") {
  ServerProcess server;
  auto c = server.Client();
  CreateTable(c, "p", KvTableJson("t"));
  json s = CreateSession(c, "slotnum=3&lifecycle=2");
  for (const char* field : {"id", "status", "schema", "hash_key", "hasher", "slots"}) {
    CHECK(s.contains(field));
  }
  CHECK(s["status"] == "normal");
  CHECK(s["hasher"] == "default");
  CHECK(s["hash_key"] == json::array({"k"}));
  CHECK(s["schema"]["columns"].size() == 2);
  CHECK(s["schema"]["columns"][0]["column_id"] == "1");
  CHECK(s["schema"]["partitionKeys"].empty());
  REQUIRE(s["slots"].size() == 3);
  std::multiset<int> buckets;
  for (const json& slot : s["slots"]) {
    CHECK(slot["slot_id"].is_string());
    std::string addr = slot["worker_addr"];
    CHECK(std::count(addr.begin(), addr.end(), ':') == 1);
    for (int b : slot["buckets"]) buckets.insert(b);
  }
  CHECK(buckets == std::multiset<int>{0, 1, 2, 3});

  // More slots than buckets: one slot per bucket.
  CHECK(CreateSession(c, "slotnum=100")["slots"].size() == 4);
  // Reload answers the same session.
  auto reload = c.Get(kUpserts + "?upsertid=" + s["id"].get<std::string>());
  REQUIRE(reload.status == 200);
  CHECK(reload.Json()["id"] == s["id"]);
}

TEST_CASE("write, commit: invisible before, visible at once after", "[tunnel]") {
  ServerProcess server;
  auto c = server.Client();
  CreateTable(c, "p", KvTableJson("t"));
  const std::string id = CreateSession(c)["id"];

  std::vector<KvRow> rows;
  for (int k = 0; k < 100; ++k) rows.push_back({k, "v" + std::to_string(k)});
  // Every row under bucket 0 whatever its key: the server re-hashes.
  auto put = PutStream(c, id, 0, KvStream(rows), rows.size());
  INFO(put.body);
  REQUIRE(put.status == 200);
  CHECK(ReadAll(c).empty());

  auto commit = c.Send("POST", kUpserts + "?upsertid=" + id);
  REQUIRE(commit.status == 200);
  CHECK(commit.Json()["status"] == "committed");
  auto data = ReadAll(c);
  CHECK(data.size() == 100);

  SECTION("a repeated commit answers the JSON and applies nothing") {
    auto again = c.Send("POST", kUpserts + "?upsertid=" + id);
    REQUIRE(again.status == 200);
    CHECK(again.Json()["status"] == "committed");
    auto versions = c.Get("/api/v1/projects/p/tables/t/versions").Json()["versions"];
    CHECK(versions.size() == 1);
  }
  SECTION("writing after commit is 409 StatusConflict") {
    auto late = PutStream(c, id, 1, KvStream({{1, "late"}}), 1);
    CHECK(late.status == 409);
    CHECK(late.Json()["Code"] == "StatusConflict");
    auto abort = c.Send("DELETE", kUpserts + "?upsertid=" + id);
    CHECK(abort.status == 409);
  }
  SECTION("a key written later under another bucket id replaces its one row") {
    const std::string id2 = CreateSession(c)["id"];
    REQUIRE(PutStream(c, id2, 3, KvStream({{5, "new"}}), 1).status == 200);
    REQUIRE(c.Send("POST", kUpserts + "?upsertid=" + id2).status == 200);
    auto after = ReadAll(c);
    CHECK(after.size() == 100);
    int fives = 0;
    for (const json& r : after) {
      if (r["k"] == 5) {
        ++fives;
        CHECK(r["s"] == "new");
      }
    }
    CHECK(fives == 1);
  }
}

TEST_CASE("abort leaves nothing; unknown sessions are 404", "[tunnel]") {
  ServerProcess server;
  auto c = server.Client();
  CreateTable(c, "p", KvTableJson("t"));
  const std::string id = CreateSession(c)["id"];
  REQUIRE(PutStream(c, id, 0, KvStream({{1, "a"}}), 1).status == 200);
  auto abort = c.Send("DELETE", kUpserts + "?upsertid=" + id);
  REQUIRE(abort.status == 200);
  CHECK(abort.Json()["status"] == "aborted");
  CHECK(c.Send("POST", kUpserts + "?upsertid=" + id).status == 409);
  CHECK(ReadAll(c).empty());

  auto missing = c.Get(kUpserts + "?upsertid=nosuchsession");
  CHECK(missing.status == 404);
  CHECK(missing.Json()["Code"] == "UpsertSessionNotFound");
  auto no_table = c.Send("POST", "/projects/p/tables/nope/upserts?slotnum=1");
  CHECK(no_table.status == 404);
  CHECK(no_table.Json()["Code"] == "NoSuchTable");
}

TEST_CASE("corrupt streams are refused whole and the session goes on", "[tunnel]") {
  ServerProcess server;
  auto c = server.Client();
  CreateTable(c, "p", KvTableJson("t"));
  const std::string id = CreateSession(c)["id"];
  std::string stream = KvStream({{1, "a"}, {2, "b"}});

  std::string flipped = stream;
  flipped[3] ^= 0x01;  // inside record 1's value
  auto bad = PutStream(c, id, 0, flipped, 2);
  CHECK(bad.status == 400);
  CHECK(bad.Json()["Code"] == "CorruptedDataStream");

  auto truncated = PutStream(c, id, 0, stream.substr(0, stream.size() - 3), 2);
  CHECK(truncated.status == 400);
  CHECK(truncated.Json()["Code"] == "CorruptedDataStream");

  auto wrong_count = PutStream(c, id, 0, stream, 3);
  CHECK(wrong_count.status == 400);
  CHECK(wrong_count.Json()["Code"] == "CorruptedDataStream");

  auto bad_bucket = PutStream(c, id, 4, stream, 2);
  CHECK(bad_bucket.status == 400);
  CHECK(bad_bucket.Json()["Code"] == "InvalidArgument");

  REQUIRE(PutStream(c, id, 0, stream, 2).status == 200);
  REQUIRE(c.Send("POST", kUpserts + "?upsertid=" + id).status == 200);
  CHECK(ReadAll(c).size() == 2);
}

TEST_CASE("compressed bodies in every encoding", "[tunnel]") {
  ServerProcess server;
  auto c = server.Client();
  CreateTable(c, "p", KvTableJson("t"));
  const std::string id = CreateSession(c)["id"];
  int k = 0;
  for (const char* encoding : {"deflate", "x-snappy-framed", "x-lz4-frame", "zstd", "identity"}) {
    INFO(encoding);
    std::vector<KvRow> rows;
    for (int i = 0; i < 50; ++i, ++k) rows.push_back({k, std::string(40, 'x')});
    auto compressed = Compress(encoding, KvStream(rows));
    REQUIRE(compressed.ok());
    auto r = PutStream(c, id, 0, *compressed, rows.size(), {{"Content-Encoding", encoding}});
    INFO(r.body);
    CHECK(r.status == 200);
  }
  auto unknown = PutStream(c, id, 0, KvStream({{1, "a"}}), 1, {{"Content-Encoding", "br"}});
  CHECK(unknown.status == 400);
  CHECK(unknown.Json()["Code"] == "InvalidArgument");
  REQUIRE(c.Send("POST", kUpserts + "?upsertid=" + id).status == 200);
  CHECK(ReadAll(c).size() == 250);
}

TEST_CASE("partitions, lifecycle and slotnum are checked", "[tunnel]") {
  ServerProcess server;
  auto c = server.Client();
  CreateTable(c, "p", KvTableJson("t", true));
  CHECK(c.Send("POST", kUpserts + "?slotnum=1").Json()["Code"] == "InvalidArgument");
  CHECK(c.Send("POST", kUpserts + "?slotnum=1&partition=ds=1&lifecycle=25").status == 400);
  CHECK(c.Send("POST", kUpserts + "?slotnum=0&partition=ds=1").status == 400);
  json s = CreateSession(c, "slotnum=1&partition=ds%3D20261125");
  const std::string id = s["id"];
  CHECK(s["schema"]["partitionKeys"][0]["name"] == "ds");
  auto other = c.Send("PUT", kUpserts + "?upsertid=" + id + "&bucketid=0&partition=ds=other",
                      KvStream({{1, "a"}}));
  CHECK(other.status == 400);
  auto ok = c.Send("PUT", kUpserts + "?upsertid=" + id + "&bucketid=0&partition=ds='20261125'",
                   KvStream({{1, "a"}}));
  INFO(ok.body);
  CHECK(ok.status == 200);
  CHECK(c.Send("POST", kUpserts + "?upsertid=" + id + "&partition=ds=20261125").status == 200);
  auto rows = ReadAll(c);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0]["ds"] == "20261125");
}

TEST_CASE("NDJSON and CSV bodies without bucketid", "[tunnel]") {
  ServerProcess server;
  auto c = server.Client();
  CreateTable(c, "p", KvTableJson("t"));
  const std::string id = CreateSession(c)["id"];
  auto nd = c.Send(
      "PUT", kUpserts + "?upsertid=" + id,
      "{\"k\": 1, \"s\": \"a\"}\n{\"k\": 2, \"s\": \"b\"}\n{\"k\": 1, \"__op\": \"delete\"}\n",
      {{"Content-Type", "application/x-ndjson"}});
  INFO(nd.body);
  REQUIRE(nd.status == 200);
  CHECK(nd.Json()["rows"] == 3);
  CHECK(nd.Json()["deletes"] == 1);
  auto bad = c.Send("PUT", kUpserts + "?upsertid=" + id, "{\"k\": 3}\n{\"k\": \"x\"}\n",
                    {{"Content-Type", "application/x-ndjson"}});
  CHECK(bad.status == 400);
  CHECK(bad.Json()["errors"][0]["line"] == 2);
  auto csv =
      c.Send("PUT", kUpserts + "?upsertid=" + id, "s,K\nc,3\n", {{"Content-Type", "text/csv"}});
  INFO(csv.body);
  REQUIRE(csv.status == 200);
  REQUIRE(c.Send("POST", kUpserts + "?upsertid=" + id).status == 200);
  auto rows = ReadAll(c);
  REQUIRE(rows.size() == 2);  // k=2 and k=3; k=1 deleted, the refused body left nothing
}

TEST_CASE("429 SlotExceeded with Retry-After when slots run out", "[tunnel]") {
  ServerOptions options;
  options.config_toml = "worker_threads = 4\n[quota]\ndefault_slots = 1\n";
  ServerProcess server(options);
  auto c = server.Client();
  CreateTable(c, "p", KvTableJson("t"));
  const std::string id = CreateSession(c)["id"];
  const std::string held_stream = KvStream({{1, "a"}});
  int held_status = 0;  // Catch2 is not thread-safe: checked after the join
  std::thread holder([&] {
    auto c2 = server.Client();
    held_status =
        PutStream(c2, id, 0, held_stream, 1, {{"x-deltatunnel-test-hold-ms", "1500"}}).status;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  auto refused = PutStream(c, id, 0, KvStream({{2, "b"}}), 1);
  holder.join();
  CHECK(held_status == 200);
  CHECK(refused.status == 429);
  CHECK(refused.Json()["Code"] == "SlotExceeded");
  CHECK_FALSE(refused.Header("retry-after").empty());
  CHECK(PutStream(c, id, 0, KvStream({{2, "b"}}), 1).status == 200);
}

// Issue 24, finding 10. MaxCompute's clients may send a STRING as bytes (PyODPS passes a `bytes`
// value through raw; its reader hands STRING back as bytes), so the Tunnel keeps them as sent and
// every format reads them back exactly: CSV as the bytes, JSON with each byte of no valid UTF-8
// sequence as \udcXX (surrogateescape), the valid text around it as it was.
TEST_CASE("STRING bytes that are not UTF-8 read back losslessly in every format", "[tunnel]") {
  ServerProcess server;
  auto c = server.Client();
  CreateTable(c, "p", KvTableJson("t"));
  const std::string id = CreateSession(c)["id"];
  const std::string bytes = "ok \xC3\xA9 \xFF\xC3 \xED\xA0\x80 end";
  REQUIRE(PutStream(c, id, 0, KvStream({{1, bytes}}), 1).status == 200);
  REQUIRE(c.Send("POST", kUpserts + "?upsertid=" + id).status == 200);

  auto json_answer = c.Get("/api/v1/projects/p/tables/t/data");
  REQUIRE(json_answer.status == 200);
  CHECK(json_answer.body.find(R"("s":"ok )"
                              "\xC3\xA9"
                              R"( \udcff\udcc3 \udced\udca0\udc80 end")") != std::string::npos);
  auto csv = c.Get("/api/v1/projects/p/tables/t/data?format=csv");
  REQUIRE(csv.status == 200);
  CHECK(csv.body.find("1," + bytes + "\r\n") != std::string::npos);
  auto lookup = c.Send("POST", "/api/v1/projects/p/tables/t/lookup", R"({"keys": [{"k": 1}]})");
  REQUIRE(lookup.status == 200);
  CHECK(lookup.body.find(R"(\udcff\udcc3)") != std::string::npos);
}
