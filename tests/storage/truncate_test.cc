// Truncate and partition drop (engine_truncate.cc): a version of their own that deletes every row
// of a partition, time travel to the versions before it, the partition's listing, the sessions of
// a dropped partition, a compaction pinned below a truncate, retention freeing the truncated runs,
// and the errors. Random interleavings with everything else are in model_test.cc; kills in the
// middle of truncates are in crash_test.cc.
#include <thread>

#include "test_util.h"

using namespace dt_test;

namespace {

void Write(Engine& e, const TableInfo& info, const std::string& partition,
           std::vector<std::pair<int64_t, std::string>> rows) {
  auto s = Must(e.OpenSession(SessionOn(info.name, partition)));
  Batcher b(info);
  for (const auto& [k, v] : rows) b.Upsert(k, v);
  MustOk(e.Append(s.id, b.batch()));
  Must(e.Commit(s.id));
}

Rows RowsOf(std::vector<std::pair<int64_t, std::string>> rows) {
  Rows out;
  for (const auto& [k, v] : rows) out[k] = Cell{v, 1.0};
  return out;
}

std::set<std::string> Listed(Engine& e) {
  std::set<std::string> out;
  for (const auto& p : Must(e.ListPartitions("p", "t"))) out.insert(p.partition);
  return out;
}

}  // namespace

TEST_CASE("truncate: a version that empties the partition; older versions read as before",
          "[storage][truncate]") {
  TempDir dir;
  TestClock clock;
  auto e = Must(Engine::Open(Options(dir.path, clock)));
  auto info = Must(e->CreateTable(KvTable("t", true, {{"write.bucket.num", "4"}})));
  Write(*e, info, "ds=a", {{1, "a1"}, {2, "a2"}});
  Write(*e, info, "ds=b", {{1, "b1"}});

  auto made = Must(e->Truncate("p", "t", std::string("ds=a")));
  REQUIRE(made.size() == 1);
  CHECK(made[0].version == 3);
  CHECK(made[0].partition == "ds=a");
  CHECK(made[0].operation == CommitOperation::kTruncate);
  CHECK(ScanRows(*e, "t", {}, std::string("ds=a")).empty());
  CHECK(ScanRows(*e, "t", {}, std::string("ds=b")) == RowsOf({{1, "b1"}}));
  CHECK(ScanRows(*e, "t", AtVersion(2), std::string("ds=a")) == RowsOf({{1, "a1"}, {2, "a2"}}));
  CHECK(Listed(*e) == std::set<std::string>{"ds=a", "ds=b"});  // truncated, still there
  for (const auto& p : Must(e->ListPartitions("p", "t"))) {
    // Each partition's last version, and when it was made (the clock stood still: all at once).
    CHECK(p.version == (p.partition == "ds=a" ? 3u : 2u));
    CHECK(p.committed_at_ms == clock.now->load());
  }
  auto desc = Must(e->DescribeTable("p", "t"));
  CHECK(desc.version == 3);
  CHECK(desc.partitions == 2);

  // Lookups, and changes across it: each key that existed is deleted at the truncate's version.
  LookupOptions lo;
  lo.project = "p";
  lo.table = "t";
  lo.partition = "ds=a";
  lo.keys = {{proto::Value(int64_t{1})}};
  CHECK(Must(e->Lookup(lo)).rows.empty());
  lo.at = AtVersion(2);
  CHECK(Must(e->Lookup(lo)).rows.size() == 1);
  ChangesOptions co;
  co.project = "p";
  co.table = "t";
  co.partition = "ds=a";
  co.from_version = 1;
  co.to_version = 3;
  std::map<int64_t, std::pair<proto::RowOp, uint64_t>> changes;
  {
    auto it = Must(e->Changes(co));  // destroyed before the engine (engine.h)
    for (; it->Valid(); it->Next()) changes[it->row()[0].as_int()] = {it->op(), it->last_version()};
    MustOk(it->status());
  }
  CHECK(changes == std::map<int64_t, std::pair<proto::RowOp, uint64_t>>{
                       {1, {proto::RowOp::kDelete, 3}}, {2, {proto::RowOp::kDelete, 3}}});

  // A session open across the truncate commits after it: only its own rows.
  auto s = Must(e->OpenSession(SessionOn("t", "ds=b")));
  Batcher b(info);
  b.Upsert(7, "b7");
  MustOk(e->Append(s.id, b.batch()));
  made = Must(e->Truncate("p", "t", std::nullopt));  // every partition: a version each
  REQUIRE(made.size() == 2);
  CHECK(made[0].partition == "ds=a");
  CHECK(made[1].partition == "ds=b");
  CHECK(made[1].version == 5);
  CHECK(Must(e->Commit(s.id)).commit_version == 6);
  CHECK(ScanRows(*e, "t") == RowsOf({{7, "b7"}}));
  CHECK(ScanRows(*e, "t", AtVersion(4), std::string("ds=b")) == RowsOf({{1, "b1"}}));

  // The commit log says what each version did; all of it survives a reopen.
  auto versions = Must(e->Versions("p", "t", 10));
  REQUIRE(versions.size() == 6);
  CHECK(versions[0].operation == CommitOperation::kCommit);
  CHECK(versions[1].operation == CommitOperation::kTruncate);
  CHECK(versions[1].session.empty());
  e.reset();
  e = Must(Engine::Open(Options(dir.path, clock)));
  CHECK(ScanRows(*e, "t") == RowsOf({{7, "b7"}}));
  CHECK(ScanRows(*e, "t", AtVersion(2), std::string("ds=a")) == RowsOf({{1, "a1"}, {2, "a2"}}));
  CHECK(ScanRows(*e, "t", AtVersion(3), std::string("ds=b")) == RowsOf({{1, "b1"}}));
  CHECK(ScanRows(*e, "t", AtVersion(5)).empty());
  CHECK(Must(e->Versions("p", "t", 10)).size() == 6);
}

