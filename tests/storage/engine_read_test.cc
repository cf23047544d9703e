// Reads: old versions, timestamps, retention, partial updates, deletes, lookup, changes.
#include "test_util.h"

using namespace dt_test;

namespace {

using Props = std::map<std::string, std::string>;

struct Fixture {
  TempDir dir;
  TestClock clock;
  std::unique_ptr<Engine> e;
  TableInfo info;

  explicit Fixture(std::map<std::string, std::string> props = {}, bool partitioned = false) {
    e = Must(Engine::Open(Options(dir.path, clock)));
    info = Must(e->CreateTable(KvTable("t", partitioned, std::move(props))));
  }
  // Appends `fill` as one batch and commits; answers the version.
  uint64_t CommitBatch(const std::function<void(Batcher&)>& fill, const std::string& part = "") {
    auto s = Must(e->OpenSession(SessionOn("t", part)));
    Batcher b(info);
    fill(b);
    MustOk(e->Append(s.id, b.batch()));
    return Must(e->Commit(s.id)).commit_version;
  }
  std::vector<proto::Row> Lookup(std::vector<int64_t> keys, VersionSpec at = {}) {
    LookupOptions o;
    o.project = "p";
    o.table = "t";
    for (int64_t k : keys) o.keys.push_back({proto::Value(k)});
    o.at = at;
    return Must(e->Lookup(o)).rows;
  }
  struct Change {
    proto::RowOp op;
    Cell cell;
    uint64_t version;
    friend bool operator==(const Change&, const Change&) = default;
  };
  std::map<int64_t, Change> Changes(uint64_t from, std::optional<uint64_t> to = std::nullopt) {
    ChangesOptions o;
    o.project = "p";
    o.table = "t";
    o.from_version = from;
    o.to_version = to;
    auto it = Must(e->Changes(o));
    std::map<int64_t, Change> out;
    for (; it->Valid(); it->Next()) {
      const int64_t k = it->row()[0].as_int();
      REQUIRE(out.count(k) == 0);
      out[k] = {it->op(), it->op() == proto::RowOp::kUpsert ? ToCell(it->row()) : Cell{},
                it->last_version()};
    }
    MustOk(it->status());
    return out;
  }
};

}  // namespace

TEST_CASE("read: every version reads as it was committed", "[storage][read]") {
  Fixture f;
  CHECK(f.CommitBatch([](Batcher& b) { b.Upsert(1, "a1").Upsert(2, "b1").Upsert(3, "c1"); }) == 1);
  CHECK(f.CommitBatch([](Batcher& b) { b.Upsert(2, "b2").Delete(3).Upsert(4, "d2"); }) == 2);
  CHECK(f.CommitBatch([](Batcher& b) { b.Delete(1).Upsert(3, "c3").Delete(99); }) == 3);

  CHECK(ScanRows(*f.e, "t", AtVersion(0)).empty());
  CHECK(ScanRows(*f.e, "t", AtVersion(1)) ==
        Rows{{1, {"a1", 1.0}}, {2, {"b1", 1.0}}, {3, {"c1", 1.0}}});
  CHECK(ScanRows(*f.e, "t", AtVersion(2)) ==
        Rows{{1, {"a1", 1.0}}, {2, {"b2", 1.0}}, {4, {"d2", 1.0}}});
  uint64_t v = 0;
  CHECK(ScanRows(*f.e, "t", {}, std::nullopt, &v) ==
        Rows{{2, {"b2", 1.0}}, {3, {"c3", 1.0}}, {4, {"d2", 1.0}}});
  CHECK(v == 3);
  ScanOptions past;
  past.project = "p";
  past.table = "t";
  past.at = AtVersion(4);
  CHECK(f.e->Scan(past).status().code() == ErrorCode::kInvalidArgument);
  past.table = "nope";
  CHECK(f.e->Scan(past).status().code() == ErrorCode::kNoSuchTable);

  // Lookup at versions.
  auto rows = f.Lookup({1, 2, 3, 5});
  REQUIRE(rows.size() == 2);
  CHECK(rows[0][0].as_int() == 2);
  CHECK(rows[1][1].as_string() == "c3");
  CHECK(f.Lookup({3}, AtVersion(2)).empty());
  CHECK(f.Lookup({1}, AtVersion(2)).size() == 1);
  CHECK(f.Lookup({1}, AtVersion(0)).empty());
}

TEST_CASE("read: within a session the last arrival wins, across sessions the commit order",
          "[storage][read]") {
  Fixture f;
  auto s1 = Must(f.e->OpenSession(SessionOn("t")));
  auto s2 = Must(f.e->OpenSession(SessionOn("t")));
  Batcher a(f.info), b(f.info), c(f.info);
  a.Upsert(1, "s1-first").Upsert(2, "s1").Upsert(1, "s1-second");  // duplicates in one batch
  b.Upsert(1, "s2").Upsert(3, "s2");
  c.Upsert(1, "s1-third").Delete(3);  // a second batch of s1
  MustOk(f.e->Append(s1.id, a.batch()));
  MustOk(f.e->Append(s2.id, b.batch()));
  MustOk(f.e->Append(s1.id, c.batch()));
  MustOk(f.e->Commit(s2.id).status());  // s2 commits first, s1 second: s1 wins
  MustOk(f.e->Commit(s1.id).status());
  CHECK(ScanRows(*f.e, "t") == Rows{{1, {"s1-third", 1.0}}, {2, {"s1", 1.0}}});
  CHECK(ScanRows(*f.e, "t", AtVersion(1)) == Rows{{1, {"s2", 1.0}}, {3, {"s2", 1.0}}});
}

