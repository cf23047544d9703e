// The writer against the real server, checked against an in-memory model of the table.
#include <catch2/catch.hpp>
#include <chrono>
#include <random>
#include <set>
#include <thread>

#include "client_fixture.h"
#include "deltatunnel/client/upsert_writer.h"

using namespace deltatunnel;
using namespace deltatunnel::client;
using deltatunnel::testing::ClientFixture;
using deltatunnel::testing::KvTable;
using deltatunnel::testing::ParseNdjson;

namespace {

// (ds, id) -> (v, n)
using Model = std::map<std::pair<std::string, int64_t>, std::pair<std::string, int64_t>>;

Model ReadTable(Client& c, const std::string& table) {
  auto data = c.ReadData("p", table, {});
  REQUIRE(data.ok());
  Model m;
  for (auto& r : ParseNdjson(data->body)) {
    m[{r["ds"].get<std::string>(), r["id"].get<int64_t>()}] = {
        r["v"].is_null() ? "" : r["v"].get<std::string>(),
        r["n"].is_null() ? -1 : r["n"].get<int64_t>()};
  }
  return m;
}

WriterOptions Options(std::map<std::string, std::string> settings) {
  settings.emplace("upsert.commit.poll-initial", "20ms");
  auto o = ParseWriterOptions(settings);
  REQUIRE(o.ok());
  return *o;
}

// Writes `rows` random upserts and deletes over `partitions` partitions, into writer and model;
// answers how many partitions it wrote.
size_t WriteRandom(UpsertWriter& w, Model& model, std::mt19937_64& rng, int partitions, int rows,
                   int keys, int round) {
  std::set<std::string> touched;
  for (int i = 0; i < rows; ++i) {
    const std::string ds = std::to_string(rng() % static_cast<uint64_t>(partitions));
    touched.insert(ds);
    const auto id = static_cast<int64_t>(rng() % static_cast<uint64_t>(keys));
    if (rng() % 5 == 0) {
      REQUIRE(w.Write("ds=" + ds, {proto::Value(id), proto::Value(), proto::Value()},
                      proto::RowOp::kDelete)
                  .ok());
      model.erase({ds, id});
      continue;
    }
    const std::string v =
        "r" + std::to_string(round) + "-" + std::to_string(i) + std::string(rng() % 64, 'x');
    REQUIRE(
        w.Write("ds=" + ds, {proto::Value(id), proto::Value(v), proto::Value(int64_t{i})}).ok());
    model[{ds, id}] = {v, i};
  }
  return touched.size();
}

}  // namespace

TEST_CASE("writer: 64 partitions, checkpoints, against a model", "[writer]") {
  ClientFixture f;
  REQUIRE(f.client->CreateTable("p", KvTable("t", true, 8)).ok());
  // Small buffers: many full buckets, and the shared budget runs out again and again.
  auto opts = Options({{"upsert.writer.buffer-size", "64kb"},
                       {"upsert.writer.bucket.buffer-size", "4kb"},
                       {"upsert.flush.concurrent", "2"},
                       {"upsert.commit.thread-num", "8"}});
  auto w = UpsertWriter::Open(*f.client, "p", "t", opts);
  REQUIRE(w.ok());
  Model model;
  std::mt19937_64 rng(42);
  size_t sessions = 0;
  for (int round = 0; round < 3; ++round) {
    sessions += WriteRandom(**w, model, rng, 64, 6000, 300, round);
    REQUIRE((*w)->Checkpoint().ok());
    CHECK(ReadTable(*f.client, "t") == model);
  }
  const WriterStats s = (*w)->stats();
  CHECK(s.rows == 18000);
  CHECK(s.commits == sessions);
  CHECK(s.streams_sent > s.commits);  // full buckets went before the checkpoints
  CHECK(s.peak_buffered <= opts.buffer_size + 4096);
  // Each checkpoint made one version per partition session.
  auto versions = f.client->Versions("p", "t", 1);
  REQUIRE(versions.ok());
  CHECK((*versions)["versions"][0]["version"].get<int64_t>() == static_cast<int64_t>(s.commits));
}

