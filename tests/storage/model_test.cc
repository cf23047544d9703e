// A model-based randomized test: random upserts (full and partial), deletes, commits, aborts,
// truncates and partition drops, reopens and reads (scans at random versions, lookups, changes)
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

using Key = std::pair<std::string, int64_t>;  // (partition, k)
using State = std::map<Key, Cell>;

struct Op {
  int64_t k;
  proto::RowOp op;
  bool partial;
  Cell cell;
};

struct ModelSession {
  std::string id;
  std::string ds;
  std::vector<Op> ops;
};

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
  }

  void Step() {
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
    s.id = Must(engine_->OpenSession(SessionOn("t", "ds=" + s.ds))).id;
    sessions_.push_back(std::move(s));
  }

  void Append() {
    ModelSession& s = sessions_[static_cast<size_t>(Pick(static_cast<int>(sessions_.size())))];
    Batcher b(info_);
    std::vector<Op> ops;
    const int n = Pick(10) == 0 ? 300 : 1 + Pick(20);
    for (int i = 0; i < n; ++i) {
      Op op;
      op.k = Pick(40);
      const int kind = Pick(10);
      op.partial = kind >= 7;
      op.op = kind < 2 ? proto::RowOp::kDelete : proto::RowOp::kUpsert;
      if (op.op == proto::RowOp::kDelete) {
        b.Delete(op.k);
      } else {
        if (Pick(5)) op.cell.v = "v" + std::to_string(Pick(1000));
        if (!op.partial && Pick(5)) op.cell.n = Pick(100) / 4.0;
        if (op.partial) {
          b.SetV(op.k, op.cell.v);
        } else {
          b.Upsert(op.k, op.cell.v, op.cell.n);
        }
      }
      ops.push_back(op);
    }
    MustOk(engine_->Append(s.id, b.batch()));
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
    for (const Op& op : s.ops) {
      const Key key{s.ds, op.k};
      written.insert(key);
      if (op.op == proto::RowOp::kDelete) {
        next.erase(key);
      } else if (op.partial) {
        auto it = next.find(key);
        Cell c = it == next.end() ? Cell{} : it->second;
        c.v = op.cell.v;
        next[key] = c;
      } else {
        next[key] = op.cell;
      }
    }
    states_.push_back(std::move(next));
    written_.push_back(std::move(written));
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
    State got;
    for (; it->Valid(); it->Next()) {
      const Key key{it->partition().values[0].as_string(), it->row()[0].as_int()};
      REQUIRE(got.count(key) == 0);
      got[key] = ToCell(it->row());
    }
    MustOk(it->status());
    State want;
    for (const auto& [key, cell] : states_[v]) {
      if (!ds || key.first == *ds) want[key] = cell;
    }
    INFO("scan at version " << v << " partition " << ds.value_or("*"));
    REQUIRE(got == want);
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
    std::vector<std::pair<int64_t, Cell>> want;
    for (int i = 0; i < 5; ++i) {
      const int64_t k = Pick(45);
      o.keys.push_back({proto::Value(k)});
      auto it = states_[v].find({ds, k});
      if (it != states_[v].end()) want.emplace_back(k, it->second);
    }
    auto res = Must(engine_->Lookup(o));
    REQUIRE(res.version == v);
    std::vector<std::pair<int64_t, Cell>> got;
    for (const auto& row : res.rows) got.emplace_back(row[0].as_int(), ToCell(row));
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
    std::map<Key, std::tuple<proto::RowOp, Cell, uint64_t>> got, want;
    for (; it->Valid(); it->Next()) {
      const Key key{it->partition().values[0].as_string(), it->row()[0].as_int()};
      REQUIRE(got.count(key) == 0);
      got[key] = {it->op(), it->op() == proto::RowOp::kUpsert ? ToCell(it->row()) : Cell{},
                  it->last_version()};
    }
    MustOk(it->status());
    for (uint64_t v = a + 1; v <= b; ++v) {
      for (const Key& key : written_[v]) {
        auto s = states_[b].find(key);
        if (s == states_[b].end()) {
          want[key] = {proto::RowOp::kDelete, Cell{}, v};
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
