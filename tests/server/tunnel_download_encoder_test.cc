// The Tunnel download body (server/src/tunnel/download_encoder.h) over a real engine: snapshots,
// every column type, row ranges, columns, partitions, compression, and its errors. Decoded with
// proto's own record stream reader.
#include <catch2/catch.hpp>

#include <random>

#include "../proto/test_values.h"
#include "../storage/test_util.h"
#include "deltatunnel/proto/compression.h"
#include "deltatunnel/proto/record_stream.h"
#include "deltatunnel/proto/row_codec.h"
#include "tunnel/download_encoder.h"

namespace deltatunnel::server {
namespace {

using dt_test::Must;
using dt_test::MustOk;

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

// The rows of a download body of `columns` (data column indices, a key column among them).
std::vector<proto::Row> Decode(const proto::TableSchema& schema, const std::vector<int>& columns,
                               std::string_view body) {
  proto::TableSchema projected;
  for (int c : columns) {
    if (schema.IsKeyColumn(c)) projected.primary_key.push_back(int(projected.columns.size()));
    projected.columns.push_back(schema.columns[size_t(c)]);
  }
  REQUIRE(!projected.primary_key.empty());
  auto batch = proto::DecodeRecordStream(projected, proto::Hasher::kDefault, 1, body);
  INFO(batch.status().ToString());
  REQUIRE(batch.ok());
  std::vector<proto::Row> rows;
  for (size_t i = 0; i < batch->size(); ++i) {
    proto::Row row;
    MustOk(proto::DecodeRow(projected, (*batch)[i].row, &row));
    rows.push_back(std::move(row));
  }
  return rows;
}

struct Fixture {
  dt_test::TempDir dir;
  dt_test::TestClock clock;
  std::unique_ptr<storage::Engine> engine =
      Must(storage::Engine::Open(dt_test::Options(dir.path, clock)));