TEST_CASE("truncate: errors leave nothing behind", "[storage][truncate]") {
  TempDir dir;
  TestClock clock;
  auto e = Must(Engine::Open(Options(dir.path, clock)));
  auto info = Must(e->CreateTable(KvTable("t", true)));
  Must(e->CreateTable(KvTable("flat", false)));
  Write(*e, info, "ds=a", {{1, "a1"}});

  CHECK(e->Truncate("p", "t", std::string("ds=zz")).status().code() == ErrorCode::kNoSuchPartition);
  CHECK(e->Truncate("p", "t", std::string("nope=1")).status().code() ==
        ErrorCode::kInvalidArgument);
  CHECK(e->Truncate("p", "missing", std::nullopt).status().code() == ErrorCode::kNoSuchTable);
  CHECK(e->DropPartitions("p", "t", {"ds=zz"}, false).status().code() ==
        ErrorCode::kNoSuchPartition);
  // One missing partition refuses the whole drop.
  CHECK(e->DropPartitions("p", "t", {"ds=a", "ds=zz"}, false).status().code() ==
        ErrorCode::kNoSuchPartition);
  CHECK(e->DropPartitions("p", "flat", {""}, false).status().code() == ErrorCode::kInvalidArgument);
  CHECK(Must(e->DropPartitions("p", "t", {"ds=zz"}, true)).empty());
  // A table never written has nothing to truncate: no version.
  CHECK(Must(e->Truncate("p", "flat", std::nullopt)).empty());
  CHECK(Must(e->DescribeTable("p", "t")).version == 1);
  CHECK(ScanRows(*e, "t") == RowsOf({{1, "a1"}}));
}

