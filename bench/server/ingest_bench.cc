// deltatunnel-bench-ingest: issue 4's figures, in one run on one machine.
//
//   1. storage-only ingest: the engine in-process, 4 threads appending ~1 MiB batches to one
//   session
//      of a 16-bucket table, then one commit (the baseline);
//   2. end to end over HTTP on loopback: the real server binary, 4 connections PUTting ~1 MiB
//   record
//      streams of the same rows, then one commit; its ratio to (1);
//   3. the same rows through NDJSON one-shot loads from 4 connections;
//   4. commit to visible: a read right after the commit's answer, and first write to visible for a
//      session of 10 k rows.
//
// Usage: deltatunnel-bench-ingest [--rows N] [--connections C] [--server PATH]
#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "../common/bench_parallel.h"
#include "../common/bench_rows.h"
#include "deltatunnel/proto/record_stream.h"
#include "deltatunnel/storage/engine.h"
#include "server_process.h"

namespace dt = deltatunnel;
using Clock = std::chrono::steady_clock;

using deltatunnel::bench::Parallel;

namespace {

constexpr int kBuckets = 16;
constexpr size_t kPutBytes = 1 << 20;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

struct Figure {
  double seconds = 0;
  uint64_t rows = 0;
  uint64_t bytes = 0;
  double RowsPerSecond() const { return rows / seconds; }
  double MBPerSecond() const { return bytes / seconds / 1e6; }
};

void Print(const char* name, const Figure& f, const Figure* baseline = nullptr) {
  std::string ratio = baseline ? fmt::format("  {:.2f}x of storage-only",
                                             f.RowsPerSecond() / baseline->RowsPerSecond())
                               : "";
  fmt::print("{:<34} {:>10.0f} rows/s {:>8.1f} MB/s  ({} rows in {:.3f} s){}\n", name,
             f.RowsPerSecond(), f.MBPerSecond(), f.rows, f.seconds, ratio);
}

// Splits rows into groups whose encoded size is about kPutBytes.
std::vector<std::pair<size_t, size_t>> Chunks(size_t n, size_t rows_per_chunk) {
  std::vector<std::pair<size_t, size_t>> out;
  for (size_t i = 0; i < n; i += rows_per_chunk)
    out.emplace_back(i, std::min(n, i + rows_per_chunk));
  return out;
}

void Check(const dt::Status& s, const char* what) {
  if (!s.ok()) {
    fmt::print(stderr, "{}: {}\n", what, s.ToString());
    std::exit(1);
  }
}

Figure StorageOnly(const std::vector<dt::proto::Row>& rows, size_t rows_per_put, int threads,
                   const std::string& dir) {
  dt::storage::EngineOptions options;
  options.data_dir = dir;
  auto engine = dt::storage::Engine::Open(options);
  Check(engine.status(), "open");
  dt::storage::TableDef def;
  def.project = "bench";
  def.name = "ingest";
  def.schema = dt::bench::BenchSchema();
  def.properties["write.bucket.num"] = std::to_string(kBuckets);
  auto table = (*engine)->CreateTable(def);
  Check(table.status(), "create table");
  auto session = (*engine)->OpenSession({.project = "bench", .table = "ingest"});
  Check(session.status(), "open session");

  const auto chunks = Chunks(rows.size(), rows_per_put);
  std::atomic<uint64_t> bytes{0};
  const auto start = Clock::now();
  Parallel(threads, chunks.size(), [&](int, size_t i) {
    dt::proto::RowBatch batch(table->schema, table->hasher, table->bucket_num);
    for (size_t r = chunks[i].first; r < chunks[i].second; ++r) {
      Check(batch.Add(rows[r], dt::proto::RowOp::kUpsert), "row");
    }
    bytes += batch.bytes();
    Check((*engine)->Append(session->id, batch), "append");
  });
  Check((*engine)->Commit(session->id).status(), "commit");
  return {Seconds(start), rows.size(), bytes.load()};
}

std::string NdjsonOf(const dt::proto::Row& row) {
  return fmt::format("{{\"k\":{},\"a\":{},\"b\":{},\"s\":\"{}\"}}\n", row[0].as_int(),
                     row[1].as_int(), row[2].as_double(), row[3].as_string());
}

}  // namespace

