// Storage figures of issue 3, on rows of about 100 bytes (a BIGINT key with random 64-bit values, a
// STRING and a DOUBLE), 16 buckets:
//   - ingest through sessions (append + commit) beside two RocksDB baselines on the same rows:
//     WriteBatch puts of 1000 rows in arrival order with the WAL on; sort + SstFileWriter + ingest;
//   - commit latency p50/p99 for sessions of 1 k, 100 k and 1 M rows (commits synced);
//   - full scan rows/s of a table after many commits; lookup p99 of single keys;
//   - peak RSS while 1000 sessions on 1000 partitions are open.
// RowBatches are built before the clock starts: the figures are the engine's, not the row codec's.
//
// Usage: deltatunnel-bench-storage [--quick] [--dir /path] [--file-delete-rate-mb N]
// (--file-delete-rate-mb: EngineOptions::file_delete_bytes_per_sec in MiB/s, 0 unlinks obsolete
// files at once; the default is the engine's.)
#include <fmt/format.h>
#include <rocksdb/db.h>
#include <rocksdb/sst_file_writer.h>
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "../common/bench_timing.h"
#include "deltatunnel/proto/row_batch.h"
#include "deltatunnel/storage/engine.h"

namespace {

using namespace deltatunnel;
using bench::Clock;
using bench::Percentile;
using bench::Seconds;

long PeakRssKb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

long RssKb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

proto::TableSchema Schema(bool partitioned) {
  proto::TableSchema s;
  s.columns.push_back({"k", proto::Type{proto::TypeKind::kBigint}, false, ""});
  s.columns.push_back({"v", proto::Type{proto::TypeKind::kString}, true, ""});
  s.columns.push_back({"n", proto::Type{proto::TypeKind::kDouble}, true, ""});
  s.primary_key = {0};
  if (partitioned)
    s.partition_columns.push_back({"ds", proto::Type{proto::TypeKind::kString}, true, ""});
  return s;
}

struct RawRow {
  int64_t k;
  std::string v;
  double n;
};

std::vector<RawRow> MakeRows(size_t count, std::mt19937_64& rng) {
  std::vector<RawRow> rows(count);
  for (auto& r : rows) {
    r.k = static_cast<int64_t>(rng());
    r.v = fmt::format("{:016x}{:016x}{:016x}{:016x}{:06x}", rng(), rng(), rng(), rng(),
                      rng() & 0xffffff);
    r.n = static_cast<double>(rng() % 100000) / 100.0;
  }
  return rows;
}

void Check(const Status& s, const char* what) {
  if (s.ok()) return;
  fmt::print(stderr, "{}: {}\n", what, s.ToString());
  std::exit(1);
}

template <typename T>
T Check(Result<T> r, const char* what) {
  Check(r.status(), what);
  return std::move(r).value();
}

void CheckDb(const rocksdb::Status& s, const char* what) {
  if (s.ok()) return;
  fmt::print(stderr, "{}: {}\n", what, s.ToString());
  std::exit(1);
}

// The encoded size of a row as the baselines store it: 8-byte key + value bytes + 8-byte double.
std::string BaselineValue(const RawRow& r) {
  std::string v = r.v;
  v.append(reinterpret_cast<const char*>(&r.n), sizeof r.n);
  return v;
}

std::string BigEndianKey(int64_t k) {
  std::string s(8, '\0');
  auto u = static_cast<uint64_t>(k) ^ (1ull << 63);
  for (int i = 7; i >= 0; --i, u >>= 8) s[static_cast<size_t>(i)] = static_cast<char>(u & 0xff);
  return s;
}

double BaselineWriteBatch(const std::string& dir, const std::vector<RawRow>& rows) {
  rocksdb::Options o;
  o.create_if_missing = true;
  rocksdb::DB* raw = nullptr;
  CheckDb(rocksdb::DB::Open(o, dir, &raw), "open baseline");
  std::unique_ptr<rocksdb::DB> db(raw);
  const auto t0 = Clock::now();
  for (size_t i = 0; i < rows.size(); i += 1000) {
    rocksdb::WriteBatch wb;
    for (size_t j = i; j < std::min(rows.size(), i + 1000); ++j) {
      wb.Put(BigEndianKey(rows[j].k), BaselineValue(rows[j]));
    }
    CheckDb(db->Write({}, &wb), "write");
  }
  return static_cast<double>(rows.size()) / Seconds(t0, Clock::now());
}

double BaselineSstIngest(const std::string& dir, const std::vector<RawRow>& rows) {
  rocksdb::Options o;
  o.create_if_missing = true;
  rocksdb::DB* raw = nullptr;
  CheckDb(rocksdb::DB::Open(o, dir, &raw), "open baseline");
  std::unique_ptr<rocksdb::DB> db(raw);
  const auto t0 = Clock::now();
  // Files of 100 k rows: each sorted, written, then all ingested.
  std::vector<std::string> files;
  for (size_t i = 0; i < rows.size(); i += 100000) {
    std::vector<const RawRow*> part;
    for (size_t j = i; j < std::min(rows.size(), i + 100000); ++j) part.push_back(&rows[j]);
    std::sort(part.begin(), part.end(), [](const RawRow* a, const RawRow* b) {
      return BigEndianKey(a->k) < BigEndianKey(b->k);
    });
    rocksdb::SstFileWriter writer(rocksdb::EnvOptions(), o);
    const std::string file = fmt::format("{}/ingest-{}.sst", dir, files.size());
    CheckDb(writer.Open(file), "sst open");
    std::string last;
    for (const RawRow* r : part) {
      std::string key = BigEndianKey(r->k);
      if (key == last) continue;
      CheckDb(writer.Put(key, BaselineValue(*r)), "sst put");
      last = std::move(key);
    }
    CheckDb(writer.Finish(), "sst finish");
    files.push_back(file);
  }
  rocksdb::IngestExternalFileOptions io;
  io.move_files = true;
  CheckDb(db->IngestExternalFile(files, io), "ingest");
  return static_cast<double>(rows.size()) / Seconds(t0, Clock::now());
}

struct Bench {
  std::string dir;
  int64_t file_delete_rate_mb = -1;  // -1: the engine's default
  std::unique_ptr<storage::Engine> engine;
  storage::TableInfo info;
  std::unique_ptr<proto::TableSchema> schema;