TEST_CASE("writer: a stream goes before its bucket is full while a flush slot is free",
          "[writer]") {
  // One bucket of 64 KB: rows past a quarter of it are sent without waiting for the rest, since
  // nothing else is in flight; the checkpoint then sends what came after.
  ClientFixture f;
  REQUIRE(f.client->CreateTable("p", KvTable("t", true, 1)).ok());
  auto opts = Options({{"upsert.writer.bucket.buffer-size", "64kb"}});
  auto w = UpsertWriter::Open(*f.client, "p", "t", opts);
  REQUIRE(w.ok());
  Model model;
  std::mt19937_64 rng(5);
  WriteRandom(**w, model, rng, 1, 400, 1000, 0);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while ((*w)->stats().streams_sent == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  WriterStats s = (*w)->stats();
  CHECK(s.streams_sent == 1);
  CHECK(s.bytes_sent >= opts.bucket_buffer_size / 4);
  CHECK(s.bytes_sent < opts.bucket_buffer_size);
  CHECK(ReadTable(*f.client, "t").empty());  // sent, not committed
  WriteRandom(**w, model, rng, 1, 100, 1000, 1);
  REQUIRE((*w)->Checkpoint().ok());
  CHECK(ReadTable(*f.client, "t") == model);
  CHECK((*w)->stats().rows == 500);
}

TEST_CASE("writer: one partition, full buckets queue behind their flush slots", "[writer]") {
  // Few keys rewritten over and over in tiny buckets: many streams per bucket wait in the queue
  // while flush_concurrent are in flight; the last write of each key must win.
  for (const char* concurrent : {"1", "3"}) {
    ClientFixture f;
    REQUIRE(f.client->CreateTable("p", KvTable("t", true, 4)).ok());
    auto opts = Options({{"upsert.writer.buffer-size", "256kb"},
                         {"upsert.writer.bucket.buffer-size", "2kb"},
                         {"upsert.flush.concurrent", concurrent}});
    auto w = UpsertWriter::Open(*f.client, "p", "t", opts);
    REQUIRE(w.ok());
    Model model;
    std::mt19937_64 rng(11);
    std::chrono::duration<double> elapsed{0};
    for (int round = 0; round < 2; ++round) {
      const auto start = std::chrono::steady_clock::now();
      WriteRandom(**w, model, rng, 1, 8000, 40, round);
      REQUIRE((*w)->Checkpoint().ok());
      elapsed += std::chrono::steady_clock::now() - start;
      CHECK(ReadTable(*f.client, "t") == model);
    }
    const WriterStats s = (*w)->stats();
    CHECK(s.rows == 16000);
    CHECK(s.commits == 2);
    CHECK(s.streams_sent > 100);
    // Flushes were timed, and never more than flush_concurrent of them were in flight.
    CHECK(s.flush_seconds > 0);
    CHECK(s.flush_seconds <= elapsed.count() * opts.flush_concurrent);
    // The budget counts buffer capacity; it is exceeded by at most one row's growth of a bucket.
    CHECK(s.peak_buffered <= opts.buffer_size + 2 * opts.bucket_buffer_size);
  }
}

TEST_CASE("writer: a refused row is an error and nothing is written", "[writer]") {
  ClientFixture f;
  REQUIRE(f.client->CreateTable("p", KvTable("t", true, 2)).ok());
  auto w = UpsertWriter::Open(*f.client, "p", "t", Options({}));
  REQUIRE(w.ok());
  // A null key, a partition that is not the table's, a row of the wrong width.
  CHECK((*w)->Write("ds=1", {proto::Value(), proto::Value("x"), proto::Value()}).code() ==
        ErrorCode::kInvalidArgument);
  CHECK((*w)->Write("hh=1", {proto::Value(int64_t{1}), proto::Value("x"), proto::Value()}).code() ==
        ErrorCode::kInvalidArgument);
  CHECK((*w)->Write("ds=1", {proto::Value(int64_t{1})}).code() == ErrorCode::kInvalidArgument);
  REQUIRE(
      (*w)->Write("DS='1'", {proto::Value(int64_t{1}), proto::Value("x"), proto::Value()}).ok());
  REQUIRE((*w)->Checkpoint().ok());
  CHECK(ReadTable(*f.client, "t").size() == 1);
  // Abort drops what was written since the checkpoint.
  REQUIRE((*w)->Write("ds=1", {proto::Value(int64_t{2}), proto::Value("y"), proto::Value()}).ok());
  REQUIRE((*w)->Abort().ok());
  CHECK(ReadTable(*f.client, "t").size() == 1);
  // Out-of-range options never reach the server.
  WriterOptions bad;
  bad.commit_thread_num = 64;
  auto refused = UpsertWriter::Open(*f.client, "p", "t", bad);
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.status().message(), Catch::Contains("upsert.commit.thread-num"));
}