TEST_CASE("read: partial updates keep the other columns", "[storage][read][partial]") {
  Fixture f(Props{{"acid.partial.fields.update.enable", "true"}});
  f.CommitBatch(
      [](Batcher& b) { b.Upsert(1, "a", 10.0).Upsert(2, "b", 20.0).Upsert(3, "c", 30.0); });
  // Over a full row, over nothing (new key: other columns null), over a delete in the same batch,
  // a partial over a partial in one batch, and a full row after a partial in one batch.
  f.CommitBatch([](Batcher& b) {
    b.SetV(1, "a2").SetV(5, "new").Delete(2).SetV(2, "b2").SetV(3, "c2").SetV(3, "c3");
    b.SetV(6, "x").Upsert(6, "full", 6.0);
  });
  Rows v2 = {{1, {"a2", 10.0}},
             {2, {"b2", std::nullopt}},
             {3, {"c3", 30.0}},
             {5, {"new", std::nullopt}},
             {6, {"full", 6.0}}};
  CHECK(ScanRows(*f.e, "t") == v2);
  // A partial in one session over a partial of an older commit over a full row.
  f.CommitBatch([](Batcher& b) { b.SetV(1, "a3").SetV(5, std::nullopt); });
  Rows v3 = v2;
  v3[1].v = "a3";
  v3[5].v = std::nullopt;
  CHECK(ScanRows(*f.e, "t") == v3);
  auto rows = f.Lookup({1, 5});
  REQUIRE(rows.size() == 2);
  CHECK(ToCell(rows[0]) == Cell{"a3", 10.0});
  CHECK(ToCell(rows[1]) == Cell{std::nullopt, std::nullopt});
  CHECK(ScanRows(*f.e, "t", AtVersion(2)) == v2);
  auto ch = f.Changes(2);
  REQUIRE(ch.size() == 2);
  CHECK(ch[1] == Fixture::Change{proto::RowOp::kUpsert, {"a3", 10.0}, 3});
}

