// A model-based randomized test: random upserts (full and partial), deletes, commits, aborts,
// truncates and partition drops, schema changes (columns added with and without defaults, renamed,
// widened; sessions opened before a change commit after it), reopens and reads (scans at random
// versions with the schema of each, lookups, changes)
// against a simple in-memory model of the table, compared after every step. Major compactions run
// beside it on the compactor's own thread, automatically (a threshold of 3 commits) and on request
// at random points, and time moves on so that retention expires old versions and reclaims their
// runs: every version inside retention must still read as the model says (promises 5, 6), every
// older one VersionExpired. The seed is printed on failure; the [.stress] variant runs longer with
// a seed from the clock.
#include <chrono>
#include <random>
#include <set>

#include "model_backend.h"
#include "test_util.h"

using namespace dt_test;

namespace {

using Key = std::pair<std::string, int64_t>;         // (partition, k)
using Extras = std::vector<std::optional<int64_t>>;  // the added columns' values, in order

// A row: the creation schema's v and n, and the columns added since.
struct Full {
  Cell cell;
  Extras extras;
  friend bool operator==(const Full&, const Full&) = default;
};
using State = std::map<Key, Full>;

// The table's data columns at a version: k, v, n, then the added columns (INT or BIGINT).
struct ModelSchema {
  std::vector<std::string> names = {"k", "v", "n"};
  std::vector<std::string> types = {"BIGINT", "STRING", "DOUBLE"};
  Extras defaults;  // of the added columns
  size_t extras() const { return defaults.size(); }
};

struct Op {
  int64_t k;
  proto::RowOp op;
  bool partial;
  Cell cell;
  Extras extras;  // a full upsert: one per added column the session's schema has
};

struct ModelSession {
  std::string id;
  std::string ds;
  std::shared_ptr<const proto::TableSchema> schema;  // the table's when it opened
  size_t extras = 0;                                 // added columns in it
  std::vector<Op> ops;
};

Full ToFull(const proto::Row& r) {
  Full f{ToCell(r), {}};
  for (size_t i = 3; i < r.size(); ++i) {
    f.extras.push_back(r[i].is_null() ? std::nullopt : std::optional(r[i].as_int()));
  }
  return f;
}

}  // namespace

namespace Catch {
template <>
struct StringMaker<Full> {
  static std::string convert(const Full& f) {
    std::string s = "{v=" + f.cell.v.value_or("null") +
                    " n=" + (f.cell.n ? std::to_string(*f.cell.n) : "null") + " extras=";
    for (const auto& e : f.extras) s += (e ? std::to_string(*e) : "null") + ",";
    return s + "}";
  }
};
}  // namespace Catch

namespace {

class ModelRun {
 public:
  explicit ModelRun(uint64_t seed) : rng_(seed) {
    engine_ = Must(OpenModelEngine(Options(dir_.path, clock_)));
    info_ = Must(engine_->CreateTable(KvTable("t", true,
                                              {{"write.bucket.num", "4"},
                                               {"acid.partial.fields.update.enable", "true"},
                                               {"compaction.major.commit-threshold", "3"},
                                               {"acid.data.retain.hours", "1"}})));
    states_.emplace_back();
    written_.emplace_back();
    commit_times_.push_back(0);
    schemas_.emplace_back();
  }

  void Step() {
    if (Pick(60) == 0) return ChangeSchema();
    const int r = Pick(100);
    if (r < 8 || sessions_.empty()) return OpenSession();
    if (r < 40) return Append();
    if (r < 52) return Commit();
    if (r < 56) return Abort();
    if (r < 58) return Reopen();
    if (r < 62) return Compact();
    if (r < 63) return engine_->WaitForCompactions();
    if (r < 65) return MoveTime();
    if (r < 66) return Truncate();
    if (r < 67) return DropPartition();
    if (r < 68) return CheckPartitions();
    if (r < 79) return CheckScan();
    if (r < 89) return CheckLookup();
    if (r < 90) return CheckExpired();
    return CheckChanges();
  }

  void CheckLatest() { CheckScanAt(states_.size() - 1, std::nullopt); }

 private:
  int Pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  std::string Partition() { return Pick(2) ? "a" : "b"; }

