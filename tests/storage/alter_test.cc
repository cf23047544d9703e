// AlterTable: properties set after creation, checked as at creation, persisted, and in effect at
// once: the commit threshold (against the backpressure bound), retention (a longer one never
// brings back what a shorter one let go), lifecycle, keys of the caller's own; the properties
// fixed at creation refused. Errors change nothing.
#include "test_util.h"

using namespace dt_test;

namespace {

ScanOptions At(uint64_t version) {
  ScanOptions o;
  o.project = "p";
  o.table = "t";
  o.at = AtVersion(version);
  return o;
}

void Write(Engine& e, const std::string& partition, int64_t k, const std::string& v) {
  auto info = Must(e.DescribeTable("p", "t"));
  auto s = Must(e.OpenSession(SessionOn("t", partition)));
  Batcher b(info);
  b.Upsert(k, v);
  MustOk(e.Append(s.id, b.batch()));
  Must(e.Commit(s.id));
}

}  // namespace

TEST_CASE("alter: properties set, checked together, kept across a reopen", "[storage][alter]") {
  TempDir dir;
  TestClock clock;
  auto e = Must(Engine::Open(Options(dir.path, clock)));
  Must(e->CreateTable(KvTable("t", false, {{"compaction.major.commit-threshold", "20"}})));

  auto altered = Must(e->AlterTable(
      "p", "t", {{"compaction.major.commit-threshold", "7"}, {"comment", "orders"}, {"x.y", "z"}}));
  CHECK(altered.commit_threshold == 7);
  CHECK(altered.properties.at("compaction.major.commit-threshold") == "7");
  CHECK(altered.properties.at("comment") == "orders");
  CHECK(altered.properties.at("x.y") == "z");

  // Refused, and nothing of the request applied.
  auto fixed = e->AlterTable("p", "t", {{"transactional", "true"}, {"comment", "no"}});
  CHECK(fixed.status().code() == ErrorCode::kInvalidArgument);
  CHECK(fixed.status().message().find("transactional") != std::string::npos);
  CHECK(e->AlterTable("p", "t", {{"transactional", "false"}}).status().code() ==
        ErrorCode::kInvalidArgument);
  CHECK(e->AlterTable("p", "t", {{"acid.partial.fields.update.enable", "true"}}).status().code() ==
        ErrorCode::kInvalidArgument);
  CHECK(e->AlterTable("p", "t", {{"acid.data.retain.hours", "169"}}).status().code() ==
        ErrorCode::kInvalidArgument);
  CHECK(e->AlterTable("p", "t", {{"lifecycle", "0"}}).status().code() ==
        ErrorCode::kInvalidArgument);
  CHECK(e->AlterTable("p", "t", {}).status().code() == ErrorCode::kInvalidArgument);
  // At or above the server's max_pending_deltas (200): writes would be refused before the
  // partition's compaction is due. The message names both values.
  auto bound = e->AlterTable("p", "t", {{"compaction.major.commit-threshold", "200"}});
  CHECK(bound.status().code() == ErrorCode::kInvalidArgument);
  CHECK(bound.status().message().find("(200)") != std::string::npos);
  CHECK(e->AlterTable("q", "t", {{"comment", "x"}}).status().code() == ErrorCode::kNoSuchTable);
  auto now = Must(e->DescribeTable("p", "t"));
  CHECK(now.commit_threshold == 7);
  CHECK(now.properties.at("comment") == "orders");

  e.reset();
  e = Must(Engine::Open(Options(dir.path, clock)));
  auto reopened = Must(e->DescribeTable("p", "t"));
  CHECK(reopened.commit_threshold == 7);
  CHECK(reopened.properties == now.properties);
}

