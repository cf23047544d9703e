// The instance tunnel (server/src/tunnel/instance_downloads.h), called in-process over a real
// engine with a lookup that stands in for the instance side: the session JSON with the partition
// columns as trailing columns, the rows, and the errors.
#include <catch2/catch.hpp>

#include "../storage/test_util.h"
#include "deltatunnel/proto/record_stream.h"
#include "deltatunnel/proto/row_codec.h"
#include "tunnel/download_sessions.h"
#include "tunnel/instance_downloads.h"

namespace deltatunnel::server {
namespace {

using dt_test::Must;
using dt_test::MustOk;

Request Call(const std::string& method, const std::string& instance,
             std::vector<std::pair<std::string, std::string>> query) {
  Request req;
  req.method = method;
  req.path = "/projects/p/instances/" + instance;
  req.query = std::move(query);
  req.params = {{"project", "p"}, {"instance", instance}};
  req.request_id = "rid";
  return req;
}

struct Fixture {
  dt_test::TempDir dir;
  dt_test::TestClock clock;
  std::unique_ptr<storage::Engine> engine =
      Must(storage::Engine::Open(dt_test::Options(dir.path, clock)));
  DownloadSessions sessions{16, 3600 * 1000};
  ApiContext ctx;
  uint64_t version = 0;
  // Instance "i1" read t's partition ds=a at `version`; "ddl" ran no SELECT.
  InstanceResultLookup lookup = [this](const std::string& project,
                                       const std::string& id) -> Result<DownloadSource> {
    if (id == "i1") return DownloadSource{project, "t", version, "ds=a"};
    if (id == "ddl") return InvalidArgument("instance 'ddl' has no SELECT result");
    return Status(ErrorCode::kNoSuchObject, "no instance " + id);
  };

  Fixture() {
    ctx.engine = engine.get();
    ctx.downloads = &sessions;
    const storage::TableInfo t = Must(engine->CreateTable(dt_test::KvTable("t", true)));
    for (const char* ds : {"a", "b"}) {
      dt_test::Batcher b(t);
      for (int64_t k = 0; k < 20; ++k) b.Upsert(k, std::string(ds) + std::to_string(k));
      auto s = Must(engine->OpenSession(dt_test::SessionOn("t", std::string("ds=") + ds)));
      MustOk(engine->Append(s.id, b.batch()));
      version = Must(engine->Commit(s.id)).commit_version;
    }
  }
};

std::string Drain(Response& r) {
  REQUIRE(r.stream);
  std::string body;
  for (bool more = true; more;) {
    std::string piece;
    more = r.stream(piece);
    body += piece;
  }
  return body;
}

TEST_CASE("the instance tunnel serves a SELECT's snapshot with its partition columns",
          "[tunnel_download]") {
  Fixture f;
  Request open = Call("POST", "i1", {{"downloads", ""}});
  Response r = HandleInstanceDownloads(f.ctx, open, f.lookup);
  INFO(r.body);
  REQUIRE(r.status == 200);
  const auto s = nlohmann::json::parse(r.body);
  CHECK(s["Status"] == "normal");
  CHECK(s["RecordCount"] == 20);
  REQUIRE(s["Schema"]["columns"].size() == 4);  // k, v, n, then ds
  CHECK(s["Schema"]["columns"][3]["name"] == "ds");
  CHECK(s["Schema"]["partitionKeys"].empty());
  const std::string id = s["DownloadID"];

  // Commits after the SELECT ran are not in its result.
  const storage::TableInfo t = Must(f.engine->DescribeTable("p", "t"));
  dt_test::Batcher more(t);
  more.Upsert(100, "late");
  auto late = Must(f.engine->OpenSession(dt_test::SessionOn("t", "ds=a")));
  MustOk(f.engine->Append(late.id, more.batch()));
  MustOk(f.engine->Commit(late.id).status());

  Request reload = Call("GET", "i1", {{"downloadid", id}});
  CHECK(nlohmann::json::parse(
            HandleInstanceDownloads(f.ctx, reload, f.lookup).body)["RecordCount"] == 20);
  Request data = Call("GET", "i1", {{"downloadid", id}, {"rowrange", "(0,20)"}, {"data", ""}});
  Response rows = HandleInstanceDownloads(f.ctx, data, f.lookup);
  REQUIRE(rows.status == 200);
  proto::TableSchema wide = t.schema;
  wide.columns.push_back(t.schema.partition_columns[0]);
  wide.partition_columns.clear();
  auto batch = proto::DecodeRecordStream(wide, proto::Hasher::kDefault, 1, Drain(rows));
  REQUIRE(batch.ok());
  REQUIRE(batch->size() == 20);
  for (size_t i = 0; i < batch->size(); ++i) {
    proto::Row row;
    MustOk(proto::DecodeRow(wide, (*batch)[i].row, &row));
    CHECK(row[3].as_string() == "a");
    CHECK(row[1].as_string() == "a" + std::to_string(row[0].as_int()));
  }

  // Columns by name, a partition column among them.
  Request some = Call(
      "GET", "i1", {{"downloadid", id}, {"rowrange", "(0,1)"}, {"data", ""}, {"columns", "ds,k"}});
  CHECK(HandleInstanceDownloads(f.ctx, some, f.lookup).status == 200);
}

TEST_CASE("instance tunnel errors", "[tunnel_download]") {
  Fixture f;
  Request unknown = Call("POST", "nope", {{"downloads", ""}});
  CHECK(HandleInstanceDownloads(f.ctx, unknown, f.lookup).status == 404);
  // pyodps reads ?result instead on InvalidArgument.
  Request ddl = Call("POST", "ddl", {{"downloads", ""}});
  Response r = HandleInstanceDownloads(f.ctx, ddl, f.lookup);
  CHECK(r.status == 400);
  CHECK(nlohmann::json::parse(r.body)["Code"] == "InvalidArgument");
  Request arrow = Call("GET", "i1", {{"downloadid", "x"}, {"data", ""}, {"arrow", ""}});
  CHECK(HandleInstanceDownloads(f.ctx, arrow, f.lookup).status == 405);
  Request status = Call("GET", "i1", {});
  CHECK(HandleInstanceDownloads(f.ctx, status, f.lookup).status == 404);

  Request open = Call("POST", "i1", {{"downloads", ""}});
  const std::string id =
      nlohmann::json::parse(HandleInstanceDownloads(f.ctx, open, f.lookup).body)["DownloadID"];
  Request other = Call("GET", "ddl", {{"downloadid", id}});
  CHECK(HandleInstanceDownloads(f.ctx, other, f.lookup).status == 404);
  Request past = Call("GET", "i1", {{"downloadid", id}, {"rowrange", "(10,11)"}, {"data", ""}});
  CHECK(HandleInstanceDownloads(f.ctx, past, f.lookup).status == 400);
}

}  // namespace
}  // namespace deltatunnel::server