  void OpenSession() {
    if (sessions_.size() >= 4) return;
    ModelSession s;
    s.ds = Partition();
    SessionInfo info = Must(engine_->OpenSession(SessionOn("t", "ds=" + s.ds)));
    s.id = info.id;
    s.schema = info.schema;
    s.extras = s.schema->columns.size() - 3;
    REQUIRE(s.extras == schemas_.back().extras());
    sessions_.push_back(std::move(s));
  }

  void Append() {
    ModelSession& s = sessions_[static_cast<size_t>(Pick(static_cast<int>(sessions_.size())))];
    proto::RowBatch batch(*s.schema, info_.hasher, info_.bucket_num);
    std::vector<Op> ops;
    const int n = Pick(10) == 0 ? 300 : 1 + Pick(20);
    for (int i = 0; i < n; ++i) {
      Op op;
      op.k = Pick(40);
      const int kind = Pick(10);
      op.partial = kind >= 7;
      op.op = kind < 2 ? proto::RowOp::kDelete : proto::RowOp::kUpsert;
      proto::Row row(s.schema->columns.size());
      row[0] = proto::Value(op.k);
      if (op.op == proto::RowOp::kDelete) {
        MustOk(batch.Add(std::move(row), proto::RowOp::kDelete));
      } else {
        if (Pick(5)) op.cell.v = "v" + std::to_string(Pick(1000));
        if (op.cell.v) row[1] = proto::Value(*op.cell.v);
        if (op.partial) {
          std::vector<int> cols = {1};
          MustOk(batch.Add(std::move(row), proto::RowOp::kUpsert, &cols));
        } else {
          if (Pick(5)) op.cell.n = Pick(100) / 4.0;
          if (op.cell.n) row[2] = proto::Value(*op.cell.n);
          for (size_t e = 0; e < s.extras; ++e) {
            op.extras.push_back(Pick(3) ? std::optional<int64_t>(Pick(1000)) : std::nullopt);
            if (op.extras.back()) row[3 + e] = proto::Value(*op.extras.back());
          }
          MustOk(batch.Add(std::move(row), proto::RowOp::kUpsert));
        }
      }
      ops.push_back(op);
    }
    MustOk(engine_->Append(s.id, batch));
    s.ops.insert(s.ops.end(), ops.begin(), ops.end());
  }

  void Commit() {
    const size_t i = static_cast<size_t>(Pick(static_cast<int>(sessions_.size())));
    ModelSession s = std::move(sessions_[i]);
    sessions_.erase(sessions_.begin() + static_cast<long>(i));
    auto info = Must(engine_->Commit(s.id));
    REQUIRE(info.commit_version == states_.size());
    commit_times_.push_back(*clock_.now);
    existing_.insert(s.ds);
    State next = states_.back();
    std::set<Key> written;
    // The columns added after the session opened: its rows read their defaults (a partial
    // upsert's too, where no older write gives them).
    const Extras& defaults = schemas_.back().defaults;
    const Extras later(defaults.begin() + static_cast<long>(s.extras), defaults.end());
    for (const Op& op : s.ops) {
      const Key key{s.ds, op.k};
      written.insert(key);
      if (op.op == proto::RowOp::kDelete) {
        next.erase(key);
      } else if (op.partial) {
        auto it = next.find(key);
        Full f;
        if (it != next.end()) {
          f = it->second;
        } else {
          f.extras.assign(s.extras, std::nullopt);
          f.extras.insert(f.extras.end(), later.begin(), later.end());
        }
        f.cell.v = op.cell.v;
        next[key] = f;
      } else {
        Full f{op.cell, op.extras};
        f.extras.insert(f.extras.end(), later.begin(), later.end());
        next[key] = f;
      }
    }
    states_.push_back(std::move(next));
    written_.push_back(std::move(written));
    schemas_.push_back(schemas_.back());
  }

