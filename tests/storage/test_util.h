// Shared helpers of the storage tests: a temporary data dir, a movable clock, the test schema
// (`k BIGINT NOT NULL, v STRING, n DOUBLE`, optionally partitioned by `ds STRING`), and rows.
#pragma once

#include <atomic>
#include <catch2/catch.hpp>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "deltatunnel/proto/row_batch.h"
#include "deltatunnel/storage/engine.h"

namespace dt_test {

using namespace deltatunnel;
using namespace deltatunnel::storage;

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/dt_storage_test_XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

// A clock tests move by hand; starts at 2026-11-25T10:00:00Z.
struct TestClock {
  std::shared_ptr<std::atomic<int64_t>> now = std::make_shared<std::atomic<int64_t>>(1795600800000);
  std::function<int64_t()> fn() const {
    auto n = now;
    return [n] { return n->load(); };
  }
  void Advance(int64_t ms) { *now += ms; }
};

// A column type: kind, and DECIMAL(precision, scale) or VARCHAR/CHAR(length) where they apply.
inline proto::Type TypeOf(proto::TypeKind kind, int precision = 0, int scale = 0, int length = 0) {
  proto::Type t;
  t.kind = kind;
  t.precision = precision;
  t.scale = scale;
  t.length = length;
  return t;
}

inline proto::TableSchema KvSchema(bool partitioned = false) {
  proto::TableSchema s;
  s.columns.push_back({"k", proto::Type{proto::TypeKind::kBigint}, false, ""});
  s.columns.push_back({"v", proto::Type{proto::TypeKind::kString}, true, ""});
  s.columns.push_back({"n", proto::Type{proto::TypeKind::kDouble}, true, ""});
  s.primary_key = {0};
  if (partitioned)
    s.partition_columns.push_back({"ds", proto::Type{proto::TypeKind::kString}, true, ""});
  return s;
}

inline TableDef KvTable(const std::string& name, bool partitioned = false,
                        std::map<std::string, std::string> props = {}) {
  TableDef def;
  def.project = "p";
  def.name = name;
  def.schema = KvSchema(partitioned);
  def.properties = std::move(props);
  return def;
}

// A gate the compaction_pause hook waits at (threads: no Catch2 calls).
struct Gate {
  std::mutex mu;
  std::condition_variable cv;
  bool open = false;
  int waiting = 0;
  void Wait() {
    std::unique_lock lock(mu);
    ++waiting;
    cv.notify_all();
    cv.wait(lock, [&] { return open; });
    --waiting;
  }
  void Open() {
    std::lock_guard lock(mu);
    open = true;
    cv.notify_all();
  }
  void AwaitWaiter() {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return waiting > 0; });
  }
};

inline EngineOptions Options(const std::string& dir, const TestClock& clock) {
  EngineOptions o;
  o.data_dir = dir;
  o.sync_commits = false;
  o.clock_ms = clock.fn();
  return o;
}

template <typename T>
T Must(Result<T> r) {
  // Catch2 v2 is not thread-safe: only a failure (which ends the test anyway) goes through it, so
  // writer threads may call these.
  if (!r.ok()) FAIL(r.status().ToString());
  return std::move(r).value();
}

inline void MustOk(const Status& s) {
  if (!s.ok()) FAIL(s.ToString());
}

// The expected state of one row: (v, n), either may be null.
struct Cell {
  std::optional<std::string> v;
  std::optional<double> n;
  friend bool operator==(const Cell&, const Cell&) = default;
};
using Rows = std::map<int64_t, Cell>;

inline proto::Row MakeRow(int64_t k, std::optional<std::string> v, std::optional<double> n) {
  proto::Row r(3);
  r[0] = proto::Value(k);
  if (v) r[1] = proto::Value(*v);
  if (n) r[2] = proto::Value(*n);
  return r;
}

inline Cell ToCell(const proto::Row& r) {
  Cell c;
  if (!r[1].is_null()) c.v = r[1].as_string();
  if (!r[2].is_null()) c.n = r[2].as_double();
  return c;
}

// Builds batches for one table; keeps the schema the batch points to alive.
class Batcher {
 public:
  explicit Batcher(const TableInfo& info)
      : schema_(std::make_unique<proto::TableSchema>(info.schema)),
        batch_(*schema_, info.hasher, info.bucket_num) {}
  Batcher& Upsert(int64_t k, std::optional<std::string> v, std::optional<double> n = 1.0) {
    MustOk(batch_.Add(MakeRow(k, std::move(v), n), proto::RowOp::kUpsert));
    return *this;
  }
  // A partial upsert of column v only.
  Batcher& SetV(int64_t k, std::optional<std::string> v) {
    std::vector<int> cols = {1};
    MustOk(batch_.Add(MakeRow(k, std::move(v), std::nullopt), proto::RowOp::kUpsert, &cols));
    return *this;
  }
  Batcher& Delete(int64_t k) {
    MustOk(batch_.Add(MakeRow(k, std::nullopt, std::nullopt), proto::RowOp::kDelete));
    return *this;
  }
  proto::RowBatch& batch() { return batch_; }

 private:
  std::unique_ptr<proto::TableSchema> schema_;
  proto::RowBatch batch_;
};

inline Rows ScanRows(Engine& e, const std::string& table, VersionSpec at = {},
                     std::optional<std::string> partition = std::nullopt,
                     uint64_t* version = nullptr) {
  ScanOptions o;
  o.project = "p";
  o.table = table;
  o.partition = std::move(partition);
  o.at = at;
  auto it = Must(e.Scan(o));
  Rows rows;
  for (; it->Valid(); it->Next()) {
    const int64_t k = it->row()[0].as_int();
    REQUIRE(rows.count(k) == 0);  // one row per key (promise 4)
    rows[k] = ToCell(it->row());
  }
  MustOk(it->status());
  if (version) *version = it->version();
  return rows;
}

// One scan of table `table` at its latest version, for readers on their own thread (no Catch2
// assertions: Catch2 v2 is not thread-safe): the version it read, the distinct values of column 1
// and the row count; ok is false when the scan failed.
struct TagScan {
  bool ok = false;
  uint64_t version = 0;
  std::set<std::string> tags;
  int64_t rows = 0;
};

inline TagScan ScanTags(Engine& e, const std::string& table) {
  ScanOptions o;
  o.project = "p";
  o.table = table;
  TagScan out;
  auto it = e.Scan(o);
  if (!it.ok()) return out;
  for (; (*it)->Valid(); (*it)->Next(), ++out.rows) out.tags.insert((*it)->row()[1].as_string());
  out.version = (*it)->version();
  out.ok = (*it)->status().ok();
  return out;
}

inline VersionSpec AtVersion(uint64_t v) {
  VersionSpec s;
  s.version = v;
  return s;
}

inline SessionOptions SessionOn(const std::string& table, const std::string& partition = "") {
  SessionOptions o;
  o.project = "p";
  o.table = table;
  o.partition = partition;
  return o;
}

}  // namespace dt_test