TEST_CASE("read: net changes between versions", "[storage][read][changes]") {
  Fixture f;
  f.CommitBatch([](Batcher& b) { b.Upsert(1, "a1").Upsert(2, "b1").Upsert(3, "c1"); });
  f.CommitBatch([](Batcher& b) { b.Upsert(2, "b2").Delete(3).Upsert(4, "d2"); });
  f.CommitBatch([](Batcher& b) { b.Upsert(4, "d3").Delete(5); });
  using C = Fixture::Change;
  auto all = f.Changes(0);
  CHECK(all.size() == 5);
  CHECK(all[1] == C{proto::RowOp::kUpsert, {"a1", 1.0}, 1});
  CHECK(all[3] == C{proto::RowOp::kDelete, {}, 2});
  CHECK(all[5] == C{proto::RowOp::kDelete, {}, 3});
  auto mid = f.Changes(1, 2);
  CHECK(mid == std::map<int64_t, C>{{2, {proto::RowOp::kUpsert, {"b2", 1.0}, 2}},
                                    {3, {proto::RowOp::kDelete, {}, 2}},
                                    {4, {proto::RowOp::kUpsert, {"d2", 1.0}, 2}}});
  CHECK(f.Changes(2) == std::map<int64_t, C>{{4, {proto::RowOp::kUpsert, {"d3", 1.0}, 3}},
                                             {5, {proto::RowOp::kDelete, {}, 3}}});
  CHECK(f.Changes(3).empty());
  ChangesOptions bad;
  bad.project = "p";
  bad.table = "t";
  bad.to_version = 4;
  CHECK(f.e->Changes(bad).status().code() == ErrorCode::kInvalidArgument);
  bad.to_version = 1;
  bad.from_version = 2;
  CHECK(f.e->Changes(bad).status().code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("read: timestamps and retention", "[storage][read][retention]") {
  Fixture f(Props{{"acid.data.retain.hours", "1"}});
  const int64_t t0 = f.clock.now->load();
  f.CommitBatch([](Batcher& b) { b.Upsert(1, "v1"); });  // at t0
  f.clock.Advance(1000);
  f.CommitBatch([](Batcher& b) { b.Upsert(1, "v2"); });  // at t0 + 1 s
  f.clock.Advance(1000);
  VersionSpec before;
  before.timestamp_ms = t0 - 1;
  uint64_t v = 99;
  CHECK(ScanRows(*f.e, "t", before, std::nullopt, &v).empty());
  CHECK(v == 0);
  VersionSpec at_first;
  at_first.timestamp_ms = t0 + 999;
  CHECK(ScanRows(*f.e, "t", at_first, std::nullopt, &v) == Rows{{1, {"v1", 1.0}}});
  CHECK(v == 1);
  VersionSpec later;
  later.timestamp_ms = t0 + 5000;
  ScanRows(*f.e, "t", later, std::nullopt, &v);
  CHECK(v == 2);
  auto versions = Must(f.e->Versions("p", "t", 1));
  REQUIRE(versions.size() == 1);
  CHECK(versions[0].version == 2);
  CHECK(versions[0].committed_at_ms == t0 + 1000);
  CHECK(Must(f.e->Versions("p", "t", 10)).size() == 2);

  // Version 1 stays readable until an hour after commit 2.
  f.clock.Advance(3600 * 1000 - 1001);
  CHECK(ScanRows(*f.e, "t", AtVersion(1)) == Rows{{1, {"v1", 1.0}}});
  f.clock.Advance(1);
  ScanOptions o;
  o.project = "p";
  o.table = "t";
  o.at = AtVersion(1);
  CHECK(f.e->Scan(o).status().code() == ErrorCode::kVersionExpired);
  o.at = AtVersion(0);
  CHECK(f.e->Scan(o).status().code() == ErrorCode::kVersionExpired);
  CHECK(ScanRows(*f.e, "t", AtVersion(2)) == Rows{{1, {"v2", 1.0}}});  // the latest, always
  ChangesOptions c;
  c.project = "p";
  c.table = "t";
  c.from_version = 1;
  CHECK(f.e->Changes(c).status().code() == ErrorCode::kVersionExpired);
  LookupOptions l;
  l.project = "p";
  l.table = "t";
  l.at = AtVersion(1);
  CHECK(f.e->Lookup(l).status().code() == ErrorCode::kVersionExpired);
}

TEST_CASE("read: retention 0 keeps only the latest", "[storage][read][retention]") {
  Fixture f(Props{{"acid.data.retain.hours", "0"}});
  f.CommitBatch([](Batcher& b) { b.Upsert(1, "v1"); });
  f.CommitBatch([](Batcher& b) { b.Upsert(1, "v2"); });
  ScanOptions o;
  o.project = "p";
  o.table = "t";
  o.at = AtVersion(1);
  CHECK(f.e->Scan(o).status().code() == ErrorCode::kVersionExpired);
  CHECK(ScanRows(*f.e, "t", AtVersion(2)).size() == 1);
}

TEST_CASE("read: many rows in many chunks, runs and buckets", "[storage][read]") {
  Fixture f(Props{{"write.bucket.num", "3"}});
  // 20000 rows with 200-byte values: several 64 KiB chunks per run.
  const std::string pad(200, 'x');
  f.CommitBatch([&](Batcher& b) {
    for (int64_t k = 0; k < 20000; ++k)
      b.Upsert(k * 7 % 20000, pad + std::to_string(k * 7 % 20000));
  });
  f.CommitBatch([&](Batcher& b) {
    for (int64_t k = 0; k < 20000; k += 3) b.Upsert(k, "second");
    for (int64_t k = 1; k < 20000; k += 3) b.Delete(k);
  });
  Rows rows = ScanRows(*f.e, "t");
  CHECK(rows.size() == 20000 - 6667);
  CHECK(rows[0].v == "second");
  CHECK(rows[2].v == pad + "2");
  CHECK(rows.count(1) == 0);
  for (int64_t k : {0, 1, 2, 19998, 19999, 12345}) {
    auto got = f.Lookup({k});
    if (k % 3 == 1) {
      CHECK(got.empty());
    } else {
      REQUIRE(got.size() == 1);
      CHECK(got[0][1].as_string() == (k % 3 == 0 ? "second" : pad + std::to_string(k)));
    }
  }
  CHECK(ScanRows(*f.e, "t", AtVersion(1)).size() == 20000);
}

TEST_CASE("read: a lookup stops with its interrupt's status", "[storage][read]") {
  Fixture f;
  f.CommitBatch([](Batcher& b) {
    for (int64_t k = 0; k < 2000; ++k) b.Upsert(k, "v");
  });
  LookupOptions o;
  o.project = "p";
  o.table = "t";
  for (int64_t k = 0; k < 2000; ++k) o.keys.push_back({proto::Value(k)});
  int asked = 0;
  // Go on for the first two checks, then stop.
  o.interrupt = [&asked]() -> Status {
    return ++asked <= 2 ? Status::Ok() : Status(ErrorCode::kServiceUnavailable, "gone");
  };
  auto stopped = f.e->Lookup(o);
  REQUIRE(!stopped.ok());
  CHECK(stopped.status().message() == "gone");
  CHECK(asked == 3);  // asked every 256 keys: at keys 0, 256 and 512
  // Without an interrupt (or one that says go on) every key is found.
  o.interrupt = [] { return Status::Ok(); };
  CHECK(Must(f.e->Lookup(o)).rows.size() == 2000);
}