  // A random schema change: columns added (INT, with or without a default), one renamed, an INT
  // widened to BIGINT; or one the engine must refuse, which changes nothing.
  void ChangeSchema() {
    ModelSchema next = schemas_.back();
    SchemaChange change;
    const int kind = Pick(4);
    if (kind == 0) {
      change.widenings.push_back({"k", proto::Type{proto::TypeKind::kString}});  // the key
      auto refused = engine_->AlterSchema("p", "t", change);
      REQUIRE(refused.status().code() == ErrorCode::kInvalidArgument);
      REQUIRE(Must(engine_->DescribeTable("p", "t")).version == states_.size() - 1);
      return;
    }
    if (kind == 1 && next.extras() < 6) {
      const int n = 1 + Pick(2);
      for (int i = 0; i < n; ++i) {
        proto::Column c{"x" + std::to_string(++added_), proto::Type{proto::TypeKind::kInt}, true,
                        ""};
        std::optional<int64_t> d;
        if (Pick(2)) {
          d = Pick(100);
          c.default_value = proto::Value(*d);
        }
        change.add_columns.push_back(c);
        next.names.push_back(c.name);
        next.types.push_back("INT");
        next.defaults.push_back(d);
      }
    } else if (kind == 2) {
      const size_t i = 1 + static_cast<size_t>(Pick(static_cast<int>(next.names.size() - 1)));
      const std::string to = "r" + std::to_string(++added_);
      change.renames.push_back({next.names[i], to});
      next.names[i] = to;
    } else {
      for (size_t i = 3; i < next.types.size(); ++i) {
        if (next.types[i] == "INT") {
          change.widenings.push_back({next.names[i], proto::Type{proto::TypeKind::kBigint}});
          next.types[i] = "BIGINT";
          break;
        }
      }
      if (change.widenings.empty()) return;
    }
    const TableInfo altered = Must(engine_->AlterSchema("p", "t", change));
    REQUIRE(altered.version == states_.size());
    commit_times_.push_back(*clock_.now);
    State state = states_.back();
    for (auto& [key, full] : state) {
      for (size_t e = full.extras.size(); e < next.extras(); ++e) {
        full.extras.push_back(next.defaults[e]);
      }
    }
    states_.push_back(std::move(state));
    written_.emplace_back();
    schemas_.push_back(std::move(next));
  }

  // Truncates one partition, or every one; a version per partition truncated, in spec order.
  void Truncate() {
    std::optional<std::string> ds;
    if (Pick(3) != 0) ds = Partition();
    auto made = engine_->Truncate("p", "t", ds ? std::optional("ds=" + *ds) : std::nullopt);
    if (ds && existing_.count(*ds) == 0) {
      REQUIRE(made.status().code() == ErrorCode::kNoSuchPartition);
      return;
    }
    std::vector<std::string> parts;
    if (ds) {
      parts.push_back(*ds);
    } else {
      parts.assign(existing_.begin(), existing_.end());
    }
    CheckCleared(Must(std::move(made)), parts, CommitOperation::kTruncate);
  }

  // Drops one partition (or, with IF EXISTS, one that may not exist); its sessions are aborted.
  void DropPartition() {
    const std::string ds = Partition();
    const bool if_exists = Pick(2) == 0;
    auto made = engine_->DropPartitions("p", "t", {"ds=" + ds}, if_exists);
    if (existing_.count(ds) == 0) {
      if (if_exists) {
        REQUIRE(Must(std::move(made)).empty());
      } else {
        REQUIRE(made.status().code() == ErrorCode::kNoSuchPartition);
      }
      return;
    }
    CheckCleared(Must(std::move(made)), {ds}, CommitOperation::kDropPartition);
    for (auto it = sessions_.begin(); it != sessions_.end();) {
      if (it->ds != ds) {
        ++it;
        continue;
      }
      REQUIRE(Must(engine_->GetSession(it->id)).status == SessionStatus::kAborted);
      it = sessions_.erase(it);
    }
    existing_.erase(ds);
  }

  // The versions a truncate or drop made: one per partition, each deleting what it held.
  void CheckCleared(const std::vector<CommitInfo>& made, const std::vector<std::string>& parts,
                    CommitOperation op) {
    REQUIRE(made.size() == parts.size());
    for (size_t i = 0; i < parts.size(); ++i) {
      REQUIRE(made[i].version == states_.size());
      REQUIRE(made[i].partition == "ds=" + parts[i]);
      REQUIRE(made[i].operation == op);
      commit_times_.push_back(made[i].committed_at_ms);
      State next = states_.back();
      std::set<Key> written;
      for (auto it = next.begin(); it != next.end();) {
        if (it->first.first != parts[i]) {
          ++it;
          continue;
        }
        written.insert(it->first);
        it = next.erase(it);
      }
      states_.push_back(std::move(next));
      written_.push_back(std::move(written));
      schemas_.push_back(schemas_.back());
    }
  }

