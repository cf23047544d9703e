// The catalog: create, describe, list, drop; refusals with their reasons; persistence.
#include "test_util.h"

using namespace dt_test;

TEST_CASE("catalog: create fills in defaults and survives a reopen", "[storage][catalog]") {
  TempDir dir;
  TestClock clock;
  {
    auto e = Must(Engine::Open(Options(dir.path, clock)));
    auto info = Must(e->CreateTable(KvTable("Orders", false, {{"custom.key", "x"}})));
    CHECK(info.name == "Orders");
    CHECK(info.version == 0);
    CHECK(info.bucket_num == 16);
    CHECK(info.retain_hours == 24);
    CHECK(info.commit_threshold == 20);
    CHECK_FALSE(info.partial_update);
    CHECK(info.properties.at("write.bucket.num") == "16");
    CHECK(info.properties.at("acid.partial.fields.update.enable") == "false");
    CHECK(info.properties.at("custom.key") == "x");
    CHECK(info.created_at_ms == clock.now->load());
  }
  auto e = Must(Engine::Open(Options(dir.path, clock)));
  auto info = Must(e->DescribeTable("P", "orders"));  // names are case-insensitive
  CHECK(info.name == "Orders");
  CHECK(info.project == "p");
  CHECK(info.schema == KvSchema());
  CHECK(info.properties.at("custom.key") == "x");
  auto list = Must(e->ListTables("p"));
  REQUIRE(list.size() == 1);
  CHECK(e->ListTables("other").status().code() == ErrorCode::kNoSuchProject);
}

TEST_CASE("catalog: refusals name the reason and leave nothing", "[storage][catalog]") {
  TempDir dir;
  TestClock clock;
  auto e = Must(Engine::Open(Options(dir.path, clock)));
  MustOk(e->CreateTable(KvTable("t")).status());

  auto dup = e->CreateTable(KvTable("T"));
  CHECK(dup.status().code() == ErrorCode::kTableAlreadyExists);

  struct Bad {
    std::map<std::string, std::string> props;
    std::string needle;
  };
  for (const Bad& bad :
       std::vector<Bad>{{{{"write.bucket.num", "0"}}, "write.bucket.num"},
                        {{{"write.bucket.num", "4097"}}, "write.bucket.num"},
                        {{{"write.bucket.num", "x"}}, "write.bucket.num"},
                        {{{"acid.data.retain.hours", "169"}}, "retain"},
                        {{{"compaction.major.commit-threshold", "0"}}, "threshold"},
                        {{{"acid.partial.fields.update.enable", "yes"}}, "partial"},
                        {{{"transactional", "false"}}, "transactional"}}) {
    auto r = e->CreateTable(KvTable("bad", false, bad.props));
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == ErrorCode::kInvalidArgument);
    CHECK(r.status().message().find(bad.needle) != std::string::npos);
  }
  TableDef no_key = KvTable("bad");
  no_key.schema.primary_key.clear();
  CHECK(e->CreateTable(no_key).status().code() == ErrorCode::kInvalidArgument);
  TableDef bad_name = KvTable("1bad");
  CHECK(e->CreateTable(bad_name).status().code() == ErrorCode::kInvalidArgument);
  TableDef bad_project = KvTable("ok");
  bad_project.project = "a-b";
  CHECK(e->CreateTable(bad_project).status().code() == ErrorCode::kInvalidArgument);

  CHECK(e->DescribeTable("p", "bad").status().code() == ErrorCode::kNoSuchTable);
  CHECK(Must(e->ListTables("p")).size() == 1);
  CHECK(e->DropTable("p", "nope").code() == ErrorCode::kNoSuchTable);
}

TEST_CASE("catalog: drop removes data and sessions; the name can be reused", "[storage][catalog]") {
  TempDir dir;
  TestClock clock;
  auto e = Must(Engine::Open(Options(dir.path, clock)));
  auto info = Must(e->CreateTable(KvTable("t")));
  auto committed = Must(e->OpenSession(SessionOn("t")));
  Batcher b(info);
  b.Upsert(1, "a").Upsert(2, "b");
  MustOk(e->Append(committed.id, b.batch()));
  MustOk(e->Commit(committed.id).status());
  auto open = Must(e->OpenSession(SessionOn("t")));
  MustOk(e->Append(open.id, b.batch()));

  MustOk(e->DropTable("p", "T"));
  CHECK(e->DescribeTable("p", "t").status().code() == ErrorCode::kNoSuchTable);
  CHECK(e->GetSession(open.id).status().code() == ErrorCode::kUpsertSessionNotFound);
  CHECK(e->GetSession(committed.id).status().code() == ErrorCode::kUpsertSessionNotFound);
  CHECK(e->Append(open.id, b.batch()).code() == ErrorCode::kUpsertSessionNotFound);
  CHECK(e->Stats().open_sessions == 0);

  auto again = Must(e->CreateTable(KvTable("t")));
  CHECK(again.version == 0);
  CHECK(ScanRows(*e, "t").empty());
  e.reset();
  e = Must(Engine::Open(Options(dir.path, clock)));
  CHECK(Must(e->DescribeTable("p", "t")).version == 0);
  CHECK(ScanRows(*e, "t").empty());
  CHECK(e->GetSession(open.id).status().code() == ErrorCode::kUpsertSessionNotFound);
}

TEST_CASE("catalog: partitions are listed once committed", "[storage][catalog]") {
  TempDir dir;
  TestClock clock;
  auto e = Must(Engine::Open(Options(dir.path, clock)));
  auto info = Must(e->CreateTable(KvTable("t", true)));
  CHECK(Must(e->ListPartitions("p", "t")).empty());
  for (const char* ds : {"b", "a"}) {
    auto s = Must(e->OpenSession(SessionOn("t", std::string("DS=") + ds)));
    Batcher b(info);
    b.Upsert(1, "x").Upsert(2, "y");
    MustOk(e->Append(s.id, b.batch()));
    CHECK(Must(e->ListPartitions("p", "t")).size() == (ds[0] == 'b' ? 0 : 1));
    MustOk(e->Commit(s.id).status());
  }
  auto parts = Must(e->ListPartitions("p", "t"));
  REQUIRE(parts.size() == 2);
  CHECK(parts[0].partition == "ds=a");
  CHECK(parts[0].version == 2);
  CHECK(parts[0].rows == 2);
  CHECK(parts[0].commits_since_major == 1);
  CHECK(parts[1].partition == "ds=b");
  auto desc = Must(e->DescribeTable("p", "t"));
  CHECK(desc.partitions == 2);
  CHECK(desc.rows == 4);
  CHECK(desc.version == 2);
  CHECK(e->OpenSession(SessionOn("t", "nope=1")).status().code() == ErrorCode::kInvalidArgument);
  e.reset();
  e = Must(Engine::Open(Options(dir.path, clock)));
  CHECK(Must(e->ListPartitions("p", "t")).size() == 2);
  CHECK(Must(e->DescribeTable("p", "t")).rows == 4);
}