  storage::TableInfo Create(storage::TableDef def) { return Must(engine->CreateTable(def)); }
  // Commits k = from..to-1 (v = tag) into `partition`; answers the new version.
  uint64_t Commit(const std::string& table, int64_t from, int64_t to, const std::string& tag,
                  const std::string& partition = "") {
    const storage::TableInfo info = Must(engine->DescribeTable("p", table));
    dt_test::Batcher b(info);
    for (int64_t k = from; k < to; ++k) b.Upsert(k, tag + std::to_string(k), double(k));
    auto s = Must(engine->OpenSession(dt_test::SessionOn(table, partition)));
    MustOk(engine->Append(s.id, b.batch()));
    return Must(engine->Commit(s.id)).commit_version;
  }
  std::vector<proto::Row> Download(const DownloadSource& source, RowRange range,
                                   const DownloadColumns& columns = {0, 1, 2},
                                   const std::string& encoding = "") {
    Response r = Must(DownloadResponse(*engine, source, columns, range, encoding));
    std::string body = Drain(r);
    if (!encoding.empty()) {
      CHECK(r.headers["content-encoding"] == encoding);
      body = Must(proto::Decompress(encoding, body, 1 << 30));
    } else {
      CHECK(r.headers.count("content-encoding") == 0);
    }
    const storage::TableInfo info = Must(engine->DescribeTable(source.project, source.table));
    return Decode(info.schema, columns, body);
  }
};

std::vector<int64_t> Keys(const std::vector<proto::Row>& rows) {
  std::vector<int64_t> keys;
  for (const proto::Row& r : rows) keys.push_back(r[0].as_int());
  return keys;
}

TEST_CASE("a download reads its version, whatever commits land after", "[tunnel_download]") {
  Fixture f;
  f.Create(dt_test::KvTable("t"));
  const uint64_t v1 = f.Commit("t", 0, 100, "a");
  const DownloadSource source{"p", "t", v1, ""};
  REQUIRE(Must(CountDownloadRows(*f.engine, source)) == 100);
  f.Commit("t", 50, 200, "b");  // overwrites half, adds 100
  CHECK(Must(CountDownloadRows(*f.engine, source)) == 100);
  const auto rows = f.Download(source, {0, 100});
  REQUIRE(rows.size() == 100);
  std::set<int64_t> keys;
  for (const proto::Row& r : rows) {
    keys.insert(r[0].as_int());
    CHECK(r[1].as_string() == "a" + std::to_string(r[0].as_int()));
  }
  CHECK(keys.size() == 100);
  CHECK(*keys.rbegin() == 99);
  // The latest version has them all.
  CHECK(Must(CountDownloadRows(*f.engine, {"p", "t", v1 + 1, ""})) == 200);
}

TEST_CASE("row ranges of one version fit together, compressed or not", "[tunnel_download]") {
  Fixture f;
  f.Create(dt_test::KvTable("t"));
  const uint64_t v = f.Commit("t", 0, 3000, "x");
  const DownloadSource source{"p", "t", v, ""};
  const auto all = Keys(f.Download(source, {0, 3000}));
  REQUIRE(all.size() == 3000);
  for (const std::string encoding : {"", "deflate", "x-snappy-framed", "x-lz4-frame", "zstd"}) {
    INFO(encoding);
    std::vector<int64_t> pieced;
    for (uint64_t start : {0, 1, 1000, 2999}) {
      const uint64_t end = start == 0 ? 1 : start == 1 ? 1000 : start == 1000 ? 2999 : 3000;
      auto part = Keys(f.Download(source, {start, end - start}, {0, 1, 2}, encoding));
      CHECK(part.size() == end - start);
      pieced.insert(pieced.end(), part.begin(), part.end());
    }
    CHECK(pieced == all);
  }
  // An empty range is an empty, valid stream; at the very end too.
  CHECK(f.Download(source, {3000, 0}).empty());
  CHECK(f.Download(source, {0, 0}, {0, 1, 2}, "deflate").empty());
}

TEST_CASE("a range past the end or an unreadable version is an error answer", "[tunnel_download]") {
  Fixture f;
  f.Create(dt_test::KvTable("t", false, {{"acid.data.retain.hours", "1"}}));
  const uint64_t v = f.Commit("t", 0, 10, "x");
  auto past = DownloadResponse(*f.engine, {"p", "t", v, ""}, {0, 1, 2}, {11, 0}, "");
  REQUIRE(!past.ok());
  CHECK(past.status().code() == ErrorCode::kInvalidArgument);
  CHECK(!DownloadResponse(*f.engine, {"p", "t", v, ""}, {0, 1, 2}, {10, 1}, "").ok());
  // The version stays readable for the retention after the next commit, then not.
  f.Commit("t", 0, 5, "y");
  f.clock.Advance(30 * 60 * 1000);
  CHECK(f.Download({"p", "t", v, ""}, {0, 10}).size() == 10);
  f.clock.Advance(31 * 60 * 1000);
  auto expired = DownloadResponse(*f.engine, {"p", "t", v, ""}, {0, 1, 2}, {0, 10}, "");
  REQUIRE(!expired.ok());
  CHECK(expired.status().code() == ErrorCode::kVersionExpired);
  CHECK(CountDownloadRows(*f.engine, {"p", "t", v, ""}).status().code() ==
        ErrorCode::kVersionExpired);
  // A stream whose rows run out before its range ends is cut, never short and valid.
  Response r = Must(DownloadResponse(*f.engine, {"p", "t", v + 1, ""}, {0, 1, 2}, {5, 6}, ""));
  CHECK_THROWS(Drain(r));
}

TEST_CASE("columns are sent in the order asked, numbered from 1", "[tunnel_download]") {
  Fixture f;
  const storage::TableInfo t = f.Create(dt_test::KvTable("t", true));
  const uint64_t v = f.Commit("t", 0, 3, "x", "ds=a");
  const DownloadColumns cols = Must(ResolveDownloadColumns(t.schema, "N, k", false));
  REQUIRE(cols == DownloadColumns{2, 0});
  const auto rows = f.Download({"p", "t", v, "ds=a"}, {0, 3}, cols);
  REQUIRE(rows.size() == 3);
  for (const proto::Row& r : rows) CHECK(r[0].as_double() == double(r[1].as_int()));
  CHECK(Must(ResolveDownloadColumns(t.schema, "", false)) == DownloadColumns{0, 1, 2});
  CHECK(Must(ResolveDownloadColumns(t.schema, "", true)) == DownloadColumns{0, 1, 2, 3});
  CHECK(Must(ResolveDownloadColumns(t.schema, "ds,k", true)) == DownloadColumns{3, 0});
  CHECK(!ResolveDownloadColumns(t.schema, "ds", false).ok());
  CHECK(!ResolveDownloadColumns(t.schema, "k,K", false).ok());
  CHECK(!ResolveDownloadColumns(t.schema, "nope", false).ok());
}

TEST_CASE("partitions: one, a partial spec, all, and the partition columns as data",
          "[tunnel_download]") {
  Fixture f;
  storage::TableDef def = dt_test::KvTable("t");
  def.schema.partition_columns = {{"ds", proto::Type{proto::TypeKind::kString}, true, ""},
                                  {"hh", proto::Type{proto::TypeKind::kBigint}, true, ""}};
  const storage::TableInfo t = f.Create(def);
  f.Commit("t", 0, 10, "a", "ds=x,hh=1");
  f.Commit("t", 100, 105, "b", "ds=x,hh=2");
  const uint64_t v = f.Commit("t", 200, 207, "c", "ds=y,hh=1");
  CHECK(Must(CountDownloadRows(*f.engine, {"p", "t", v, "hh=1,ds='x'"})) == 10);
  CHECK(Must(CountDownloadRows(*f.engine, {"p", "t", v, "ds=x"})) == 15);
  CHECK(Must(CountDownloadRows(*f.engine, {"p", "t", v, "hh=01"})) == 17);
  CHECK(Must(CountDownloadRows(*f.engine, {"p", "t", v, ""})) == 22);
  CHECK(Must(CountDownloadRows(*f.engine, {"p", "t", v, "ds=z"})) == 0);
  CHECK(Must(ResolveDownloadPartition(*f.engine, t, "hh='1', ds=x", true)) == "ds=x,hh=1");
  CHECK(Must(ResolveDownloadPartition(*f.engine, t, "hh=1", true)) == "hh=1");
  CHECK(ResolveDownloadPartition(*f.engine, t, "ds=z,hh=1", true).status().code() ==
        ErrorCode::kNoSuchPartition);
  CHECK(ResolveDownloadPartition(*f.engine, t, "zz=1", true).status().code() ==
        ErrorCode::kInvalidArgument);
  CHECK(ResolveDownloadPartition(*f.engine, t, "hh=notanumber", true).status().code() ==
        ErrorCode::kInvalidArgument);

  // The instance tunnel's SELECT *: partition columns trail the data columns, in every row.
  const DownloadColumns all = Must(ResolveDownloadColumns(t.schema, "", true));
  Response r = Must(DownloadResponse(*f.engine, {"p", "t", v, "hh=1"}, all, {0, 17}, ""));
  proto::TableSchema wide = t.schema;
  for (proto::Column c : t.schema.partition_columns) wide.columns.push_back(c);
  wide.partition_columns.clear();
  const auto rows = Decode(wide, all, Drain(r));
  REQUIRE(rows.size() == 17);
  for (const proto::Row& row : rows) {
    const int64_t k = row[0].as_int();
    CHECK(row[3].as_string() == (k < 100 ? "x" : "y"));
    CHECK(row[4].as_int() == 1);
  }
  // Rows come partition by partition, in the canonical specs' order.
  CHECK(rows.front()[3].as_string() == "x");
  CHECK(rows.back()[3].as_string() == "y");
}

TEST_CASE("every column type round-trips through a download", "[tunnel_download]") {
  Fixture f;
  using proto::testing::T;
  storage::TableDef def;
  def.project = "p";
  def.name = "types";
  def.schema.columns.push_back({"k", T("BIGINT"), false, ""});
  const char* types[] = {"BOOLEAN",
                         "TINYINT",
                         "SMALLINT",
                         "INT",
                         "BIGINT",
                         "FLOAT",
                         "DOUBLE",
                         "DECIMAL(18,2)",
                         "DECIMAL(38,10)",
                         "STRING",
                         "VARCHAR(10)",
                         "CHAR(4)",
                         "BINARY",
                         "JSON",
                         "DATE",
                         "DATETIME",
                         "TIMESTAMP",
                         "TIMESTAMP_NTZ",
                         "ARRAY<INT>",
                         "MAP<STRING,BIGINT>",
                         "STRUCT<x:INT,y:ARRAY<STRING>>"};
  int i = 0;
  for (const char* type : types)
    def.schema.columns.push_back({"c" + std::to_string(i++), T(type), true, ""});
  def.schema.primary_key = {0};
  const storage::TableInfo t = f.Create(def);

  std::mt19937_64 rng(20261206);
  proto::RowBatch batch(t.schema, t.hasher, t.bucket_num);
  std::map<int64_t, proto::Row> expected;
  for (int64_t k = 0; k < 300; ++k) {
    proto::Row row(t.schema.columns.size());
    row[0] = proto::Value(k);
    for (size_t c = 1; c < row.size(); ++c) {
      row[c] = proto::testing::RandomValue(rng, t.schema.columns[c].type, true);
    }
    proto::Row normalised = row;
    MustOk(proto::NormalizeRow(t.schema, false, &normalised));
    expected[k] = normalised;
    MustOk(batch.Add(std::move(row), proto::RowOp::kUpsert));
  }
  auto s = Must(f.engine->OpenSession(dt_test::SessionOn("types")));
  MustOk(f.engine->Append(s.id, batch));
  const uint64_t v = Must(f.engine->Commit(s.id)).commit_version;

  const DownloadColumns all = Must(ResolveDownloadColumns(t.schema, "", false));
  for (const std::string encoding : {"", "zstd"}) {
    const auto rows = f.Download({"p", "types", v, ""}, {0, 300}, all, encoding);
    REQUIRE(rows.size() == 300);
    for (const proto::Row& row : rows) {
      INFO("k = " << row[0].as_int());
      CHECK(row == expected.at(row[0].as_int()));
    }
  }
}

TEST_CASE("rowrange parses as the clients send it", "[tunnel_download]") {
  RowRange r = Must(ParseRowRange("(10,20)"));
  CHECK((r.start == 10 && r.count == 20));
  r = Must(ParseRowRange(" ( 0 , 5 ) "));
  CHECK((r.start == 0 && r.count == 5));
  for (const char* bad :
       {"", "(1)", "1,2", "(a,2)", "(-1,2)", "(1,2", "(1,,2)", "(18446744073709551615,1)"}) {
    INFO(bad);
    CHECK(ParseRowRange(bad).status().code() == ErrorCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace deltatunnel::server
