// Sessions: the state machine, conflicts, refusals that leave nothing, expiry, resuming after a
// reopen.
#include "test_util.h"

using namespace dt_test;

TEST_CASE("session: append, commit, repeated commit, conflicts", "[storage][session]") {
  TempDir dir;
  TestClock clock;
  auto e = Must(Engine::Open(Options(dir.path, clock)));
  auto info = Must(e->CreateTable(KvTable("t")));
  auto s = Must(e->OpenSession(SessionOn("t")));
  CHECK(s.id.size() == 30);
  CHECK(s.id.substr(0, 14) == "20261125100000");
  CHECK(s.status == SessionStatus::kNormal);
  CHECK(s.expires_at_ms == s.created_at_ms + 24 * 3600 * 1000);

  Batcher b(info);
  b.Upsert(1, "a").Upsert(2, "b").Delete(3);
  MustOk(e->Append(s.id, b.batch()));
  auto got = Must(e->GetSession(s.id));
  CHECK(got.rows == 3);
  CHECK(got.upserts == 2);
  CHECK(got.deletes == 1);
  CHECK_FALSE(got.buckets_written.empty());
  CHECK(ScanRows(*e, "t").empty());  // nothing before commit (promise 2)

  auto c = Must(e->Commit(s.id));
  CHECK(c.status == SessionStatus::kCommitted);
  CHECK(c.commit_version == 1);
  auto again = Must(e->Commit(s.id));
  CHECK(again.commit_version == 1);
  CHECK(Must(e->DescribeTable("p", "t")).version == 1);
  CHECK(e->Append(s.id, b.batch()).code() == ErrorCode::kStatusConflict);
  CHECK(e->Abort(s.id).status().code() == ErrorCode::kStatusConflict);
  CHECK(Must(e->GetSession(s.id)).status == SessionStatus::kCommitted);

  auto versions = Must(e->Versions("p", "t", 10));
  REQUIRE(versions.size() == 1);
  CHECK(versions[0].session == s.id);
  CHECK(versions[0].rows == 3);
  CHECK(versions[0].deletes == 1);

  auto a = Must(e->OpenSession(SessionOn("t")));
  MustOk(e->Append(a.id, b.batch()));
  CHECK(Must(e->Abort(a.id)).status == SessionStatus::kAborted);
  CHECK(Must(e->Abort(a.id)).status == SessionStatus::kAborted);
  CHECK(e->Commit(a.id).status().code() == ErrorCode::kStatusConflict);
  CHECK(e->Append(a.id, b.batch()).code() == ErrorCode::kStatusConflict);
  CHECK(e->GetSession("nope").status().code() == ErrorCode::kUpsertSessionNotFound);
  CHECK(e->Commit("nope").status().code() == ErrorCode::kUpsertSessionNotFound);
  CHECK(e->Append("nope", b.batch()).code() == ErrorCode::kUpsertSessionNotFound);
  CHECK(e->Abort("nope").status().code() == ErrorCode::kUpsertSessionNotFound);
  CHECK(ScanRows(*e, "t").size() == 2);
  CHECK(Must(e->DescribeTable("p", "t")).version == 1);
}

TEST_CASE("session: refused calls leave nothing behind", "[storage][session]") {
  TempDir dir;
  TestClock clock;
  auto e = Must(Engine::Open(Options(dir.path, clock)));
  auto info = Must(e->CreateTable(KvTable("t")));
  CHECK(e->OpenSession(SessionOn("nope")).status().code() == ErrorCode::kNoSuchTable);
  auto lifetime = SessionOn("t");
  lifetime.lifetime_hours = 25;
  CHECK(e->OpenSession(lifetime).status().code() == ErrorCode::kInvalidArgument);
  lifetime.lifetime_hours = 0;
  CHECK(e->OpenSession(lifetime).status().code() == ErrorCode::kInvalidArgument);
  CHECK(e->OpenSession(SessionOn("t", "ds=1")).status().code() == ErrorCode::kInvalidArgument);
  CHECK(Must(e->ListSessions("p", "t")).empty());

  auto s = Must(e->OpenSession(SessionOn("t")));
  // Wrong bucket count.
  TableInfo other = info;
  other.bucket_num = 4;
  Batcher wrong_buckets(other);
  wrong_buckets.Upsert(1, "a");
  CHECK(e->Append(s.id, wrong_buckets.batch()).code() == ErrorCode::kInvalidArgument);
  // Wrong schema.
  TableInfo other_schema = info;
  other_schema.schema.columns[1].name = "w";
  Batcher wrong_schema(other_schema);
  wrong_schema.Upsert(1, "a");
  CHECK(e->Append(s.id, wrong_schema.batch()).code() == ErrorCode::kInvalidArgument);
  // Partial upserts on a table without them.
  Batcher partial(info);
  partial.Upsert(2, "b").SetV(1, "a");
  CHECK(e->Append(s.id, partial.batch()).code() == ErrorCode::kInvalidArgument);
  // An empty batch is a no-op.
  Batcher empty(info);
  MustOk(e->Append(s.id, empty.batch()));

  auto got = Must(e->GetSession(s.id));
  CHECK(got.rows == 0);
  CHECK(got.buckets_written.empty());
  MustOk(e->Commit(s.id).status());
  CHECK(ScanRows(*e, "t").empty());
  CHECK(Must(e->DescribeTable("p", "t")).version == 1);
}