int main(int argc, char** argv) {
  size_t n = 2'000'000;
  int connections = 4;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--rows") n = std::stoull(argv[i + 1]);
    if (flag == "--connections") connections = std::stoi(argv[i + 1]);
    if (flag == "--server") setenv("DT_SERVER_BINARY", argv[i + 1], 1);
  }
  const std::string tmp =
      (std::filesystem::temp_directory_path() / fmt::format("dt-bench-ingest-{}", getpid()))
          .string();
  std::filesystem::create_directories(tmp);

  fmt::print("generating {} rows...\n", n);
  const auto rows = dt::bench::BenchRows(n);
  const auto schema = dt::bench::BenchSchema();

  // Record streams of about 1 MiB, built before any clock starts (the client's work).
  dt::proto::RecordStreamWriter writer(schema);
  std::vector<std::string> streams;
  std::vector<size_t> stream_rows;
  size_t rows_per_put = 0;
  for (const auto& row : rows) {
    Check(writer.Write(row, dt::proto::RowOp::kUpsert), "encode");
    if (writer.bytes() >= kPutBytes) {
      if (rows_per_put == 0) rows_per_put = writer.records();
      stream_rows.push_back(writer.records());
      streams.push_back(writer.Finish());
    }
  }
  if (writer.records() > 0) {
    stream_rows.push_back(writer.records());
    streams.push_back(writer.Finish());
  }
  uint64_t wire_bytes = 0;
  for (const auto& s : streams) wire_bytes += s.size();
  fmt::print("{} record streams of about {} rows ({:.1f} bytes a row on the wire)\n\n",
             streams.size(), rows_per_put, static_cast<double>(wire_bytes) / n);

  const Figure storage = StorageOnly(rows, rows_per_put, connections, tmp + "/storage");
  Print("storage-only (append + commit)", storage);

  dt::testing::ServerOptions options;
  options.config_toml =
      fmt::format("worker_threads = {}\n[quota]\ndefault_slots = 64\n", connections);
  options.test_hooks = false;
  dt::testing::ServerProcess server(options);
  auto admin = server.Client();
  auto created = admin.Send("POST", "/api/v1/projects/bench/tables",
                            dt::bench::BenchTableJson("ingest", kBuckets));
  if (created.status != 201) {
    fmt::print(stderr, "create table: {}\n", created.body);
    return 1;
  }
  const std::string upserts = "/projects/bench/tables/ingest/upserts";
  const std::string id = admin.Post(upserts + "?slotnum=16").Json()["id"];
  std::vector<dt::testing::HttpClient> clients;
  for (int c = 0; c < connections; ++c) clients.push_back(server.Client());

  auto start = Clock::now();
  Parallel(connections, streams.size(), [&](int t, size_t i) {
    auto r = clients[t].Send("PUT",
                             fmt::format("{}?upsertid={}&bucketid={}&slotid=0&record_count={}",
                                         upserts, id, i % kBuckets, stream_rows[i]),
                             streams[i]);
    if (r.status != 200) {
      fmt::print(stderr, "PUT: {} {}\n", r.status, r.body);
      std::exit(1);
    }
  });
  auto commit = admin.Post(upserts + "?upsertid=" + id);
  Figure http{Seconds(start), n, storage.bytes};
  Print("HTTP record streams (PUT + commit)", http, &storage);

  // A read right after the commit's answer: it must already see the commit's version.
  const auto read_start = Clock::now();
  auto after = admin.Get("/api/v1/projects/bench/tables/ingest/data?limit=1");
  const double read_ms = Seconds(read_start) * 1e3;
  const auto versions = admin.Get("/api/v1/projects/bench/tables/ingest/versions?limit=1").Json();
  const bool visible = after.Header("x-deltatunnel-version") ==
                       std::to_string(versions["versions"][0]["version"].get<uint64_t>());
  fmt::print(
      "commit answered -> visible: {} (first read after the answer took {:.2f} ms, no retry)\n",
      visible ? "at once" : "NOT YET", read_ms);

  // NDJSON one-shot loads of the same rows, ~1 MiB bodies, 4 connections, one commit each.
  auto ndjson_created = admin.Send("POST", "/api/v1/projects/bench/tables",
                                   dt::bench::BenchTableJson("ndjson", kBuckets));
  if (ndjson_created.status != 201) return 1;
  std::vector<std::string> bodies(1);
  for (const auto& row : rows) {
    bodies.back() += NdjsonOf(row);
    if (bodies.back().size() >= kPutBytes) bodies.emplace_back();
  }
  uint64_t ndjson_bytes = 0;
  for (const auto& b : bodies) ndjson_bytes += b.size();
  // A load the server refuses for backpressure (429 FlowExceeded while major compaction catches up
  // with the commits, 503) is sent again after its Retry-After, as a client should, for up to two
  // minutes: the waits are part of the rate.
  std::atomic<int> backpressure{0};
  start = Clock::now();
  Parallel(connections, bodies.size(), [&](int t, size_t i) {
    if (bodies[i].empty()) return;
    const auto refused_since = Clock::now();
    for (;;) {
      auto r = clients[t].Send("POST", "/api/v1/projects/bench/tables/ndjson/load", bodies[i],
                               {{"Content-Type", "application/x-ndjson"}});
      if (r.status == 200) return;
      if ((r.status == 429 || r.status == 503) && Seconds(refused_since) < 120) {
        ++backpressure;
        const std::string retry_after = r.Header("retry-after");
        const int seconds = retry_after.empty() ? 0 : std::atoi(retry_after.c_str());
        std::this_thread::sleep_for(seconds > 0 ? std::chrono::milliseconds(1000 * seconds)
                                                : std::chrono::milliseconds(100));
        continue;
      }
      fmt::print(stderr, "load: {} {}\n", r.status, r.body);
      std::exit(1);
    }
  });
  Figure ndjson{Seconds(start), n, ndjson_bytes};
  Print("HTTP NDJSON loads (one commit each)", ndjson, &storage);
  if (backpressure > 0) {
    fmt::print("  ({} loads refused for backpressure and sent again after Retry-After)\n",
               backpressure.load());
  }

  // First write to visible, a session of 10 k rows.
  {
    const size_t k = std::min<size_t>(10000, n);
    dt::proto::RecordStreamWriter w(schema);
    for (size_t i = 0; i < k; ++i) Check(w.Write(rows[i], dt::proto::RowOp::kUpsert), "encode");
    std::string stream = w.Finish();
    auto t0 = Clock::now();
    const std::string sid = admin.Post(upserts + "?slotnum=1").Json()["id"];
    auto put = admin.Send(
        "PUT", fmt::format("{}?upsertid={}&bucketid=0&record_count={}", upserts, sid, k), stream);
    auto done = admin.Post(upserts + "?upsertid=" + sid);
    const double commit_ms = Seconds(t0) * 1e3;
    auto seen = admin.Get("/api/v1/projects/bench/tables/ingest/data?limit=1");
    fmt::print(
        "session of {} rows, create + write + commit answered: {:.1f} ms; visible at once: {}\n", k,
        commit_ms,
        put.status == 200 && done.Json()["status"] == "committed" && seen.status == 200 ? "yes"
                                                                                        : "no");
  }
  std::filesystem::remove_all(tmp);
  return commit.status == 200 ? 0 : 1;
}