  void Open(bool sync) {
    storage::EngineOptions o;
    o.data_dir = dir;
    o.sync_commits = sync;
    if (file_delete_rate_mb >= 0) o.file_delete_bytes_per_sec = uint64_t(file_delete_rate_mb) << 20;
    engine = Check(storage::Engine::Open(o), "open engine");
  }
  void Create(const std::string& name, bool partitioned,
              std::map<std::string, std::string> properties = {}) {
    storage::TableDef def;
    def.project = "bench";
    def.name = name;
    def.schema = Schema(partitioned);
    def.properties = std::move(properties);
    info = Check(engine->CreateTable(def), "create");
    schema = std::make_unique<proto::TableSchema>(info.schema);
  }
  std::vector<proto::RowBatch> Batches(const std::vector<RawRow>& rows, size_t per_batch) {
    std::vector<proto::RowBatch> out;
    for (size_t i = 0; i < rows.size(); i += per_batch) {
      out.emplace_back(*schema, info.hasher, info.bucket_num);
      for (size_t j = i; j < std::min(rows.size(), i + per_batch); ++j) {
        proto::Row row = {proto::Value(rows[j].k), proto::Value(rows[j].v),
                          proto::Value(rows[j].n)};
        Check(out.back().Add(std::move(row), proto::RowOp::kUpsert), "add");
      }
    }
    return out;
  }
  // One session over `batches`; answers the commit's seconds.
  double Session(const std::vector<proto::RowBatch>& batches, const std::string& table,
                 const std::string& partition = "") {
    storage::SessionOptions so;
    so.project = "bench";
    so.table = table;
    so.partition = partition;
    auto s = Check(engine->OpenSession(so), "session");
    for (const auto& b : batches) Check(engine->Append(s.id, b), "append");
    const auto t0 = Clock::now();
    Check(engine->Commit(s.id).status(), "commit");
    return Seconds(t0, Clock::now());
  }
};

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  std::string dir = "/tmp/dt-bench-storage";
  int64_t file_delete_rate_mb = -1;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0) quick = true;
    if (std::strcmp(argv[i], "--dir") == 0 && i + 1 < argc) dir = argv[++i];
    if (std::strcmp(argv[i], "--file-delete-rate-mb") == 0 && i + 1 < argc) {
      file_delete_rate_mb = std::atoll(argv[++i]);
    }
  }
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::mt19937_64 rng(20261125);
  const size_t ingest_rows = quick ? 300000 : 2000000;
  const size_t scan_rows = quick ? 1000000 : 10000000;
  fmt::print("deltatunnel storage benchmark{} — rows of ~100 bytes, 16 buckets\n\n",
             quick ? " (--quick)" : "");
  if (file_delete_rate_mb >= 0) {
    fmt::print("obsolete files freed at {} MiB/s{}\n\n", file_delete_rate_mb,
               file_delete_rate_mb == 0 ? " (0: at once)" : "");
  }

  // 1. Ingest.
  const std::vector<RawRow> rows = MakeRows(ingest_rows, rng);
  const double wb = BaselineWriteBatch(dir + "/baseline-wb", rows);
  const double sst = BaselineSstIngest(dir + "/baseline-sst", rows);
  Bench b;
  b.dir = dir + "/engine";
  b.file_delete_rate_mb = file_delete_rate_mb;
  b.Open(true);
  b.Create("ingest", false);
  double engine_rate = 0;
  uint64_t engine_bytes = 0;
  {
    // Sessions of 100 k rows, appends of 10 k rows (a ~1 MiB request body).
    std::vector<std::vector<proto::RowBatch>> sessions;
    for (size_t i = 0; i < rows.size(); i += 100000) {
      std::vector<RawRow> part(rows.begin() + static_cast<long>(i),
                               rows.begin() + static_cast<long>(std::min(rows.size(), i + 100000)));
      sessions.push_back(b.Batches(part, 10000));
      for (const auto& batch : sessions.back()) engine_bytes += batch.bytes();
    }
    const auto t0 = Clock::now();
    for (const auto& s : sessions) b.Session(s, "ingest");
    engine_rate = static_cast<double>(rows.size()) / Seconds(t0, Clock::now());
  }
  const double mb = static_cast<double>(engine_bytes) / static_cast<double>(rows.size());
  fmt::print("ingest, {} rows (encoded {:.0f} bytes a row)\n", rows.size(), mb);
  fmt::print("  {:<52} {:>10.0f} rows/s {:>7.1f} MB/s\n",
             "RocksDB WriteBatch of 1000 random-key rows, WAL", wb, wb * 100 / 1e6);
  fmt::print("  {:<52} {:>10.0f} rows/s {:>7.1f} MB/s\n",
             "RocksDB sort + SstFileWriter + IngestExternalFile", sst, sst * 100 / 1e6);
  fmt::print("  {:<52} {:>10.0f} rows/s {:>7.1f} MB/s\n",
             "engine: sessions (append 10k-row batches + commit)", engine_rate,
             engine_rate * mb / 1e6);

  // 2. Commit latency by session size (commits synced).
  fmt::print("\ncommit latency (sync), appends of 10 k rows\n");
  b.Create("commits", false);
  for (size_t size : {size_t{1000}, size_t{100000}, size_t{1000000}}) {
    // 200 commits at 100 k rows: with 50, the nearest-rank p99 is the single worst commit.
    const int reps = size == 1000 ? 50 : size == 100000 ? (quick ? 5 : 200) : (quick ? 1 : 5);
    std::vector<double> lat;
    for (int r = 0; r < reps; ++r) {
      auto batches = b.Batches(MakeRows(size, rng), std::min<size_t>(size, 10000));
      lat.push_back(b.Session(batches, "commits") * 1000);
    }
    fmt::print("  {:>8} rows: p50 {:7.2f} ms  p99 {:7.2f} ms  max {:7.2f} ms  ({} commits)\n", size,
               Percentile(lat, 0.5), Percentile(lat, 0.99), Percentile(lat, 1.0), reps);
  }

  // 3. Scan and lookup on a table built by many commits.
  // No automatic compaction while it is built: the first figures are of 100 commits' deltas.
  b.Create("scan", false, {{"compaction.major.commit-threshold", "199"}});
  std::vector<int64_t> keys;
  {
    const size_t per_session = 100000;
    for (size_t done = 0; done < scan_rows; done += per_session) {
      auto part = MakeRows(per_session, rng);
      for (size_t i = 0; i < part.size(); i += 997) keys.push_back(part[i].k);
      b.Session(b.Batches(part, 10000), "scan");
    }
  }
  std::shuffle(keys.begin(), keys.end(), rng);
  keys.resize(std::min<size_t>(keys.size(), 5000));
  auto scan_and_lookup = [&](const char* when) -> bool {
    {
      storage::ScanOptions so;
      so.project = "bench";
      so.table = "scan";
      const auto t0 = Clock::now();
      auto it = Check(b.engine->Scan(so), "scan");
      size_t n = 0;
      for (; it->Valid(); it->Next()) ++n;
      Check(it->status(), "scan");
      const double secs = Seconds(t0, Clock::now());
      fmt::print("\nfull scan of {} rows after {} commits, {}: {:.0f} rows/s ({:.2f} s)\n", n,
                 scan_rows / 100000, when, static_cast<double>(n) / secs, secs);
    }
    {
      std::vector<double> lat;
      for (int64_t k : keys) {
        storage::LookupOptions lo;
        lo.project = "bench";
        lo.table = "scan";
        lo.keys.push_back({proto::Value(k)});
        const auto t0 = Clock::now();
        auto r = Check(b.engine->Lookup(lo), "lookup");
        lat.push_back(Seconds(t0, Clock::now()) * 1e3);
        if (r.rows.size() != 1) {
          fmt::print(stderr, "lookup of {} found {} rows\n", k, r.rows.size());
          return false;
        }
      }
      fmt::print("lookup of single keys ({}), {}: p50 {:.3f} ms  p99 {:.3f} ms\n", lat.size(), when,
                 Percentile(lat, 0.5), Percentile(lat, 0.99));
    }

    return true;
  };
  if (!scan_and_lookup("before compaction")) return 1;
  {
    b.engine->WaitForCompactions();  // automatic ones of the other tables
    const auto before = b.engine->Stats().compaction;
    const auto t0 = Clock::now();
    Check(b.engine->Compact("bench", "scan", std::nullopt).status(), "compact");
    b.engine->WaitForCompactions();
    const auto after = b.engine->Stats().compaction;
    fmt::print("\nmajor compaction of the {} commits: {:.2f} s, {:.0f} MB/s of input\n",
               scan_rows / 100000, Seconds(t0, Clock::now()),
               static_cast<double>(after.input_bytes - before.input_bytes) / 1e6 /
                   std::max(after.seconds - before.seconds, 1e-9));
  }
  if (!scan_and_lookup("after compaction")) return 1;

  // 4. Memory with 1000 sessions on 1000 partitions open at once, 100 rows appended to each.
  {
    b.Create("parts", true);
    const long before = RssKb();
    std::vector<std::string> ids;
    for (int p = 0; p < 1000; ++p) {
      storage::SessionOptions so;
      so.project = "bench";
      so.table = "parts";
      so.partition = fmt::format("ds={}", p);
      auto s = Check(b.engine->OpenSession(so), "session");
      auto batches = b.Batches(MakeRows(100, rng), 100);
      Check(b.engine->Append(s.id, batches[0]), "append");
      ids.push_back(s.id);
    }
    const long after = RssKb();
    fmt::print("\n1000 open sessions on 1000 partitions: RSS {} MiB -> {} MiB (peak {} MiB)\n",
               before / 1024, after / 1024, PeakRssKb() / 1024);
    for (const auto& id : ids) Check(b.engine->Commit(id).status(), "commit");
  }
  b.engine.reset();
  std::filesystem::remove_all(dir);
  return 0;
}