TEST_CASE("alter: a lower commit threshold queues the compactions now due", "[storage][alter]") {
  TempDir dir;
  TestClock clock;
  auto e = Must(Engine::Open(Options(dir.path, clock)));
  Must(e->CreateTable(KvTable("t", false, {{"compaction.major.commit-threshold", "50"}})));
  for (int i = 0; i < 6; ++i) Write(*e, "", i, "v");
  CHECK(Must(e->DescribeTable("p", "t")).commits_since_major == 6);
  Must(e->AlterTable("p", "t", {{"compaction.major.commit-threshold", "5"}}));
  e->WaitForCompactions();
  CHECK(Must(e->DescribeTable("p", "t")).commits_since_major == 0);
  CHECK(ScanRows(*e, "t").size() == 6);
}

TEST_CASE("alter: a longer retention keeps what is readable, never what expired",
          "[storage][alter]") {
  TempDir dir;
  TestClock clock;
  auto e = Must(Engine::Open(Options(dir.path, clock)));
  Must(e->CreateTable(KvTable("t", false, {{"acid.data.retain.hours", "1"}})));
  Write(*e, "", 1, "v1");  // version 1
  Write(*e, "", 1, "v2");  // 2
  clock.Advance(2 * 3600 * 1000);
  Write(*e, "", 1, "v3");  // 3: version 1 expired (2 came 2 h ago), 2 readable until 3 is 1 h old
  CHECK(e->Scan(At(1)).status().code() == ErrorCode::kVersionExpired);
  e->ReclaimExpiredVersions();

  Must(e->AlterTable("p", "t", {{"acid.data.retain.hours", "24"}}));
  CHECK(Must(e->DescribeTable("p", "t")).retain_hours == 24);
  auto expired = e->Scan(At(1));
  CHECK(expired.status().code() == ErrorCode::kVersionExpired);
  CHECK(ScanRows(*e, "t", AtVersion(2)).at(1).v == "v2");
  // Version 2 now stays readable past the old retention's hour.
  clock.Advance(5 * 3600 * 1000);
  Write(*e, "", 1, "v4");
  e->ReclaimExpiredVersions();
  CHECK(ScanRows(*e, "t", AtVersion(2)).at(1).v == "v2");
  e.reset();
  e = Must(Engine::Open(Options(dir.path, clock)));
  CHECK(e->Scan(At(1)).status().code() == ErrorCode::kVersionExpired);
  CHECK(ScanRows(*e, "t", AtVersion(2)).at(1).v == "v2");
  CHECK(ScanRows(*e, "t").at(1).v == "v4");
}

TEST_CASE("alter: lifecycle set after creation drops what has not changed since",
          "[storage][alter]") {
  TempDir dir;
  TestClock clock;
  auto e = Must(Engine::Open(Options(dir.path, clock)));
  Must(e->CreateTable(KvTable("t", true)));
  Write(*e, "ds=old", 1, "a");
  clock.Advance(3LL * 24 * 3600 * 1000);
  Write(*e, "ds=new", 1, "b");
  e->ApplyLifecycles();  // no lifecycle yet
  CHECK(Must(e->ListPartitions("p", "t")).size() == 2);
  CHECK(Must(e->AlterTable("p", "t", {{"lifecycle", "2"}})).properties.at("lifecycle") == "2");
  e->ApplyLifecycles();
  auto parts = Must(e->ListPartitions("p", "t"));
  REQUIRE(parts.size() == 1);
  CHECK(parts[0].partition == "ds=new");
}

