// Backup figures of issue 25: an online backup of a server holding a table of 10 M rows (about
// 100 bytes each, bench_rows.h) while ingest goes on into another table, on the same disk:
//   - the backup's MB/s (bytes it copied over its wall time), beside a plain copy of the same
//     files (std::filesystem::copy), also during ingest, in the same run;
//   - ingest rows/s while the backup runs, against ingest without one measured right before and
//     right after it (the ratio is its cost);
//   - an incremental backup after that: bytes copied and seconds.
// Ingest: appends of 10 k rows with keys random over 4 M values (so they update), a commit every
// 100 ms, compaction on (threshold 20), retention 0 h: what deltatunnel-bench-compaction's "on"
// run does. The 10 M-row table is loaded first (keys in order, 100 commits of 100 k) and compacted.
//
// Usage: deltatunnel-bench-backup [--quick] [--rows N] [--seconds S] [--dir /path]
#include <fmt/format.h>

#include <atomic>
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
using bench::Seconds;

using bench::Check;

// Batches of 10 k rows: keys first..first+n in order when `sequential`, else random below `keys`.
std::vector<proto::RowBatch> MakeBatches(const storage::TableInfo& info,
                                         const proto::TableSchema& schema, size_t count,
                                         uint64_t keys, bool sequential, int64_t first,
                                         uint64_t seed) {
  std::vector<proto::RowBatch> out;
  std::mt19937_64 rng(seed);
  int64_t next = first;
  for (size_t b = 0; b < count; ++b) {
    auto rows = bench::BenchRows(10000, rng());
    out.emplace_back(schema, info.hasher, info.bucket_num);
    for (auto& row : rows) {
      row[0] = proto::Value(sequential ? next++ : static_cast<int64_t>(rng() % keys));
      Check(out.back().Add(std::move(row), proto::RowOp::kUpsert), "add");
    }
  }
  return out;
}

storage::SessionOptions Session(const std::string& table) {
  storage::SessionOptions so;
  so.project = "bench";
  so.table = table;
  return so;
}

// Ingest on a thread of its own until stopped: appends round robin over `batches`, a commit
// every 100 ms. `rows` counts the rows of committed sessions.
class Ingest {
 public:
  Ingest(storage::Engine& e, const std::vector<proto::RowBatch>& batches)
      : thread_([this, &e, &batches] { Run(e, batches); }) {}
  ~Ingest() {
    stop_ = true;
    thread_.join();
  }
  uint64_t rows() const { return rows_; }

 private:
  void Run(storage::Engine& e, const std::vector<proto::RowBatch>& batches) {
    auto session = Check(e.OpenSession(Session("live")), "session");
    auto last_commit = Clock::now();
    uint64_t pending = 0;
    for (size_t next = 0; !stop_; ++next) {
      const auto& batch = batches[next % batches.size()];
      Status st = e.Append(session.id, batch);
      if (st.code() == ErrorCode::kFlowExceeded) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      } else {
        Check(st, "append");
        pending += batch.size();
      }
      if (Seconds(last_commit, Clock::now()) >= 0.1) {
        Check(e.Commit(session.id).status(), "commit");
        rows_ += pending;
        pending = 0;
        last_commit = Clock::now();
        session = Check(e.OpenSession(Session("live")), "session");
      }
    }
    Check(e.Commit(session.id).status(), "commit");
  }

  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> rows_{0};
  std::thread thread_;
};

// Ingest rows/s over `seconds`, measured while `ingest` runs.
double RateOver(const Ingest& ingest, double seconds) {
  const uint64_t r0 = ingest.rows();
  const auto t0 = Clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  return static_cast<double>(ingest.rows() - r0) / Seconds(t0, Clock::now());
}

struct BackupRun {
  double seconds = 0;
  uint64_t bytes = 0;  // copied
  uint64_t size = 0;   // of the backup's files
  double ingest_rows_per_s = 0;
};

