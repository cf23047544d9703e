// Schema-evolution figures of issue 25 ("adding a column to a table of 10 M rows: milliseconds;
// target: independent of the table's size"), on rows of about 100 bytes (bench_rows.h), 16
// buckets, one partition, all tables in one engine:
//   1. Tables of 0 rows (the baseline), N/10 and N rows (N = 10 M), each loaded in sessions of
//      1 M rows (appends of 50 k, keys in order) and left uncompacted: Engine::AlterSchema adding
//      one nullable BIGINT column with a default, 5 times (5 columns, in turns over the tables
//      once all are loaded); min/median/max ms per size, and the median at N rows over the one at
//      0 rows.
//   2. The read cost this leaves on the N-row table: full-scan rows/s (the better of two scans)
//      before the change, after it (every row stored in the old schema, upgraded on read), after
//      a major compaction (Compact, WaitForCompactions), and after one more commit (in the new
//      schema) and a major compaction; each beside the first.
// Scans check every row against the schema of their version and the added column's default.
//
// Usage: deltatunnel-bench-schema [--quick] [--rows N]
//   --quick: N = 1 M (the middle table 100 k). Build in Release. The data goes to a fresh
//   directory under /tmp, removed at exit.
#include <fmt/format.h>
#include <stdlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
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
using bench::Check;
using bench::Clock;
using bench::Percentile;
using bench::Seconds;

std::string g_dir;  // the data directory, removed at exit (also after a failed Check)

#ifdef __OPTIMIZE__
constexpr const char* kOptimized = "optimized";
#else
constexpr const char* kOptimized = "NOT optimized";
#endif
#ifdef NDEBUG
constexpr const char* kAsserts = "NDEBUG";
#else
constexpr const char* kAsserts = "assertions on";
#endif

storage::SessionOptions Session(const std::string& table) {
  storage::SessionOptions so;
  so.project = "bench";
  so.table = table;
  return so;
}