TEST_CASE("drop partition: unlisted, its sessions aborted, back with the next commit",
          "[storage][truncate]") {
  TempDir dir;
  TestClock clock;
  auto e = Must(Engine::Open(Options(dir.path, clock)));
  auto info = Must(e->CreateTable(KvTable("t", true)));
  Write(*e, info, "ds=a", {{1, "a1"}});
  Write(*e, info, "ds=b", {{1, "b1"}});
  Write(*e, info, "ds=c", {{1, "c1"}});
  auto on_a = Must(e->OpenSession(SessionOn("t", "ds=a")));
  auto on_c = Must(e->OpenSession(SessionOn("t", "ds=c")));
  Batcher b(info);
  b.Upsert(5, "x");
  MustOk(e->Append(on_a.id, b.batch()));
  MustOk(e->Append(on_c.id, b.batch()));

  // Two partitions (any spec order, repeated, or missing with IF EXISTS) in one step.
  auto made = Must(e->DropPartitions("p", "t", {"ds=a", "ds=b", "ds=a", "ds=q"}, true));
  REQUIRE(made.size() == 2);
  CHECK(made[0].version == 4);
  CHECK(made[1].version == 5);
  CHECK(made[0].operation == CommitOperation::kDropPartition);
  CHECK(Listed(*e) == std::set<std::string>{"ds=c"});
  CHECK(Must(e->DescribeTable("p", "t")).partitions == 1);
  CHECK(ScanRows(*e, "t") == RowsOf({{1, "c1"}}));
  CHECK(ScanRows(*e, "t", AtVersion(3), std::string("ds=b")) == RowsOf({{1, "b1"}}));
  CHECK(ScanRows(*e, "t", AtVersion(3), std::string("ds=a")) == RowsOf({{1, "a1"}}));
  CHECK(Must(e->GetSession(on_a.id)).status == SessionStatus::kAborted);
  CHECK(e->Commit(on_a.id).status().code() == ErrorCode::kStatusConflict);
  CHECK(Must(e->Commit(on_c.id)).commit_version == 6);  // another partition's: untouched
  CHECK(e->DropPartitions("p", "t", {"ds=a"}, false).status().code() ==
        ErrorCode::kNoSuchPartition);

  // Reopened: still dropped. A commit brings the partition back with only its own rows.
  e.reset();
  e = Must(Engine::Open(Options(dir.path, clock)));
  CHECK(Listed(*e) == std::set<std::string>{"ds=c"});
  Write(*e, info, "ds=a", {{9, "a9"}});
  CHECK(Listed(*e) == std::set<std::string>{"ds=a", "ds=c"});
  CHECK(ScanRows(*e, "t", {}, std::string("ds=a")) == RowsOf({{9, "a9"}}));
  e.reset();
  e = Must(Engine::Open(Options(dir.path, clock)));
  CHECK(Listed(*e) == std::set<std::string>{"ds=a", "ds=c"});
  CHECK(ScanRows(*e, "t", {}, std::string("ds=a")) == RowsOf({{9, "a9"}}));
}

TEST_CASE("truncate: a compaction pinned below it is not published", "[storage][truncate]") {
  TempDir dir;
  TestClock clock;
  Gate gate;
  EngineOptions options = Options(dir.path, clock);
  options.compaction_pause = [&gate] { gate.Wait(); };
  auto e = Must(Engine::Open(options));
  auto info = Must(e->CreateTable(KvTable("t", false, {{"write.bucket.num", "2"}})));
  Write(*e, info, "", {{1, "one"}, {2, "two"}});
  Write(*e, info, "", {{3, "three"}});
  Must(e->Compact("p", "t", std::nullopt));
  gate.AwaitWaiter();  // its bases written at version 2, not published
  Must(e->Truncate("p", "t", std::nullopt));
  Write(*e, info, "", {{4, "four"}});
  gate.Open();
  e->WaitForCompactions();
  auto done = e->Compactions();
  REQUIRE(done.size() == 1);
  CHECK(ScanRows(*e, "t") == RowsOf({{4, "four"}}));
  CHECK(ScanRows(*e, "t", AtVersion(2)) == RowsOf({{1, "one"}, {2, "two"}, {3, "three"}}));
  e.reset();
  options.compaction_pause = nullptr;
  e = Must(Engine::Open(options));
  CHECK(ScanRows(*e, "t") == RowsOf({{4, "four"}}));
  CHECK(ScanRows(*e, "t", AtVersion(2)) == RowsOf({{1, "one"}, {2, "two"}, {3, "three"}}));
  // And compaction after the truncate folds only what came after it.
  Must(e->Compact("p", "t", std::nullopt));
  e->WaitForCompactions();
  CHECK(ScanRows(*e, "t") == RowsOf({{4, "four"}}));
  CHECK(Must(e->ListPartitions("p", "t")).front().commits_since_major == 0);
}

TEST_CASE("truncate: retention frees the truncated runs", "[storage][truncate]") {
  TempDir dir;
  TestClock clock;
  auto e = Must(Engine::Open(Options(dir.path, clock)));
  auto info = Must(e->CreateTable(
      KvTable("t", false, {{"acid.data.retain.hours", "1"}, {"write.bucket.num", "1"}})));
  Write(*e, info, "", {{1, "one"}, {2, "two"}});
  Write(*e, info, "", {{3, "three"}});
  Must(e->Truncate("p", "t", std::nullopt));
  e->ReclaimExpiredVersions();
  CHECK(e->Stats().compaction.versions_reclaimed == 0);  // version 2 is still readable
  CHECK(ScanRows(*e, "t", AtVersion(2)).size() == 3);
  clock.Advance(3600 * 1000 + 1);
  e->ReclaimExpiredVersions();
  CHECK(e->Stats().compaction.versions_reclaimed == 2);  // both runs
  ScanOptions o;
  o.project = "p";
  o.table = "t";
  o.at = AtVersion(2);
  CHECK(e->Scan(o).status().code() == ErrorCode::kVersionExpired);
  CHECK(ScanRows(*e, "t").empty());
  e.reset();
  e = Must(Engine::Open(Options(dir.path, clock)));
  CHECK(ScanRows(*e, "t").empty());
  Write(*e, info, "", {{5, "five"}});
  CHECK(ScanRows(*e, "t") == RowsOf({{5, "five"}}));
}