TEST_CASE("writer: a row is read, not kept; one needing conversion is converted in a copy",
          "[writer]") {
  for (const char* file_cached : {"false", "true"}) {
    INFO("sink.file-cached.enable=" << file_cached);
    ClientFixture f;
    nlohmann::json table = {{"name", "t"},
                            {"columns",
                             {{{"name", "id"}, {"type", "BIGINT"}, {"nullable", false}},
                              {{"name", "x"}, {"type", "DOUBLE"}},
                              {{"name", "amount"}, {"type", "DECIMAL(10,2)"}}}},
                            {"primary_key", {"id"}},
                            {"properties", {{"write.bucket.num", "4"}}}};
    REQUIRE(f.client->CreateTable("p", table).ok());
    auto w = UpsertWriter::Open(*f.client, "p", "t",
                                Options({{"sink.file-cached.enable", file_cached}}));
    REQUIRE(w.ok());
    // One Row object for every write, as a sink that reuses its row does. Even ids carry a double
    // (written where it is), odd ids an integer for the DOUBLE column (converted in a copy), and
    // every amount is DECIMAL text (converted too) unless null.
    proto::Row row(3);
    for (int64_t id = 0; id < 300; ++id) {
      row[0] = proto::Value(id);
      row[1] = id % 2 == 0 ? proto::Value(static_cast<double>(id) + 0.5) : proto::Value(id);
      row[2] = id % 3 == 0 ? proto::Value() : proto::Value(std::to_string(id) + ".5");
      const proto::Row before = row;
      REQUIRE((*w)->Write("", row).ok());
      REQUIRE(row == before);  // the caller's row is as it was
    }
    // A refused row (an out-of-range DECIMAL, a string for the DOUBLE) writes nothing.
    row[0] = proto::Value(int64_t{1000});
    row[1] = proto::Value(1.0);
    row[2] = proto::Value("123456789.5");
    CHECK((*w)->Write("", row).code() == ErrorCode::kInvalidArgument);
    row[1] = proto::Value("1.0");
    row[2] = proto::Value();
    CHECK((*w)->Write("", row).code() == ErrorCode::kInvalidArgument);
    // A row given up is converted in itself.
    REQUIRE((*w)->Write("", proto::Row{proto::Value(int64_t{300}), proto::Value(int64_t{3}),
                                       proto::Value("7")})
                .ok());
    REQUIRE((*w)->Checkpoint().ok());
    auto data = f.client->ReadData("p", "t", {});
    REQUIRE(data.ok());
    const auto rows = ParseNdjson(data->body);
    REQUIRE(rows.size() == 301);
    for (const auto& r : rows) {
      const auto id = r["id"].get<int64_t>();
      INFO(r.dump());
      const double x = id == 300     ? 3.0
                       : id % 2 == 0 ? static_cast<double>(id) + 0.5
                                     : static_cast<double>(id);
      CHECK(r["x"].get<double>() == x);
      if (id == 300) {
        CHECK(r["amount"] == "7.00");
      } else if (id % 3 == 0) {
        CHECK(r["amount"].is_null());
      } else {
        CHECK(r["amount"] == std::to_string(id) + ".50");
      }
    }
    CHECK((*w)->stats().rows == 301);
  }
}

namespace {

void FileCacheRun(int partitions, int rows_per_partition, int rounds, const std::string& budget,
                  const std::string& rolling) {
  ClientFixture f;
  REQUIRE(f.client->CreateTable("p", KvTable("t", true, 4)).ok());
  auto opts = Options({{"sink.file-cached.enable", "true"},
                       {"upsert.writer.buffer-size", budget},
                       {"sink.file-cached.rolling.max-size", rolling},
                       {"compress.algorithm", "lz4"}});
  auto w = UpsertWriter::Open(*f.client, "p", "t", opts);
  REQUIRE(w.ok());
  Model model;
  std::mt19937_64 rng(7);
  size_t sessions = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int round = 0; round < rounds; ++round) {
    sessions +=
        WriteRandom(**w, model, rng, partitions, partitions * rows_per_partition, 50, round);
    REQUIRE((*w)->Checkpoint().ok());
  }
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  CHECK(ReadTable(*f.client, "t") == model);
  const WriterStats s = (*w)->stats();
  // Uploads were timed, and never more than file_cached_writer_num of them were in flight.
  CHECK(s.flush_seconds > 0);
  CHECK(s.flush_seconds <= elapsed.count() * opts.file_cached_writer_num);
  CHECK(s.peak_buffered <= opts.buffer_size / 4 + (1 << 20));
  CHECK(s.commits == sessions);  // one session per partition written, per checkpoint
  CHECK(s.rows == static_cast<uint64_t>(partitions * rows_per_partition * rounds));
  // Files that rolled were uploaded before the checkpoint, in more streams than buckets.
  if (rolling == "4kb") CHECK(s.streams_sent > 4 * s.commits);
}

}  // namespace

TEST_CASE("writer: file-cache mode, 1000 partitions under a 64 MB budget", "[writer]") {
  FileCacheRun(1000, 4, 1, "64mb", "64kb");
}

TEST_CASE("writer: file-cache mode, 1000 partitions, many rows, 2 MB, rolling files",
          "[writer][.stress]") {
  // A small budget: staging spills to the files often, and they roll.
  FileCacheRun(1000, 200, 2, "2mb", "4kb");
}
