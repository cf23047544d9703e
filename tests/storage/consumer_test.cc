// Consumers of a table's changes (issue 26): an offset kept durably, which moves only forward and
// holds the table's retention, up to EngineOptions::consumer_hold_hours; past that the consumer
// is told it lost its place, never skipped silently.
#include "test_util.h"

using namespace dt_test;

namespace {

constexpr int64_t kHour = 3600 * 1000;

struct Fixture {
  TempDir dir;
  TestClock clock;
  std::unique_ptr<Engine> e;
  TableInfo info;

  Fixture() {
    Open();
    info = Must(e->CreateTable(KvTable("t", false, {{"acid.data.retain.hours", "1"}})));
  }
  void Open() {
    EngineOptions o = Options(dir.path, clock);
    o.consumer_hold_hours = 4;
    e = Must(Engine::Open(o));
  }
  uint64_t Commit(int64_t k, const std::string& v) {
    auto s = Must(e->OpenSession(SessionOn("t", "")));
    Batcher b(info);
    b.Upsert(k, v);
    MustOk(e->Append(s.id, b.batch()));
    clock.Advance(10);
    return Must(e->Commit(s.id)).commit_version;
  }
  Result<std::unique_ptr<ChangeIterator>> From(uint64_t v) {
    ChangesOptions o;
    o.project = "p";
    o.table = "t";
    o.from_version = v;
    o.every_version = true;
    return e->Changes(o);
  }
  size_t Count(uint64_t v) {
    auto it = Must(From(v));
    size_t n = 0;
    for (; it->Valid(); it->Next()) ++n;
    MustOk(it->status());
    return n;
  }
};

}  // namespace

TEST_CASE("consumers: created, acknowledged forward only, listed, kept across a restart, dropped",
          "[storage][consumers]") {
  Fixture f;
  REQUIRE(f.Commit(1, "a") == 1);
  REQUIRE(f.Commit(2, "b") == 2);
  ConsumerInfo c = Must(f.e->CreateConsumer("p", "t", "etl", std::nullopt));
  CHECK(c.offset == 2);  // the latest by default
  CHECK(c.latest == 2);
  CHECK(c.lag_ms == 0);
  CHECK(!c.lost);
  c = Must(f.e->CreateConsumer("p", "t", "audit", 0));
  CHECK(c.offset == 0);
  CHECK(c.lag_ms > 0);  // since version 1's commit
  CHECK(f.e->CreateConsumer("p", "t", "etl", 0).status().code() == ErrorCode::kStatusConflict);
  CHECK(f.e->CreateConsumer("p", "t", "bad name", 0).status().code() ==
        ErrorCode::kInvalidArgument);
  CHECK(f.e->CreateConsumer("p", "t", "x", 3).status().code() == ErrorCode::kInvalidArgument);

  c = Must(f.e->AckConsumer("p", "t", "audit", 1));
  CHECK(c.offset == 1);
  CHECK(f.e->AckConsumer("p", "t", "audit", 0).status().code() == ErrorCode::kInvalidArgument);
  CHECK(f.e->AckConsumer("p", "t", "audit", 9).status().code() == ErrorCode::kInvalidArgument);
  CHECK(f.e->AckConsumer("p", "t", "nobody", 1).status().code() == ErrorCode::kNoSuchObject);
  auto all = Must(f.e->ListConsumers("p", "t"));
  REQUIRE(all.size() == 2);
  CHECK(all[0].name == "audit");
  CHECK(all[1].name == "etl");

  // The offsets are durable.
  f.e.reset();
  f.Open();
  CHECK(Must(f.e->GetConsumer("p", "t", "audit")).offset == 1);
  CHECK(Must(f.e->GetConsumer("p", "t", "etl")).offset == 2);
  CHECK(f.e->Stats().consumers.size() == 2);
  MustOk(f.e->DropConsumer("p", "t", "etl"));
  CHECK(f.e->GetConsumer("p", "t", "etl").status().code() == ErrorCode::kNoSuchObject);
  CHECK(f.e->DropConsumer("p", "t", "etl").code() == ErrorCode::kNoSuchObject);
  f.e.reset();
  f.Open();
  CHECK(Must(f.e->ListConsumers("p", "t")).size() == 1);
}

TEST_CASE("consumers: a consumer holds retention until it acknowledges, up to its bound",
          "[storage][consumers]") {
  Fixture f;
  REQUIRE(f.Commit(1, "a") == 1);
  Must(f.e->CreateConsumer("p", "t", "slow", 1));
  REQUIRE(f.Commit(1, "b") == 2);
  REQUIRE(f.Commit(2, "c") == 3);
  // Two hours later (retention is one): version 1 is held for the consumer, and its runs survive
  // a compaction and the reclaim that follows it.
  f.clock.Advance(2 * kHour);
  REQUIRE(f.Commit(3, "d") == 4);
  Must(f.e->Compact("p", "t", std::nullopt));
  f.e->WaitForCompactions();
  f.e->ReclaimExpiredVersions();
  CHECK(f.Count(1) == 3);                                          // v2 (an update of 1), v3, v4
  CHECK(f.From(0).status().code() == ErrorCode::kVersionExpired);  // not held
  CHECK(!Must(f.e->GetConsumer("p", "t", "slow")).lost);

  SECTION("acknowledged, the versions it held expire") {
    Must(f.e->AckConsumer("p", "t", "slow", 3));
    CHECK(f.From(1).status().code() == ErrorCode::kVersionExpired);
    CHECK(f.Count(3) == 1);
  }
  SECTION("dropped, the same") {
    MustOk(f.e->DropConsumer("p", "t", "slow"));
    CHECK(f.From(1).status().code() == ErrorCode::kVersionExpired);
  }
  SECTION("past consumer_hold_hours the consumer has lost its place, and is told") {
    f.clock.Advance(3 * kHour);  // commit 2 is now 5 h old: past the 4 h hold
    ConsumerInfo c = Must(f.e->GetConsumer("p", "t", "slow"));
    CHECK(c.lost);
    CHECK(c.offset == 1);
    CHECK(f.From(1).status().code() == ErrorCode::kVersionExpired);
    // It may acknowledge a readable version to go on from there, not an expired one.
    CHECK(f.e->AckConsumer("p", "t", "slow", 2).status().code() == ErrorCode::kVersionExpired);
    c = Must(f.e->AckConsumer("p", "t", "slow", 4));
    CHECK(!c.lost);
  }
}