TEST_CASE("lifecycle: partitions and tables not modified for that many days are dropped",
          "[storage][truncate][lifecycle]") {
  TempDir dir;
  TestClock clock;
  auto e = Must(Engine::Open(Options(dir.path, clock)));
  for (const char* bad : {"0", "37232", "seven"}) {
    CHECK(e->CreateTable(KvTable("bad", true, {{"lifecycle", bad}})).status().code() ==
          ErrorCode::kInvalidArgument);
  }
  auto info = Must(e->CreateTable(KvTable("t", true, {{"lifecycle", "1"}})));
  auto flat = Must(e->CreateTable(KvTable("flat", false, {{"lifecycle", "1"}})));
  Must(e->CreateTable(KvTable("kept", false)));  // no lifecycle
  CHECK(Must(e->DescribeTable("p", "t")).properties.at("lifecycle") == "1");
  Write(*e, info, "ds=a", {{1, "a1"}});
  Write(*e, flat, "", {{1, "f"}});
  clock.Advance(20 * 3600 * 1000);
  Write(*e, info, "ds=b", {{1, "b1"}});
  e->ApplyLifecycles();
  CHECK(Listed(*e) == std::set<std::string>{"ds=a", "ds=b"});  // 20 h: nothing yet

  clock.Advance(5 * 3600 * 1000);  // ds=a and flat: 25 h; ds=b: 5 h
  e->ApplyLifecycles();
  CHECK(Listed(*e) == std::set<std::string>{"ds=b"});
  CHECK(e->DescribeTable("p", "flat").status().code() == ErrorCode::kNoSuchTable);
  MustOk(e->DescribeTable("p", "kept").status());
  auto versions = Must(e->Versions("p", "t", 1));
  CHECK(versions[0].operation == CommitOperation::kDropPartition);
  CHECK(versions[0].partition == "ds=a");
  // Within retention the versions before the drop still read.
  CHECK(ScanRows(*e, "t", AtVersion(2), std::string("ds=a")) == RowsOf({{1, "a1"}}));

  // A partition written again lives on; after a reopen the lifecycle still holds.
  clock.Advance(20 * 3600 * 1000);
  Write(*e, info, "ds=b", {{2, "b2"}});
  e.reset();
  e = Must(Engine::Open(Options(dir.path, clock)));
  clock.Advance(5 * 3600 * 1000);
  e->ApplyLifecycles();
  CHECK(Listed(*e) == std::set<std::string>{"ds=b"});
  clock.Advance(20 * 3600 * 1000);
  e->ApplyLifecycles();
  CHECK(Listed(*e).empty());
  MustOk(e->DescribeTable("p", "t").status());  // a partitioned table stays
}

TEST_CASE("partitions: each listed with its last version and when it was made",
          "[storage][truncate]") {
  TempDir dir;
  TestClock clock;
  auto e = Must(Engine::Open(Options(dir.path, clock)));
  auto info = Must(e->CreateTable(KvTable("t", true)));
  const int64_t t0 = clock.now->load();
  Write(*e, info, "ds=a", {{1, "a"}});  // version 1
  clock.Advance(5000);
  Write(*e, info, "ds=b", {{1, "b"}});  // 2
  clock.Advance(5000);
  Must(e->Truncate("p", "t", std::string("ds=a")));  // 3
  std::map<std::string, std::pair<uint64_t, int64_t>> got;
  for (const auto& p : Must(e->ListPartitions("p", "t"))) {
    got[p.partition] = {p.version, p.committed_at_ms};
  }
  CHECK(got == std::map<std::string, std::pair<uint64_t, int64_t>>{{"ds=a", {3, t0 + 10000}},
                                                                   {"ds=b", {2, t0 + 5000}}});
  e.reset();
  e = Must(Engine::Open(Options(dir.path, clock)));  // the same after a reopen
  for (const auto& p : Must(e->ListPartitions("p", "t"))) {
    CHECK(p.committed_at_ms == got[p.partition].second);
  }
}