BackupRun Backup(storage::Engine& e, const Ingest* ingest) {
  const uint64_t r0 = ingest ? ingest->rows() : 0;
  const auto t0 = Clock::now();
  Check(e.StartBackup().status(), "backup");
  std::optional<storage::BackupJob> job;
  do {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    job = e.LastBackup();
  } while (job && job->state == "running");
  BackupRun r;
  r.seconds = Seconds(t0, Clock::now());
  if (!job || job->state != "done") {
    fmt::print(stderr, "backup: {}\n", job ? job->error : "none");
    std::exit(1);
  }
  r.bytes = job->bytes_copied;
  r.size = job->result->backup.size_bytes;
  if (ingest) r.ingest_rows_per_s = static_cast<double>(ingest->rows() - r0) / r.seconds;
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  uint64_t rows = 10'000'000;
  double seconds = 10;
  std::string dir = "/tmp/dt-bench-backup";
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0) quick = true;
    if (std::strcmp(argv[i], "--rows") == 0 && i + 1 < argc) rows = std::strtoull(argv[++i], 0, 10);
    if (std::strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) seconds = std::atof(argv[++i]);
    if (std::strcmp(argv[i], "--dir") == 0 && i + 1 < argc) dir = argv[++i];
  }
  if (quick) {
    rows = 2'000'000;
    seconds = 4;
  }
  rows = (rows + 9999) / 10000 * 10000;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  storage::EngineOptions o;
  o.data_dir = dir + "/data";
  o.backup_dir = dir + "/backups";
  auto engine = Check(storage::Engine::Open(o), "open");
  storage::TableDef def;
  def.project = "bench";
  def.name = "t";
  def.schema = bench::BenchSchema();
  def.properties = {{"write.bucket.num", "16"},
                    {"acid.data.retain.hours", "0"},
                    {"compaction.major.commit-threshold", "20"}};
  const auto info = Check(engine->CreateTable(def), "create");
  const proto::TableSchema schema = info.schema;
  def.name = "live";
  const auto live = Check(engine->CreateTable(def), "create");
  fmt::print(
      "deltatunnel backup benchmark{}: a table of {} rows (~100 bytes, 16 buckets), backed up\n"
      "while ingest goes on into another (appends of 10 k rows, a commit every 100 ms), same "
      "disk\n\n",
      quick ? " (--quick)" : "", rows);

  // Preload, in commits of 1 M rows, then compact, so the backup sees the table as it settles.
  const auto t_load = Clock::now();
  for (uint64_t done = 0; done < rows;) {
    const size_t n = std::min<uint64_t>(100, (rows - done) / 10000);
    auto batches = MakeBatches(info, schema, n, 0, true, static_cast<int64_t>(done), done);
    auto s = Check(engine->OpenSession(Session("t")), "session");
    for (const auto& b : batches) Check(engine->Append(s.id, b), "append");
    Check(engine->Commit(s.id).status(), "commit");
    done += n * 10000;
  }
  Check(engine->Compact("bench", "t", std::nullopt).status(), "compact");
  engine->WaitForCompactions();
  fmt::print("preloaded {} rows in {:.1f} s\n\n", rows, Seconds(t_load, Clock::now()));

  const auto batches = MakeBatches(live, schema, 64, 4'000'000, false, 0, 7);
  BackupRun full, incremental;
  double before = 0, after = 0, copy_s = 0;
  uint64_t copied = 0;
  {
    Ingest ingest(*engine, batches);
    before = RateOver(ingest, seconds);
    full = Backup(*engine, &ingest);
    // The same bytes by a plain file copy, ingest going on as during the backup: the backup's
    // files as they lie in its directory.
    std::error_code ec;
    const auto t_copy = Clock::now();
    std::filesystem::copy(dir + "/backups", dir + "/copy", std::filesystem::copy_options::recursive,
                          ec);
    copy_s = Seconds(t_copy, Clock::now());
    for (const auto& f : std::filesystem::recursive_directory_iterator(dir + "/copy")) {
      if (f.is_regular_file()) copied += f.file_size();
    }
    std::filesystem::remove_all(dir + "/copy");
    after = RateOver(ingest, seconds);
    incremental = Backup(*engine, &ingest);
  }

  const double baseline = (before + after) / 2;
  fmt::print(
      "full backup    {:>8.1f} MB in {:5.2f} s = {:6.1f} MB/s   (a plain copy of its files, "
      "also during ingest: {:.1f} MB/s)\n",
      static_cast<double>(full.bytes) / 1e6, full.seconds,
      static_cast<double>(full.bytes) / 1e6 / full.seconds,
      static_cast<double>(copied) / 1e6 / copy_s);
  fmt::print("ingest         without a backup {:>9.0f} rows/s (before {:.0f}, after {:.0f})\n",
             baseline, before, after);
  fmt::print("               during the backup {:>8.0f} rows/s = {:.2f} of it\n",
             full.ingest_rows_per_s, full.ingest_rows_per_s / baseline);
  fmt::print(
      "incremental    {:>8.1f} MB copied of {:.1f} MB in {:5.2f} s (ingest during it: "
      "{:.0f} rows/s)\n",
      static_cast<double>(incremental.bytes) / 1e6, static_cast<double>(incremental.size) / 1e6,
      incremental.seconds, incremental.ingest_rows_per_s);
  engine.reset();
  std::filesystem::remove_all(dir);
  return 0;
}
