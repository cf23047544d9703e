// Tunnel table download sessions through real HTTP against the real binary
// (odps-control-plane.md A8, B4, 3.1): the session JSON, the snapshot, row ranges, columns,
// compression and the errors. Bodies are decoded with proto's record stream reader.
#include <set>

#include "api_fixture.h"
#include "deltatunnel/proto/compression.h"
#include "deltatunnel/proto/row_codec.h"

using namespace deltatunnel;
using namespace deltatunnel::testing;
using nlohmann::json;

namespace {

const std::string kTable = "/projects/p/tables/t";

// Commits `rows` into table t (partition `partition`) through an upsert session.
void Commit(HttpClient& c, const std::vector<KvRow>& rows, const std::string& partition = "") {
  const std::string upserts = kTable + "/upserts";
  const std::string pt = partition.empty() ? "" : "&partition=" + partition;
  auto s = c.Send("POST", upserts + "?slotnum=1" + pt);
  INFO(s.body);
  REQUIRE(s.status == 200);
  const std::string id = s.Json()["id"];
  auto put = c.Send("PUT",
                    fmt::format("{}?upsertid={}&bucketid=0&slotid=0&record_count={}{}", upserts, id,
                                rows.size(), pt),
                    KvStream(rows));
  INFO(put.body);
  REQUIRE(put.status == 200);
  REQUIRE(c.Send("POST", upserts + "?upsertid=" + id + pt).status == 200);
}

std::vector<KvRow> Rows(int from, int to, const std::string& tag) {
  std::vector<KvRow> rows;
  for (int k = from; k < to; ++k) rows.push_back({k, tag + std::to_string(k)});
  return rows;
}

json OpenDownload(HttpClient& c, const std::string& query = "") {
  auto r = c.Send("POST", kTable + "?downloads&asyncmode=true" + query);
  INFO(r.body);
  REQUIRE(r.status == 200);
  return r.Json();
}

// The (k, s) rows of a download body of columns k, s in that order (decompressed).
std::vector<KvRow> Decode(const std::string& body, bool s_first = false) {
  proto::TableSchema schema = KvSchema();
  if (s_first) {
    std::swap(schema.columns[0], schema.columns[1]);
    schema.primary_key = {1};
  }
  auto batch = proto::DecodeRecordStream(schema, proto::Hasher::kDefault, 1, body);
  INFO(batch.status().ToString());
  REQUIRE(batch.ok());
  std::vector<KvRow> rows;
  for (size_t i = 0; i < batch->size(); ++i) {
    proto::Row row;
    REQUIRE(proto::DecodeRow(schema, (*batch)[i].row, &row).ok());
    const proto::Value& k = row[s_first ? 1 : 0];
    const proto::Value& s = row[s_first ? 0 : 1];
    rows.push_back({k.as_int(), s.is_null() ? "<null>" : s.as_string()});
  }
  return rows;
}

HttpResponse GetData(HttpClient& c, const std::string& id, uint64_t start, uint64_t count,
                     const std::string& more = "", const HttpHeaders& headers = {}) {
  return c.Send(
      "GET",
      fmt::format("{}?data&downloadid={}&rowrange=({},{}){}", kTable, id, start, count, more), "",
      headers);
}

std::vector<KvRow> Download(HttpClient& c, const std::string& id, uint64_t start, uint64_t count,
                            const std::string& more = "") {
  auto r = GetData(c, id, start, count, more);
  INFO(r.body);
  REQUIRE(r.status == 200);
  CHECK(r.Header("content-encoding").empty());
  CHECK(r.Header("content-type") == "application/octet-stream");
  return Decode(r.body);
}

}  // namespace