// Keys 0..rows-1 in sessions of 1 M rows, appends of 50 k, each session committed.
void Load(storage::Engine& e, const storage::TableInfo& info, uint64_t rows) {
  for (uint64_t done = 0; done < rows;) {
    auto s = Check(e.OpenSession(Session(info.name)), "session");
    const uint64_t end = std::min(rows, done + 1'000'000);
    while (done < end) {
      const size_t n = std::min<uint64_t>(50'000, end - done);
      proto::RowBatch batch(info.schema, info.hasher, info.bucket_num);
      for (auto& row : bench::BenchRows(n, done)) {
        row[0] = proto::Value(static_cast<int64_t>(done++));
        Check(batch.Add(std::move(row), proto::RowOp::kUpsert), "add");
      }
      Check(e.Append(s.id, batch), "append");
    }
    Check(e.Commit(s.id).status(), "commit");
  }
}

// Full-scan rows/s of `table`, the better of two scans; checks each row has the columns of the
// schema read and, when `added`, that the last is that column's default.
double ScanRate(storage::Engine& e, const std::string& table, uint64_t rows, bool added) {
  double best = 0;
  for (int pass = 0; pass < 2; ++pass) {
    storage::ScanOptions so;
    so.project = "bench";
    so.table = table;
    const auto t0 = Clock::now();
    auto it = Check(e.Scan(so), "scan");
    const auto& columns = it->schema().columns;
    uint64_t n = 0;
    for (; it->Valid(); it->Next(), ++n) {
      const proto::Row& row = it->row();
      if (row.size() != columns.size() ||
          (added && !(row.back() == columns.back().default_value))) {
        fmt::print(stderr, "scan: row {} does not read in the schema of its version\n", n);
        std::exit(1);
      }
    }
    Check(it->status(), "scan");
    if (n != rows) {
      fmt::print(stderr, "scan: {} rows, expected {}\n", n, rows);
      std::exit(1);
    }
    best = std::max(best, static_cast<double>(n) / Seconds(t0, Clock::now()));
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  uint64_t rows = 10'000'000;
  std::string command = argv[0];
  for (int i = 1; i < argc; ++i) {
    command += std::string(" ") + argv[i];
    if (std::strcmp(argv[i], "--quick") == 0) quick = true;
    if (std::strcmp(argv[i], "--rows") == 0 && i + 1 < argc) rows = std::strtoull(argv[++i], 0, 10);
  }
  if (quick) rows = 1'000'000;
  const std::vector<uint64_t> sizes = {0, rows / 10, rows};

  char tmpl[] = "/tmp/dt-bench-schema-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) {
    fmt::print(stderr, "mkdtemp: {}\n", std::strerror(errno));
    return 1;
  }
  g_dir = tmpl;
  std::atexit([] { std::filesystem::remove_all(g_dir); });
  storage::EngineOptions o;
  o.data_dir = g_dir;
  o.compaction_threads = 1;  // for part 2's Compact; the threshold keeps it from running before
  o.max_pending_deltas = 0;  // no bound, so a threshold of 100000 is allowed
  auto engine = Check(storage::Engine::Open(o), "open");

  fmt::print("deltatunnel schema-evolution benchmark{}: nproc {}, build {}, {}\ncommand: {}\n",
             quick ? " (--quick)" : "", std::thread::hardware_concurrency(), kOptimized, kAsserts,
             command);
  fmt::print(
      "tables of ~100-byte rows, 16 buckets, one partition, loaded in sessions of 1 M rows "
      "(appends of 50 k), uncompacted; data in {}\n\n",
      g_dir);

  // 1. Load every table, then time the changes round robin over them: a table just loaded leaves
  // RocksDB flushing and compacting for seconds, which slows a synced write tenfold; in turns,
  // every size meets the same.
  const std::string largest = fmt::format("t{}", sizes.size() - 1);
  for (size_t t = 0; t < sizes.size(); ++t) {
    storage::TableDef def;
    def.project = "bench";
    def.name = fmt::format("t{}", t);
    def.schema = bench::BenchSchema();
    def.properties = {{"write.bucket.num", "16"},
                      {"acid.data.retain.hours", "0"},
                      {"compaction.major.commit-threshold", "100000"}};
    const auto info = Check(engine->CreateTable(def), "create");
    const auto t_load = Clock::now();
    Load(*engine, info, sizes[t]);
    const double load_s = Seconds(t_load, Clock::now());
    fmt::print("loaded {:>9} rows in {:6.1f} s ({:.0f} rows/s)\n", sizes[t], load_s,
               load_s > 0 ? static_cast<double>(sizes[t]) / load_s : 0.0);
  }
  const double scan_before = ScanRate(*engine, largest, rows, false);
  std::vector<std::vector<double>> times(sizes.size());
  for (int c = 1; c <= 5; ++c) {
    for (size_t t = 0; t < sizes.size(); ++t) {
      storage::SchemaChange change;
      change.add_columns.push_back({fmt::format("x{}", c), proto::Type{proto::TypeKind::kBigint},
                                    true, "", proto::Value(static_cast<int64_t>(c))});
      const auto t0 = Clock::now();
      const auto altered =
          Check(engine->AlterSchema("bench", fmt::format("t{}", t), change), "alter schema");
      times[t].push_back(Seconds(t0, Clock::now()) * 1000);
      if (altered.schema_id != static_cast<uint32_t>(c)) {
        fmt::print(stderr, "alter schema: schema_id {}, expected {}\n", altered.schema_id, c);
        return 1;
      }
    }
  }
  std::vector<double> medians;
  for (const auto& v : times) medians.push_back(Percentile(v, 0.5));
  fmt::print(
      "\nadd one column (AlterSchema: a nullable BIGINT with a default), 5 times each, in turns\n");
  fmt::print("  {:>10}  {:>8}  {:>8}  {:>8}\n", "rows", "min ms", "median", "max ms");
  for (size_t t = 0; t < sizes.size(); ++t) {
    const auto [lo, hi] = std::minmax_element(times[t].begin(), times[t].end());
    fmt::print("  {:>10}  {:8.3f}  {:8.3f}  {:8.3f}\n", sizes[t], *lo, medians[t], *hi);
  }
  fmt::print("  median at {} rows / at 0 rows: {:.2f} (target: about 1, independent of size)\n\n",
             rows, medians.back() / medians.front());

  // 2. The read cost left on the largest table.
  fmt::print("full scan of the {}-row table (better of two scans)\n", rows);
  auto line = [&](const std::string& what, double rate) {
    fmt::print("  {:<52} {:>10.0f} rows/s  {:.2f} of before\n", what, rate, rate / scan_before);
  };
  line("before the change", scan_before);
  line("after it (rows upgraded on read)", ScanRate(*engine, largest, rows, true));
  auto compact = [&] {
    const auto t0 = Clock::now();
    Check(engine->Compact("bench", largest, std::nullopt).status(), "compact");
    engine->WaitForCompactions();
    return Seconds(t0, Clock::now());
  };
  double compact_s = compact();
  line(fmt::format("after a major compaction ({:.1f} s)", compact_s),
       ScanRate(*engine, largest, rows, true));

  // One row in the new schema (a new key, the added columns at their defaults), then compact.
  const auto info = Check(engine->DescribeTable("bench", largest), "describe");
  proto::RowBatch batch(info.schema, info.hasher, info.bucket_num);
  proto::Row row = bench::BenchRows(1, 1)[0];
  row[0] = proto::Value(static_cast<int64_t>(rows));
  for (size_t c = row.size(); c < info.schema.columns.size(); ++c) {
    row.push_back(info.schema.columns[c].default_value);
  }
  Check(batch.Add(std::move(row), proto::RowOp::kUpsert), "add");
  auto s = Check(engine->OpenSession(Session(largest)), "session");
  Check(engine->Append(s.id, batch), "append");
  Check(engine->Commit(s.id).status(), "commit");
  compact_s = compact();
  line(fmt::format("after one commit and a major compaction ({:.1f} s)", compact_s),
       ScanRate(*engine, largest, rows + 1, true));

  engine.reset();
  return 0;
}