TEST_CASE("alter: automatic compaction off waits for the backpressure bound, never past it",
          "[storage][alter]") {
  TempDir dir;
  TestClock clock;
  EngineOptions o = Options(dir.path, clock);
  o.max_pending_deltas = 8;
  auto e = Must(Engine::Open(o));
  CHECK(e->CreateTable(KvTable("bad", false, {{"compaction.major.auto", "no"}})).status().code() ==
        ErrorCode::kInvalidArgument);
  Must(e->CreateTable(
      KvTable("t", false,
              {{"compaction.major.commit-threshold", "3"}, {"compaction.major.auto", "false"}})));
  for (int i = 0; i < 6; ++i) Write(*e, "", i, "v");
  e->WaitForCompactions();
  CHECK(Must(e->DescribeTable("p", "t")).commits_since_major == 6);  // past the threshold
  // At the bound the partition is compacted all the same: writes go on, none refused for good.
  for (int i = 6; i < 20; ++i) {
    for (;;) {
      auto info = Must(e->DescribeTable("p", "t"));
      auto s = Must(e->OpenSession(SessionOn("t")));
      Batcher b(info);
      b.Upsert(i, "v");
      Status st = e->Append(s.id, b.batch());
      if (st.code() == ErrorCode::kFlowExceeded) {
        e->WaitForCompactions();
        continue;
      }
      MustOk(st);
      Must(e->Commit(s.id));
      break;
    }
  }
  e->WaitForCompactions();
  CHECK(Must(e->DescribeTable("p", "t")).commits_since_major < 8);
  CHECK(ScanRows(*e, "t").size() == 20);

  // Turned on again: the threshold applies at once.
  for (int i = 0; i < 4; ++i) Write(*e, "", 100 + i, "v");
  Must(e->AlterTable("p", "t", {{"compaction.major.auto", "true"}}));
  e->WaitForCompactions();
  CHECK(Must(e->DescribeTable("p", "t")).commits_since_major < 3);
  CHECK(e->AlterTable("p", "t", {{"compaction.major.auto", "maybe"}}).status().code() ==
        ErrorCode::kInvalidArgument);
}

TEST_CASE("alter: write.bucket.num changes only while the table is empty", "[storage][alter]") {
  TempDir dir;
  TestClock clock;
  auto e = Must(Engine::Open(Options(dir.path, clock)));
  Must(e->CreateTable(KvTable("t", true, {{"write.bucket.num", "4"}})));
  CHECK(e->AlterTable("p", "t", {{"write.bucket.num", "0"}}).status().code() ==
        ErrorCode::kInvalidArgument);
  CHECK(Must(e->AlterTable("p", "t", {{"write.bucket.num", "8"}})).bucket_num == 8);

  // An open session keeps it: its rows were placed in the buckets of the count it saw.
  auto s = Must(e->OpenSession(SessionOn("t", "ds=a")));
  auto open = e->AlterTable("p", "t", {{"write.bucket.num", "2"}});
  CHECK(open.status().code() == ErrorCode::kInvalidArgument);
  CHECK(open.status().message().find("open upsert session") != std::string::npos);
  {
    auto info = Must(e->DescribeTable("p", "t"));
    CHECK(info.bucket_num == 8);
    Batcher b(info);
    for (int k = 0; k < 50; ++k) b.Upsert(k, "v");
    MustOk(e->Append(s.id, b.batch()));
    Must(e->Commit(s.id));
  }
  // Written once: fixed for good, even once truncated (older versions read their buckets).
  auto written = e->AlterTable("p", "t", {{"write.bucket.num", "2"}});
  CHECK(written.status().code() == ErrorCode::kInvalidArgument);
  CHECK(written.status().message().find("has been written") != std::string::npos);
  Must(e->Truncate("p", "t", std::nullopt));
  CHECK(e->AlterTable("p", "t", {{"write.bucket.num", "2"}}).status().code() ==
        ErrorCode::kInvalidArgument);

  e.reset();
  e = Must(Engine::Open(Options(dir.path, clock)));
  CHECK(Must(e->DescribeTable("p", "t")).bucket_num == 8);
  CHECK(ScanRows(*e, "t", AtVersion(1)).size() == 50);
  LookupOptions lo;
  lo.project = "p";
  lo.table = "t";
  lo.partition = "ds=a";
  lo.at = AtVersion(1);
  for (int k = 0; k < 50; ++k) lo.keys.push_back({proto::Value(int64_t{k})});
  CHECK(Must(e->Lookup(lo)).rows.size() == 50);
}