TEST_CASE("a download session reads one snapshot while commits land", "[tunnel_download]") {
  ServerProcess server;
  auto c = server.Client();
  CreateTable(c, "p", KvTableJson("t"));
  Commit(c, Rows(0, 100, "a"));

  const json s = OpenDownload(c);
  for (const char* field : {"DownloadID", "Status", "RecordCount", "Schema", "QuotaName"}) {
    CHECK(s.contains(field));
  }
  CHECK(s["Status"] == "normal");
  CHECK(s["RecordCount"] == 100);
  REQUIRE(s["Schema"]["columns"].size() == 2);
  CHECK(s["Schema"]["columns"][0]["name"] == "k");
  CHECK(s["Schema"]["columns"][0]["type"] == "BIGINT");
  CHECK(s["Schema"]["columns"][1]["nullable"] == true);
  CHECK(s["Schema"]["partitionKeys"].empty());
  const std::string id = s["DownloadID"];

  // Overwrites half the rows and adds 100: not in the session's snapshot.
  Commit(c, Rows(50, 200, "b"));
  auto reload = c.Get(kTable + "?downloadid=" + id);
  REQUIRE(reload.status == 200);
  CHECK(reload.Json()["RecordCount"] == 100);
  CHECK(reload.Json()["DownloadID"] == id);

  const std::vector<KvRow> all = Download(c, id, 0, 100);
  REQUIRE(all.size() == 100);
  std::set<int64_t> keys;
  for (const KvRow& r : all) {
    keys.insert(r.k);
    CHECK(r.s == "a" + std::to_string(r.k));
  }
  CHECK(keys.size() == 100);
  CHECK(*keys.rbegin() == 99);

  // Ranges of the snapshot fit together, after more commits too.
  Commit(c, Rows(0, 10, "c"));
  std::vector<KvRow> pieced = Download(c, id, 0, 37);
  for (const KvRow& r : Download(c, id, 37, 63)) pieced.push_back(r);
  REQUIRE(pieced.size() == 100);
  for (size_t i = 0; i < 100; ++i) CHECK((pieced[i].k == all[i].k && pieced[i].s == all[i].s));

  // A new session reads the latest version; the schema segment is optional.
  const json latest = c.Send("POST", "/projects/p/schemas/default/tables/t?downloads").Json();
  CHECK(latest["RecordCount"] == 200);
  CHECK(Download(c, latest["DownloadID"], 0, 10).front().s.substr(0, 1) == "c");
  // Under the endpoint's /api prefix as well.
  auto prefixed = c.Send("POST", "/api" + kTable + "?downloads");
  REQUIRE(prefixed.status == 200);
  CHECK(c.Get("/api" + kTable + "?downloadid=" + prefixed.Json()["DownloadID"].get<std::string>())
            .Json()["RecordCount"] == 200);
}

TEST_CASE("download bodies are compressed as Accept-Encoding asks", "[tunnel_download]") {
  ServerProcess server;
  auto c = server.Client();
  CreateTable(c, "p", KvTableJson("t"));
  Commit(c, Rows(0, 5000, "value-"));
  const std::string id = OpenDownload(c)["DownloadID"];
  const std::vector<KvRow> raw = Download(c, id, 0, 5000);
  REQUIRE(raw.size() == 5000);
  for (const std::string encoding : {"deflate", "x-snappy-framed", "x-lz4-frame", "zstd"}) {
    INFO(encoding);
    auto r = GetData(c, id, 0, 5000, "", {{"Accept-Encoding", encoding}});
    REQUIRE(r.status == 200);
    CHECK(r.Header("content-encoding") == encoding);
    auto body = proto::Decompress(encoding, r.body, 1 << 28);
    REQUIRE(body.ok());
    CHECK(r.body.size() < body->size());
    const auto rows = Decode(*body);
    REQUIRE(rows.size() == raw.size());
    for (size_t i = 0; i < rows.size(); i += 499) CHECK(rows[i].k == raw[i].k);
  }
  // Nothing we offer: raw, and no Content-Encoding at all (never "identity").
  auto plain = GetData(c, id, 0, 10, "", {{"Accept-Encoding", "gzip, br"}});
  REQUIRE(plain.status == 200);
  CHECK(plain.Header("content-encoding").empty());
  CHECK(Decode(plain.body).size() == 10);
}

TEST_CASE("partitions and columns of a download", "[tunnel_download]") {
  ServerProcess server;
  auto c = server.Client();
  CreateTable(c, "p", KvTableJson("t", true));
  Commit(c, Rows(0, 30, "a"), "ds=a");
  Commit(c, Rows(0, 20, "b"), "ds=b");

  const json a = OpenDownload(c, "&partition=ds='a'");
  CHECK(a["RecordCount"] == 30);
  CHECK(a["Schema"]["partitionKeys"][0]["name"] == "ds");
  CHECK(a["Schema"]["columns"].size() == 2);  // partition columns are not data columns
  const std::string id = a["DownloadID"];
  // Columns in the order asked, numbered from 1; the partition may be repeated on reads.
  auto r = GetData(c, id, 0, 30, "&columns=s,k&partition=ds=a");
  REQUIRE(r.status == 200);
  const auto rows = Decode(r.body, true);
  REQUIRE(rows.size() == 30);
  for (const KvRow& row : rows) CHECK(row.s == "a" + std::to_string(row.k));
  CHECK(GetData(c, id, 0, 30, "&partition=ds=b").status == 400);
  CHECK(GetData(c, id, 0, 30, "&columns=ds").status == 400);

  // No partition: every partition, one after the other.
  CHECK(OpenDownload(c)["RecordCount"] == 50);
  auto missing = c.Send("POST", kTable + "?downloads&partition=ds=zz");
  CHECK(missing.status == 404);
  CHECK(missing.Json()["Code"] == "NoSuchPartition");
}

