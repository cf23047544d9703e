// Compaction figures of issue 5, on rows of about 100 bytes (bench_rows.h), 16 buckets, one
// partition:
//   - ingest with a commit every 100 ms (appends of 10 k rows as fast as they go, a commit once
//     100 ms have passed), for the same time with major compaction off and with it on (threshold
//     20 commits), in one run: rows/s and commit p50/p99 of each, and their ratio;
//   - compaction throughput: MB/s of input merged, from the engine's own counters;
//   - full scan rows/s of the partition after 200 commits, before and after a major compaction.
// Keys are random over 4 M values, so later commits update earlier rows. Retention is 0 h (only the
// latest version is kept), so each compaction frees what it replaced.
//
// Usage: deltatunnel-bench-compaction [--quick] [--seconds N] [--dir /path]
#include <fmt/format.h>
#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "../common/bench_check.h"
#include "../common/bench_rows.h"
#include "../common/bench_timing.h"
#include "deltatunnel/proto/row_batch.h"
#include "deltatunnel/storage/engine.h"

namespace {

using namespace deltatunnel;
using bench::Clock;
using bench::Percentile;
using bench::Seconds;

using bench::Check;

struct Table {
  std::unique_ptr<storage::Engine> engine;
  storage::TableInfo info;
  std::unique_ptr<proto::TableSchema> schema;
};

// max_pending_deltas 0: no backpressure (a table built by more commits than its bound,
// uncompacted).
Table Open(const std::string& dir, uint32_t compaction_threads, const std::string& threshold,
           uint32_t max_pending_deltas = 200) {
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  Table t;
  storage::EngineOptions o;
  o.data_dir = dir;
  o.compaction_threads = compaction_threads;
  o.max_pending_deltas = max_pending_deltas;
  t.engine = Check(storage::Engine::Open(o), "open");
  storage::TableDef def;
  def.project = "bench";
  def.name = "t";
  def.schema = bench::BenchSchema();
  def.properties = {{"write.bucket.num", "16"},
                    {"acid.data.retain.hours", "0"},
                    {"compaction.major.commit-threshold", threshold}};
  t.info = Check(t.engine->CreateTable(def), "create");
  t.schema = std::make_unique<proto::TableSchema>(t.info.schema);
  return t;
}

// Batches of 10 k rows with keys random over 4 M values.
std::vector<proto::RowBatch> MakeBatches(const Table& t, size_t count, uint64_t seed) {
  std::vector<proto::RowBatch> out;
  std::mt19937_64 rng(seed);
  for (size_t b = 0; b < count; ++b) {
    auto rows = bench::BenchRows(10000, rng());
    out.emplace_back(*t.schema, t.info.hasher, t.info.bucket_num);
    for (auto& row : rows) {
      row[0] = proto::Value(static_cast<int64_t>(rng() % 4000000));
      Check(out.back().Add(std::move(row), proto::RowOp::kUpsert), "add");
    }
  }
  return out;
}

struct IngestResult {
  double rows_per_s = 0;
  double mb_per_s = 0;
  double commit_p50_ms = 0;
  double commit_p99_ms = 0;
  size_t commits = 0;
  uint64_t throttled = 0;
};

// Appends batches round robin for `seconds`, committing every 100 ms (or once `max_commits` is
// reached, stops).
IngestResult Ingest(Table& t, const std::vector<proto::RowBatch>& batches, double seconds,
                    size_t max_commits) {
  IngestResult r;
  std::vector<double> commit_ms;
  uint64_t rows = 0, bytes = 0;
  storage::SessionOptions so;
  so.project = "bench";
  so.table = "t";
  const auto start = Clock::now();
  auto last_commit = start;
  auto session = Check(t.engine->OpenSession(so), "session");
  size_t next = 0;
  while (Seconds(start, Clock::now()) < seconds && commit_ms.size() < max_commits) {
    const auto& batch = batches[next++ % batches.size()];
    Status st = t.engine->Append(session.id, batch);
    if (st.code() == ErrorCode::kFlowExceeded) {
      ++r.throttled;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    } else {
      Check(st, "append");
      rows += batch.size();
      bytes += batch.bytes();
    }
    if (Seconds(last_commit, Clock::now()) >= 0.1) {
      const auto t0 = Clock::now();
      Check(t.engine->Commit(session.id).status(), "commit");
      last_commit = Clock::now();
      commit_ms.push_back(Seconds(t0, last_commit) * 1000);
      session = Check(t.engine->OpenSession(so), "session");
    }
  }
  Check(t.engine->Commit(session.id).status(), "commit");
  const double secs = Seconds(start, Clock::now());
  r.rows_per_s = static_cast<double>(rows) / secs;
  r.mb_per_s = static_cast<double>(bytes) / secs / 1e6;
  r.commit_p50_ms = Percentile(commit_ms, 0.5);
  r.commit_p99_ms = Percentile(commit_ms, 0.99);
  r.commits = commit_ms.size() + 1;
  return r;
}

double ScanRate(storage::Engine& e, size_t* rows) {
  storage::ScanOptions so;
  so.project = "bench";
  so.table = "t";
  const auto t0 = Clock::now();
  auto it = Check(e.Scan(so), "scan");
  size_t n = 0;
  for (; it->Valid(); it->Next()) ++n;
  Check(it->status(), "scan");
  *rows = n;
  return static_cast<double>(n) / Seconds(t0, Clock::now());
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  double seconds = 30;
  std::string dir = "/tmp/dt-bench-compaction";
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0) quick = true;
    if (std::strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) seconds = std::atof(argv[++i]);
    if (std::strcmp(argv[i], "--dir") == 0 && i + 1 < argc) dir = argv[++i];
  }
  if (quick) seconds = 8;
  fmt::print(
      "deltatunnel compaction benchmark{}: one partition, 16 buckets, ~100-byte rows,\n"
      "appends of 10 k rows, a commit every 100 ms, {:.0f} s each\n\n",
      quick ? " (--quick)" : "", seconds);

  // 1. Ingest with compaction off, then on.
  IngestResult off, on;
  storage::CompactionStats cstats;
  {
    Table t = Open(dir + "/off", 0, "20");
    const auto batches = MakeBatches(t, 64, 1);
    off = Ingest(t, batches, seconds, ~size_t{0});
  }
  {
    Table t = Open(dir + "/on", 1, "20");
    const auto batches = MakeBatches(t, 64, 1);
    on = Ingest(t, batches, seconds, ~size_t{0});
    t.engine->WaitForCompactions();
    cstats = t.engine->Stats().compaction;
  }
  auto line = [](const char* name, const IngestResult& r) {
    fmt::print(
        "  {:<28} {:>9.0f} rows/s {:>6.1f} MB/s  commit p50 {:6.2f} ms p99 {:7.2f} ms  "
        "({} commits, {} appends throttled)\n",
        name, r.rows_per_s, r.mb_per_s, r.commit_p50_ms, r.commit_p99_ms, r.commits, r.throttled);
  };
  fmt::print("ingest, commit every 100 ms\n");
  line("compaction off", off);
  line("compaction on (threshold 20)", on);
  fmt::print("  ratio on/off: rows/s {:.2f} (target >= 0.7), commit p99 {:.2f}x (target <= 2)\n\n",
             on.rows_per_s / off.rows_per_s,
             off.commit_p99_ms > 0 ? on.commit_p99_ms / off.commit_p99_ms : 0.0);
  fmt::print(
      "compactions: {} done, {:.0f} MB in, {:.0f} MB out, {:.1f} s: {:.0f} MB/s of input\n\n",
      cstats.done, static_cast<double>(cstats.input_bytes) / 1e6,
      static_cast<double>(cstats.output_bytes) / 1e6, cstats.seconds,
      cstats.seconds > 0 ? static_cast<double>(cstats.input_bytes) / 1e6 / cstats.seconds : 0.0);

  // 2. Scan after 200 commits, before and after a major compaction.
  {
    Table t = Open(dir + "/scan", 1, "100000", /*max_pending_deltas=*/0);
    const auto batches = MakeBatches(t, quick ? 20 : 100, 2);
    storage::SessionOptions so;
    so.project = "bench";
    so.table = "t";
    for (int c = 0; c < 200; ++c) {
      auto s = Check(t.engine->OpenSession(so), "session");
      Check(t.engine->Append(s.id, batches[static_cast<size_t>(c) % batches.size()]), "append");
      Check(t.engine->Commit(s.id).status(), "commit");
    }
    size_t rows = 0;
    const double before = ScanRate(*t.engine, &rows);
    fmt::print(
        "full scan after 200 commits of 10 k rows ({} rows): {:.0f} rows/s before compaction\n",
        rows, before);
    const auto t0 = Clock::now();
    Check(t.engine->Compact("bench", "t", std::nullopt).status(), "compact");
    t.engine->WaitForCompactions();
    const double compact_s = Seconds(t0, Clock::now());
    const double after = ScanRate(*t.engine, &rows);
    fmt::print("  after a major compaction ({:.2f} s): {:.0f} rows/s ({:.1f}x)\n", compact_s, after,
               after / before);
  }
  std::filesystem::remove_all(dir);
  return 0;
}
