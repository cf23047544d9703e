// The reject quarantine (issue 26): a load's rejected rows are kept in the step that commits its
// good rows, survive a restart, are replayed at most once (the replay's commit marks the set),
// stay within their bound (a load whose rejects do not fit commits nothing), and are purged.
#include "test_util.h"

using namespace dt_test;

namespace {

struct Fixture {
  TempDir dir;
  TestClock clock;
  std::unique_ptr<Engine> e;
  TableInfo info;
  uint64_t bound = uint64_t{64} << 20;

  Fixture() {
    Open();
    info = Must(e->CreateTable(KvTable("t", false)));
  }
  void Open() {
    e.reset();
    EngineOptions o = Options(dir.path, clock);
    o.reject_quarantine_bytes = bound;
    e = Must(Engine::Open(o));
  }
  RejectSet Rejects(int rows, size_t text_bytes = 10) {
    RejectSet set;
    set.info.id = Must(e->ReserveRejectSetId("p", "t"));
    set.info.project = "p";
    set.info.table = "t";
    set.info.format = "ndjson";
    for (int i = 0; i < rows; ++i) {
      set.rows.push_back({static_cast<uint64_t>(i + 2), i % 2 == 0 ? "v" : "",
                          "reason " + std::to_string(i), std::string(text_bytes, 'a' + i % 26)});
    }
    return set;
  }
  // A load of key `k` with `rejects`; the commit's result.
  Result<SessionInfo> Load(int64_t k, const RejectSet* rejects, uint64_t replays = 0) {
    auto s = Must(e->OpenSession(SessionOn("t", "")));
    Batcher b(info);
    b.Upsert(k, "v" + std::to_string(k));
    MustOk(e->Append(s.id, b.batch()));
    clock.Advance(10);
    LoadCommit load;
    load.rejects = rejects;
    load.replays = replays;
    auto r = e->CommitLoad(s.id, load);
    if (!r.ok()) (void)e->Abort(s.id);
    return r;
  }
};

}  // namespace

TEST_CASE("rejects: kept with their load's commit, read back whole, kept across a restart",
          "[storage][rejects]") {
  Fixture f;
  RejectSet set = f.Rejects(3000, 200);  // more than one chunk of rows
  const uint64_t version = Must(f.Load(1, &set)).commit_version;
  auto list = Must(f.e->ListRejectSets("p", "t"));
  REQUIRE(list.size() == 1);
  CHECK(list[0].id == set.info.id);
  CHECK(list[0].load_version == version);
  CHECK(list[0].rows == 3000);
  CHECK(list[0].bytes > 3000 * 200);
  CHECK(list[0].replayed_at_ms == 0);
  CHECK(Must(f.e->GetRejectSet("p", "t", set.info.id)).rows == set.rows);
  CHECK(f.e->Stats().reject_rows_held == 3000);
  CHECK(Must(f.e->GetRejectSetInfo("p", "t", set.info.id)).rows == 3000);
  CHECK(f.e->GetRejectSetInfo("p", "t", 999).status().code() == ErrorCode::kNoSuchObject);

  f.Open();
  auto back = Must(f.e->GetRejectSet("p", "t", set.info.id));
  CHECK(back.rows == set.rows);
  CHECK(back.info.load_version == version);
  // Ids are never reused, even after every set is purged and the engine reopened.
  CHECK(Must(f.e->PurgeRejectSets("p", "t", std::nullopt)) == std::vector<uint64_t>{set.info.id});
  f.Open();
  CHECK(Must(f.e->ListRejectSets("p", "t")).empty());
  CHECK(Must(f.e->ReserveRejectSetId("p", "t")) > set.info.id);
  CHECK(f.e->GetRejectSet("p", "t", set.info.id).status().code() == ErrorCode::kNoSuchObject);
}