  void CheckPartitions() {
    std::set<std::string> got;
    for (const auto& p : Must(engine_->ListPartitions("p", "t"))) got.insert(p.partition);
    std::set<std::string> want;
    for (const auto& ds : existing_) want.insert("ds=" + ds);
    REQUIRE(got == want);
    REQUIRE(Must(engine_->DescribeTable("p", "t")).partitions == want.size());
  }

  void Abort() {
    const size_t i = static_cast<size_t>(Pick(static_cast<int>(sessions_.size())));
    MustOk(engine_->Abort(sessions_[i].id).status());
    sessions_.erase(sessions_.begin() + static_cast<long>(i));
  }

  void Reopen() {
    engine_.reset();
    engine_ = Must(OpenModelEngine(Options(dir_.path, clock_)));
    for (const auto& s : sessions_) {
      REQUIRE(Must(engine_->GetSession(s.id)).status == SessionStatus::kNormal);
    }
  }

  void Compact() {
    std::optional<std::string> ds;
    if (Pick(3) != 0) ds = "ds=" + Partition();
    auto c = Must(engine_->Compact("p", "t", ds));
    REQUIRE((c.state == "queued" || c.state == "running" || c.state == "done"));
  }

  // Moves the clock on by up to 20 minutes (retention is 1 h) and reclaims what expired.
  void MoveTime() {
    clock_.Advance(Pick(20 * 60) * 1000);
    engine_->ReclaimExpiredVersions();
  }

  // The oldest version inside retention: V is readable while it is the latest or while commit V+1
  // is younger than an hour.
  uint64_t OldestReadable() const {
    uint64_t v = states_.size() - 1;
    while (v > 0 && commit_times_[v] > *clock_.now - 3600 * 1000) --v;
    return v;
  }

  uint64_t RandomVersion() {
    const uint64_t oldest = OldestReadable();
    return oldest + static_cast<uint64_t>(Pick(static_cast<int>(states_.size() - oldest)));
  }

  void CheckExpired() {
    const uint64_t oldest = OldestReadable();
    if (oldest == 0) return;
    ScanOptions o;
    o.project = "p";
    o.table = "t";
    o.at = AtVersion(static_cast<uint64_t>(Pick(static_cast<int>(oldest))));
    auto it = engine_->Scan(o);
    INFO("scan at expired version " << *o.at.version << ", oldest readable " << oldest);
    REQUIRE(it.status().code() == ErrorCode::kVersionExpired);
  }

  void CheckScanAt(uint64_t v, const std::optional<std::string>& ds) {
    ScanOptions o;
    o.project = "p";
    o.table = "t";
    if (ds) o.partition = "ds=" + *ds;
    o.at = AtVersion(v);
    auto it = Must(engine_->Scan(o));
    CheckSchema(it->schema(), v);
    State got;
    for (; it->Valid(); it->Next()) {
      const Key key{it->partition().values[0].as_string(), it->row()[0].as_int()};
      REQUIRE(got.count(key) == 0);
      got[key] = ToFull(it->row());
    }
    MustOk(it->status());
    State want;
    for (const auto& [key, cell] : states_[v]) {
      if (!ds || key.first == *ds) want[key] = cell;
    }
    INFO("scan at version " << v << " partition " << ds.value_or("*"));
    for (const auto& [key, full] : want) {
      INFO("key " << key.first << "/" << key.second);
      REQUIRE(got.count(key) == 1);
      REQUIRE(got[key] == full);
    }
    REQUIRE(got == want);
  }

  // The schema a read at `v` answers: the model's columns at that version.
  void CheckSchema(const proto::TableSchema& schema, uint64_t v) {
    const ModelSchema& want = schemas_[v];
    INFO("schema at version " << v);
    REQUIRE(schema.columns.size() == want.names.size());
    for (size_t i = 0; i < want.names.size(); ++i) {
      REQUIRE(schema.columns[i].name == want.names[i]);
      REQUIRE(schema.columns[i].type.ToString() == want.types[i]);
    }
  }