TEST_CASE("session: open sessions resume after a reopen; aborted ones stay gone",
          "[storage][session][recovery]") {
  TempDir dir;
  TestClock clock;
  std::string open_id, aborted_id;
  {
    auto e = Must(Engine::Open(Options(dir.path, clock)));
    auto info = Must(e->CreateTable(KvTable("t", true)));
    auto s = Must(e->OpenSession(SessionOn("t", "ds=x")));
    open_id = s.id;
    Batcher b(info);
    b.Upsert(1, "a").Upsert(2, "b");
    MustOk(e->Append(s.id, b.batch()));
    auto a = Must(e->OpenSession(SessionOn("t", "ds=x")));
    aborted_id = a.id;
    MustOk(e->Append(a.id, b.batch()));
    MustOk(e->Abort(a.id).status());
  }
  auto e = Must(Engine::Open(Options(dir.path, clock)));
  auto info = Must(e->DescribeTable("p", "t"));
  auto s = Must(e->GetSession(open_id));
  CHECK(s.status == SessionStatus::kNormal);
  CHECK(s.rows == 2);
  CHECK(s.partition == "ds=x");
  CHECK(Must(e->GetSession(aborted_id)).status == SessionStatus::kAborted);
  CHECK(e->Stats().open_sessions == 1);
  CHECK(Must(e->ListSessions("p", "t")).size() == 2);
  Batcher b(info);
  b.Upsert(3, "c").Upsert(1, "a2");
  MustOk(e->Append(open_id, b.batch()));
  CHECK(Must(e->Commit(open_id)).rows == 4);
  Rows expect = {{1, {"a2", 1.0}}, {2, {"b", 1.0}}, {3, {"c", 1.0}}};
  CHECK(ScanRows(*e, "t") == expect);
  CHECK(ScanRows(*e, "t", {}, "ds=x") == expect);
  CHECK(ScanRows(*e, "t", {}, "ds=y").empty());
}

TEST_CASE("session: expiry drops the rows; records are forgotten later", "[storage][session]") {
  TempDir dir;
  TestClock clock;
  auto e = Must(Engine::Open(Options(dir.path, clock)));
  auto info = Must(e->CreateTable(KvTable("t")));
  auto opts = SessionOn("t");
  opts.lifetime_hours = 1;
  auto s = Must(e->OpenSession(opts));
  auto done = Must(e->OpenSession(opts));
  Batcher b(info);
  b.Upsert(1, "a");
  MustOk(e->Append(s.id, b.batch()));
  MustOk(e->Append(done.id, b.batch()));
  MustOk(e->Commit(done.id).status());

  clock.Advance(3600 * 1000);
  e->ExpireSessions();
  CHECK(Must(e->GetSession(s.id)).status == SessionStatus::kExpired);
  CHECK(e->Append(s.id, b.batch()).code() == ErrorCode::kStatusConflict);
  CHECK(e->Commit(s.id).status().code() == ErrorCode::kStatusConflict);
  CHECK(e->Stats().open_sessions == 0);
  CHECK(ScanRows(*e, "t").size() == 1);

  // A session past its lifetime that maintenance has not seen yet is expired when touched.
  auto late = Must(e->OpenSession(opts));
  MustOk(e->Append(late.id, b.batch()));
  clock.Advance(3600 * 1000);
  CHECK(e->Commit(late.id).status().code() == ErrorCode::kStatusConflict);
  CHECK(Must(e->GetSession(late.id)).status == SessionStatus::kExpired);
  // The same when a read or an append touches it first.
  auto read_first = Must(e->OpenSession(opts));
  auto append_first = Must(e->OpenSession(opts));
  MustOk(e->Append(append_first.id, b.batch()));
  clock.Advance(3600 * 1000);
  CHECK(Must(e->GetSession(read_first.id)).status == SessionStatus::kExpired);
  CHECK(e->Append(append_first.id, b.batch()).code() == ErrorCode::kStatusConflict);
  CHECK(Must(e->GetSession(append_first.id)).status == SessionStatus::kExpired);
  CHECK(e->Stats().open_sessions == 0);
  CHECK(ScanRows(*e, "t").size() == 1);

  clock.Advance(2 * 3600 * 1000);
  e->ExpireSessions();
  for (const auto& id : {s.id, done.id, late.id}) {
    CHECK(e->GetSession(id).status().code() == ErrorCode::kUpsertSessionNotFound);
  }
  e.reset();
  e = Must(Engine::Open(Options(dir.path, clock)));
  CHECK(e->GetSession(s.id).status().code() == ErrorCode::kUpsertSessionNotFound);
  CHECK(ScanRows(*e, "t").size() == 1);
}

TEST_CASE("session: idempotency keys commit with the session", "[storage][session]") {
  TempDir dir;
  TestClock clock;
  auto e = Must(Engine::Open(Options(dir.path, clock)));
  auto info = Must(e->CreateTable(KvTable("t")));
  CHECK_FALSE(e->FindIdempotencyKey("p", "t", "k1"));
  auto s = Must(e->OpenSession(SessionOn("t")));
  Batcher b(info);
  b.Upsert(1, "a");
  MustOk(e->Append(s.id, b.batch()));
  CHECK(Must(e->CommitWithIdempotencyKey(s.id, "k1", R"({"rows":1})")).commit_version == 1);
  CHECK(e->FindIdempotencyKey("p", "T", "k1") == IdempotentLoad{1, R"({"rows":1})"});
  e.reset();
  e = Must(Engine::Open(Options(dir.path, clock)));
  CHECK(e->FindIdempotencyKey("p", "t", "k1") == IdempotentLoad{1, R"({"rows":1})"});
  clock.Advance(int64_t{168} * 3600 * 1000);
  CHECK_FALSE(e->FindIdempotencyKey("p", "t", "k1"));
  e->ExpireSessions();
  CHECK_FALSE(e->FindIdempotencyKey("p", "t", "k1"));
}