TEST_CASE("rejects: a load whose rows did not commit quarantines nothing", "[storage][rejects]") {
  Fixture f;
  RejectSet set = f.Rejects(2);
  RejectSet unreserved = set;
  unreserved.info.id = 999;
  CHECK(f.Load(1, &unreserved).status().code() == ErrorCode::kInvalidArgument);
  CHECK(Must(f.e->ListRejectSets("p", "t")).empty());
  CHECK(Must(f.e->DescribeTable("p", "t")).version == 0);
  // A load that committed nothing keeps its rejects alone.
  RejectSetInfo alone = Must(f.e->QuarantineRejects(set, 0));
  CHECK(alone.load_version == 0);
  CHECK(alone.rows == 2);
  CHECK(Must(f.e->GetRejectSet("p", "t", set.info.id)).rows == set.rows);
}

TEST_CASE("rejects: a set is replayed once, in the replay's commit", "[storage][rejects]") {
  Fixture f;
  RejectSet set = f.Rejects(2);
  Must(f.Load(1, &set));
  const uint64_t replay = Must(f.Load(2, nullptr, set.info.id)).commit_version;
  RejectSet after = Must(f.e->GetRejectSet("p", "t", set.info.id));
  CHECK(after.info.replayed_version == replay);
  CHECK(after.info.replayed_at_ms > 0);
  CHECK(after.rows.empty());
  CHECK(f.e->Stats().reject_rows_held == 0);
  // A second replay commits nothing.
  CHECK(f.Load(3, nullptr, set.info.id).status().code() == ErrorCode::kStatusConflict);
  CHECK(Must(f.e->DescribeTable("p", "t")).version == replay);
  CHECK(f.Load(3, nullptr, 12345).status().code() == ErrorCode::kNoSuchObject);
  f.Open();
  after = Must(f.e->GetRejectSet("p", "t", set.info.id));
  CHECK(after.info.replayed_version == replay);
  CHECK(after.rows.empty());

  // A replay whose rows are all still bad moves them to a new set and commits no version.
  RejectSet second = f.Rejects(1);
  Must(f.Load(4, &second));
  RejectSet moved = f.Rejects(1);
  Must(f.e->QuarantineRejects(moved, second.info.id));
  CHECK(Must(f.e->GetRejectSet("p", "t", second.info.id)).info.replayed_at_ms > 0);
  CHECK(Must(f.e->GetRejectSet("p", "t", moved.info.id)).rows.size() == 1);
}

TEST_CASE("rejects: the bound refuses a load whose rejects do not fit; replays free room",
          "[storage][rejects]") {
  Fixture f;
  f.bound = 100000;
  f.Open();
  RejectSet a = f.Rejects(100, 600);  // about 62 kB
  Must(f.Load(1, &a));
  RejectSet b = f.Rejects(100, 600);
  auto refused = f.Load(2, &b);
  CHECK(refused.status().code() == ErrorCode::kStatusConflict);
  CHECK(refused.status().message().find("reject_quarantine_mb") != std::string::npos);
  CHECK(Must(f.e->DescribeTable("p", "t")).version == 1);  // the load committed nothing
  CHECK(Must(f.e->ListRejectSets("p", "t")).size() == 1);
  // A replay of `a` that rejects as many rows again fits: `a`'s rows go in the same step.
  Must(f.Load(2, &b, a.info.id));
  CHECK(f.e->Stats().reject_bytes_held == Must(f.e->GetRejectSet("p", "t", b.info.id)).info.bytes);
  MustOk(f.e->PurgeRejectSets("p", "t", b.info.id).status());
  CHECK(f.e->Stats().reject_bytes_held == 0);
  CHECK(f.e->PurgeRejectSets("p", "t", b.info.id).status().code() == ErrorCode::kNoSuchObject);
}

TEST_CASE("rejects: dropping the table drops its quarantine", "[storage][rejects]") {
  Fixture f;
  RejectSet set = f.Rejects(2);
  Must(f.Load(1, &set));
  MustOk(f.e->DropTable("p", "t"));
  f.info = Must(f.e->CreateTable(KvTable("t", false)));
  CHECK(Must(f.e->ListRejectSets("p", "t")).empty());
  f.Open();
  CHECK(Must(f.e->ListRejectSets("p", "t")).empty());
}