  void CheckScan() {
    CheckScanAt(RandomVersion(), Pick(2) ? std::optional(Partition()) : std::nullopt);
  }

  void CheckLookup() {
    const uint64_t v = RandomVersion();
    LookupOptions o;
    o.project = "p";
    o.table = "t";
    const std::string ds = Partition();
    o.partition = "ds=" + ds;
    o.at = AtVersion(v);
    std::vector<std::pair<int64_t, Full>> want;
    for (int i = 0; i < 5; ++i) {
      const int64_t k = Pick(45);
      o.keys.push_back({proto::Value(k)});
      auto it = states_[v].find({ds, k});
      if (it != states_[v].end()) want.emplace_back(k, it->second);
    }
    auto res = Must(engine_->Lookup(o));
    REQUIRE(res.version == v);
    CheckSchema(*res.schema, v);
    std::vector<std::pair<int64_t, Full>> got;
    for (const auto& row : res.rows) got.emplace_back(row[0].as_int(), ToFull(row));
    INFO("lookup at version " << v);
    REQUIRE(got == want);
  }

  void CheckChanges() {
    uint64_t a = RandomVersion(), b = RandomVersion();
    if (a > b) std::swap(a, b);
    ChangesOptions o;
    o.project = "p";
    o.table = "t";
    o.from_version = a;
    o.to_version = b;
    auto it = Must(engine_->Changes(o));
    REQUIRE(it->version() == b);
    CheckSchema(it->schema(), b);
    std::map<Key, std::tuple<proto::RowOp, Full, uint64_t>> got, want;
    for (; it->Valid(); it->Next()) {
      const Key key{it->partition().values[0].as_string(), it->row()[0].as_int()};
      REQUIRE(got.count(key) == 0);
      got[key] = {it->op(), it->op() == proto::RowOp::kUpsert ? ToFull(it->row()) : Full{},
                  it->last_version()};
    }
    MustOk(it->status());
    for (uint64_t v = a + 1; v <= b; ++v) {
      for (const Key& key : written_[v]) {
        auto s = states_[b].find(key);
        if (s == states_[b].end()) {
          want[key] = {proto::RowOp::kDelete, Full{}, v};
        } else {
          want[key] = {proto::RowOp::kUpsert, s->second, v};
        }
      }
    }
    INFO("changes (" << a << ", " << b << "]");
    for (const auto& [key, w] : want) {
      auto g = got.find(key);
      INFO("key " << key.first << "/" << key.second << " want op "
                  << static_cast<int>(std::get<0>(w)) << " at " << std::get<2>(w));
      REQUIRE(g != got.end());
      INFO("got op " << static_cast<int>(std::get<0>(g->second)) << " at "
                     << std::get<2>(g->second));
      REQUIRE(g->second == w);
    }
    REQUIRE(got.size() == want.size());
  }

  TempDir dir_;
  TestClock clock_;
  std::mt19937_64 rng_;
  std::unique_ptr<Engine> engine_;
  TableInfo info_;
  std::vector<State> states_;           // [v]: the table at version v
  std::vector<std::set<Key>> written_;  // [v]: keys written by commit v
  std::vector<int64_t> commit_times_;   // [v]: the clock at commit v
  std::vector<ModelSchema> schemas_;    // [v]: the table's columns at version v
  int added_ = 0;                       // names made so far
  std::vector<ModelSession> sessions_;
  std::set<std::string> existing_;  // partitions listed: committed to, not dropped since
};

void RunModel(uint64_t seed, int steps) {
  INFO("model test seed " << seed << " (rerun with this seed to reproduce)");
  ModelRun run(seed);
  for (int i = 0; i < steps; ++i) {
    INFO("step " << i);
    run.Step();
    run.CheckLatest();
  }
}

}  // namespace

TEST_CASE("model: random sessions and reads match the model", "[storage][model]") {
  for (uint64_t seed : {42u, 2026u}) RunModel(seed, 800);
}

TEST_CASE("model: long random runs", "[storage][model][.stress]") {
  const auto seed =
      static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  for (uint64_t i = 0; i < 5; ++i) RunModel(seed + i, 20000);
}
