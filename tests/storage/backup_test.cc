// Backups (backup.h, backup_runner.h): an online backup holds each table at one version, whole;
// backups after the first copy only what changed; a restore brings the tables back as they were
// at those versions; verify finds a corrupted file; the errors leave nothing behind.
#include <chrono>
#include <fstream>
#include <thread>

#include "test_util.h"

using namespace dt_test;

namespace {

struct BackupFixture {
  TempDir data, backups, restored;
  TestClock clock;

  EngineOptions WithBackups() {
    EngineOptions o = Options(data.path, clock);
    o.backup_dir = backups.path + "/b";
    return o;
  }
};

void Write(Engine& e, const std::string& table, int64_t first, int64_t count,
           const std::string& tag) {
  auto s = Must(e.OpenSession(SessionOn(table)));
  auto info = Must(e.DescribeTable("p", table));
  Batcher b(info);
  for (int64_t k = first; k < first + count; ++k) b.Upsert(k, tag + std::to_string(k));
  MustOk(e.Append(s.id, b.batch()));
  Must(e.Commit(s.id));
}

// Waits for the running backup to end; answers it.
BackupJob Finish(Engine& e) {
  for (int i = 0; i < 6000; ++i) {
    std::optional<BackupJob> job = e.LastBackup();
    REQUIRE(job.has_value());
    if (job->state != "running") return *job;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  FAIL("the backup did not end in 30 s");
  return {};
}

uint64_t VersionIn(const BackupCheck& check, const std::string& table) {
  for (const auto& t : check.tables) {
    if (t.project == "p" && t.table == table) return t.version;
  }
  FAIL("table " + table + " is not in the backup");
  return 0;
}

}  // namespace

TEST_CASE("backup: off without a directory", "[storage][backup]") {
  BackupFixture f;
  auto e = Must(Engine::Open(Options(f.data.path, f.clock)));
  CHECK(e->StartBackup().status().code() == ErrorCode::kServiceUnavailable);
  CHECK(e->ListBackups().status().code() == ErrorCode::kServiceUnavailable);
  CHECK_FALSE(e->LastBackup().has_value());
}

TEST_CASE("backup: incremental backups, each restored as it was", "[storage][backup]") {
  BackupFixture f;
  auto e = Must(Engine::Open(f.WithBackups()));
  CHECK(Must(e->ListBackups()).empty());  // the directory is made by the first backup
  Must(e->CreateTable(KvTable("t")));
  Must(e->CreateTable(KvTable("u")));
  for (int i = 0; i < 4; ++i) Write(*e, "t", i * 5000, 5000, "a");
  Write(*e, "u", 0, 10, "u");

  BackupJob started = Must(e->StartBackup());
  CHECK(started.state == "running");
  BackupJob first = Finish(*e);
  REQUIRE(first.state == "done");
  REQUIRE(first.result.has_value());
  CHECK(VersionIn(*first.result, "t") == 4);
  CHECK(VersionIn(*first.result, "u") == 1);
  CHECK(first.finished_at_ms >= first.started_at_ms);
  CHECK(first.result->backup.files > 0);
  CHECK(first.bytes_copied > 0);

  Write(*e, "t", 0, 10, "b");  // version 5 of t
  Must(e->StartBackup());
  BackupJob second = Finish(*e);
  REQUIRE(second.state == "done");
  CHECK(VersionIn(*second.result, "t") == 5);
  // Incremental: the files of the first backup are not copied again.
  CHECK(second.bytes_copied < first.bytes_copied);
  std::vector<BackupInfo> list = Must(e->ListBackups());
  REQUIRE(list.size() == 2);
  CHECK(list[0].id == first.result->backup.id);
  CHECK(list[1].id == second.result->backup.id);

  const Rows t_at_4 = ScanRows(*e, "t", AtVersion(4));
  const Rows t_now = ScanRows(*e, "t");
  const Rows u_now = ScanRows(*e, "u");
  e.reset();

  // The first backup, restored: t as it was at version 4, u whole.
  BackupCheck restored = Must(RestoreBackup(f.backups.path + "/b", list[0].id, f.restored.path));
  CHECK(VersionIn(restored, "t") == 4);
  {
    auto r = Must(Engine::Open(Options(f.restored.path, f.clock)));
    CHECK(Must(r->DescribeTable("p", "t")).version == 4);
    CHECK(ScanRows(*r, "t") == t_at_4);
    CHECK(ScanRows(*r, "u") == u_now);
  }
  // A restore never writes over a database.
  auto again = RestoreBackup(f.backups.path + "/b", std::nullopt, f.restored.path);
  CHECK(again.status().code() == ErrorCode::kInvalidArgument);
  {
    auto r = Must(Engine::Open(Options(f.restored.path, f.clock)));
    CHECK(Must(r->DescribeTable("p", "t")).version == 4);
  }
  // The latest, into another directory.
  TempDir latest;
  Must(RestoreBackup(f.backups.path + "/b", std::nullopt, latest.path));
  auto r = Must(Engine::Open(Options(latest.path, f.clock)));
  CHECK(ScanRows(*r, "t") == t_now);
}

TEST_CASE("backup: during ingest, every table at one version, whole", "[storage][backup]") {
  BackupFixture f;
  auto e = Must(Engine::Open(f.WithBackups()));
  Must(e->CreateTable(KvTable("t")));
  Must(e->CreateTable(KvTable("u")));
  // Each commit rewrites keys 0..999 of one table with its version's tag: a version read whole
  // has one tag, and a half-applied commit would show two.
  std::atomic<bool> stop{false};
  std::atomic<int> commits{0};
  std::thread writer([&] {
    for (int i = 0; !stop; ++i) {
      const std::string table = i % 2 ? "u" : "t";
      auto s = e->OpenSession(SessionOn(table));
      if (!s.ok()) return;
      auto info = e->DescribeTable("p", table);
      Batcher b(*info);
      for (int64_t k = 0; k < 1000; ++k) b.Upsert(k, "c" + std::to_string(i));
      if (!e->Append(s->id, b.batch()).ok() || !e->Commit(s->id).ok()) return;
      ++commits;
    }
  });
  while (commits < 5) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  Must(e->StartBackup());
  BackupJob job = Finish(*e);
  const int at_end = commits;
  stop = true;
  writer.join();
  REQUIRE(job.state == "done");
  CHECK(commits > at_end - 1);
  const uint64_t vt = VersionIn(*job.result, "t");
  const uint64_t vu = VersionIn(*job.result, "u");
  CHECK(vt >= 2);
  const Rows t_then = ScanRows(*e, "t", AtVersion(vt));
  const Rows u_then = ScanRows(*e, "u", AtVersion(vu));
  e.reset();

  Must(RestoreBackup(f.backups.path + "/b", std::nullopt, f.restored.path));
  auto r = Must(Engine::Open(Options(f.restored.path, f.clock)));
  CHECK(Must(r->DescribeTable("p", "t")).version == vt);
  CHECK(Must(r->DescribeTable("p", "u")).version == vu);
  const Rows t_restored = ScanRows(*r, "t");
  CHECK(t_restored == t_then);
  CHECK(ScanRows(*r, "u") == u_then);
  std::set<std::string> tags;
  for (const auto& [k, cell] : t_restored) tags.insert(cell.v.value_or(""));
  CHECK(tags.size() == 1);
  CHECK(t_restored.size() == 1000);
}

TEST_CASE("backup: verify finds a corrupted file; one at a time", "[storage][backup]") {
  BackupFixture f;
  const std::string dir = f.backups.path + "/b";
  {
    auto e = Must(Engine::Open(f.WithBackups()));
    Must(e->CreateTable(KvTable("t")));
    Write(*e, "t", 0, 20000, "a");
    Must(e->StartBackup());
    // A second backup, a verify or a delete while one runs is refused, not queued.
    CHECK(e->StartBackup().status().code() == ErrorCode::kStatusConflict);
    CHECK(e->VerifyBackup(1).status().code() == ErrorCode::kStatusConflict);
    CHECK(e->DeleteBackup(1).code() == ErrorCode::kStatusConflict);
    REQUIRE(Finish(*e).state == "done");
    BackupCheck check = Must(e->VerifyBackup(1));
    CHECK(VersionIn(check, "t") == 1);
    CHECK(e->VerifyBackup(7).status().code() == ErrorCode::kNoSuchObject);
  }
  CHECK(VersionIn(Must(VerifyBackup(dir, std::nullopt)), "t") == 1);
  CHECK(ListBackups(f.backups.path + "/none").status().code() == ErrorCode::kNoSuchObject);

  // Flip a byte in the middle of the largest table file the backup holds.
  std::filesystem::path largest;
  uintmax_t size = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().extension() == ".sst" && entry.file_size() > size) {
      size = entry.file_size();
      largest = entry.path();
    }
  }
  REQUIRE(size > 0);
  {
    std::fstream file(largest, std::ios::in | std::ios::out | std::ios::binary);
    file.seekg(static_cast<std::streamoff>(size / 2));
    char c = 0;
    file.read(&c, 1);
    c = static_cast<char>(c ^ 0x5a);
    file.seekp(static_cast<std::streamoff>(size / 2));
    file.write(&c, 1);
  }
  auto bad = VerifyBackup(dir, std::nullopt);
  CHECK(bad.status().code() == ErrorCode::kCorruption);
  // A restore of it is refused before it writes anything.
  auto restore = RestoreBackup(dir, std::nullopt, f.restored.path);
  CHECK(restore.status().code() == ErrorCode::kCorruption);
  CHECK_FALSE(std::filesystem::exists(f.restored.path + "/CURRENT"));
}

TEST_CASE("backup: delete, and an engine closed mid-backup", "[storage][backup]") {
  BackupFixture f;
  {
    auto e = Must(Engine::Open(f.WithBackups()));
    Must(e->CreateTable(KvTable("t")));
    Write(*e, "t", 0, 1000, "a");
    Must(e->StartBackup());
    REQUIRE(Finish(*e).state == "done");
    Write(*e, "t", 0, 50000, "b");
    Must(e->StartBackup());
  }  // closed while the second may still run: it stops, and what it copied is not a backup
  auto e = Must(Engine::Open(f.WithBackups()));
  std::vector<BackupInfo> list = Must(e->ListBackups());
  REQUIRE(!list.empty());
  Must(e->StartBackup());
  REQUIRE(Finish(*e).state == "done");
  list = Must(e->ListBackups());
  REQUIRE(list.size() >= 2);
  MustOk(e->DeleteBackup(list.front().id));
  CHECK(Must(e->ListBackups()).size() == list.size() - 1);
  CHECK(e->DeleteBackup(list.front().id).code() == ErrorCode::kNoSuchObject);
  CHECK(VersionIn(Must(e->VerifyBackup(list.back().id)), "t") == 2);
}