TEST_CASE("download errors: unknown ids, ranges, methods, retention", "[tunnel_download]") {
  ServerProcess server;
  auto c = server.Client();
  CreateTable(c, "p", KvTableJson("t", false, R"(, "acid.data.retain.hours": "0")"));
  CreateTable(c, "p", KvTableJson("other"));
  Commit(c, Rows(0, 10, "a"));
  const std::string id = OpenDownload(c)["DownloadID"];

  auto unknown = c.Get(kTable + "?downloadid=20261206000000ffffffffffffffff");
  CHECK(unknown.status == 404);
  CHECK(unknown.Json()["Code"] == "NoSuchObject");
  CHECK(unknown.Header("x-odps-request-id") == unknown.Json()["RequestId"]);
  CHECK(GetData(c, "nope", 0, 1).status == 404);
  CHECK(c.Get("/projects/p/tables/other?downloadid=" + id).status == 404);

  auto past = GetData(c, id, 5, 6);
  CHECK(past.status == 400);
  CHECK(past.Json()["Code"] == "InvalidArgument");
  CHECK(GetData(c, id, 11, 0).status == 400);
  CHECK(GetData(c, id, 10, 0).status == 200);
  CHECK(c.Get(kTable + "?data&downloadid=" + id).status == 400);  // no rowrange
  CHECK(c.Get(kTable + "?data&downloadid=" + id + "&rowrange=(1;2)").status == 400);
  auto arrow = GetData(c, id, 0, 1, "&arrow");
  CHECK(arrow.status == 405);
  CHECK(arrow.Json()["Code"] == "MethodNotAllowed");

  CHECK(c.Send("POST", "/projects/p/tables/nope?downloads").Json()["Code"] == "NoSuchTable");
  CHECK(c.Send("POST", kTable + "?downloads&partition=ds=1").status == 400);
  CHECK(c.Send("PUT", kTable + "?downloads").status == 405);

  // Batch upload sessions (DataX, SeaTunnel's default mode) are refused by name, bare and under
  // /api, not answered 404 as if the table did not exist.
  for (const std::string prefix : {"", "/api"}) {
    auto upload = c.Send("POST", prefix + kTable + "?uploads&partition=ds%3D1");
    CHECK(upload.status == 405);
    CHECK(upload.Json()["Code"] == "MethodNotAllowed");
    CHECK(upload.Json()["Message"].get<std::string>().find("upsert sessions") != std::string::npos);
  }
  CHECK(c.Get(kTable + "?uploadid=20261206000000ffffffffffffffff").status == 405);

  // With no retention the snapshot is readable only while it is the latest version.
  Commit(c, Rows(0, 1, "b"));
  auto expired = GetData(c, id, 0, 10);
  CHECK(expired.status == 410);
  CHECK(expired.Json()["Code"] == "VersionExpired");
  CHECK(expired.Json()["Message"].get<std::string>().find("open a new download session") !=
        std::string::npos);

  // Sessions live in memory: after a restart the id is unknown, and a new session works.
  const std::string before = OpenDownload(c)["DownloadID"];
  server.Restart();
  auto c2 = server.Client();
  CHECK(c2.Get(kTable + "?downloadid=" + before).status == 404);
  CHECK(OpenDownload(c2)["RecordCount"] == 10);
}

TEST_CASE("a table dropped and created again is another snapshot", "[tunnel_download]") {
  ServerProcess server;
  auto c = server.Client();
  CreateTable(c, "p", KvTableJson("t"));
  Commit(c, Rows(0, 10, "a"));
  const json first = OpenDownload(c);
  CHECK(first["RecordCount"] == 10);
  CHECK(OpenDownload(c)["RecordCount"] == 10);  // the same snapshot, counted once
  REQUIRE(c.Send("DELETE", "/api/v1/projects/p/tables/t").status == 204);
  CreateTable(c, "p", KvTableJson("t"));
  Commit(c, Rows(0, 3, "b"));
  const json second = OpenDownload(c);
  CHECK(second["Version"] == first["Version"]);  // same name, same version number
  CHECK(second["RecordCount"] == 3);
  CHECK(Download(c, second["DownloadID"], 0, 3).size() == 3);
}
