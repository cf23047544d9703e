// Crash test of partition drops (issue 25: a drop under SIGKILL is all of it or none): a child
// process commits a row into each of three partitions, then drops all three in one call (one
// atomic step, a version each), over and over, reporting what was acknowledged, and is killed with
// SIGKILL at a random point. After each kill the parent reopens the engine and checks that every
// acknowledged commit and drop is in the log, that the drops are whole (three versions in a row,
// never fewer), that the partition listing follows the log, and that each partition holds exactly
// the rows committed after its last drop.
//
// The child is this test binary run again (fork + exec), as in crash_test.cc.
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <random>
#include <thread>

#include "crash_child.h"
#include "test_util.h"

using namespace dt_test;

namespace {

const std::vector<std::string> kParts = {"ds=a", "ds=b", "ds=c"};

EngineOptions DropCrashOptions(const std::string& dir) {
  EngineOptions o;
  o.data_dir = dir;
  o.sync_commits = false;  // a process kill keeps what reached the OS
  return o;
}

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "drop crash child: %s\n", what.c_str());
  _exit(3);
}

void Say(int fd, const std::string& line) {
  if (write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) Fail("pipe");
}

// "R", "C v" (a commit acknowledged at version v), "D first last" (a drop of the three).
struct DropAcks {
  bool ready = false;
  std::vector<uint64_t> commits;
  std::vector<std::pair<uint64_t, uint64_t>> drops;
};

DropAcks Parse(const std::string& text) {
  DropAcks acks;
  size_t pos = 0;
  for (size_t end; (end = text.find('\n', pos)) != std::string::npos; pos = end + 1) {
    const std::string line = text.substr(pos, end - pos);
    unsigned long long a = 0, b = 0;
    if (line == "R") acks.ready = true;
    if (std::sscanf(line.c_str(), "C %llu", &a) == 1) acks.commits.push_back(a);
    if (std::sscanf(line.c_str(), "D %llu %llu", &a, &b) == 2) acks.drops.emplace_back(a, b);
  }
  return acks;
}

}  // namespace

TEST_CASE("drop crash child", "[.crash_child]") {
  const char* dir = std::getenv("DT_DROP_CRASH_DIR");
  const char* fd_text = std::getenv("DT_DROP_CRASH_FD");
  if (dir == nullptr || fd_text == nullptr) return;
  const int fd = std::atoi(fd_text);
  auto opened = Engine::Open(DropCrashOptions(dir));
  if (!opened.ok()) Fail("open");
  auto& e = *opened;
  auto info = e->DescribeTable("p", "d");
  if (!info.ok()) Fail("describe");
  Say(fd, "R\n");
  for (;;) {
    for (const std::string& part : kParts) {
      auto desc = e->DescribeTable("p", "d");
      auto session = e->OpenSession(SessionOn("d", part));
      if (!desc.ok() || !session.ok()) Fail("open session");
      Batcher batch(*info);
      batch.Upsert(static_cast<int64_t>(desc->version), "v");  // a key no other commit writes
      Status st = e->Append(session->id, batch.batch());
      if (!st.ok()) Fail("append: " + st.ToString());
      auto c = e->Commit(session->id);
      if (!c.ok()) Fail("commit: " + c.status().ToString());
      Say(fd, "C " + std::to_string(c->commit_version) + "\n");
    }
    auto dropped = e->DropPartitions("p", "d", kParts, false);
    if (!dropped.ok() || dropped->size() != kParts.size()) Fail("drop");
    Say(fd, "D " + std::to_string(dropped->front().version) + " " +
                std::to_string(dropped->back().version) + "\n");
  }
}

TEST_CASE("crash: SIGKILL during partition drops leaves each drop whole or absent",
          "[storage][crash]") {
  TempDir dir;
  {
    auto e = Must(Engine::Open(DropCrashOptions(dir.path)));
    Must(e->CreateTable(KvTable("d", true, {{"write.bucket.num", "2"}})));
  }
  std::mt19937_64 rng(20261206);
  uint64_t drops_seen = 0;
  for (int round = 0; round < 12; ++round) {
    INFO("round " << round);
    CrashChild child("drop crash child", {{"DT_DROP_CRASH_DIR", dir.path}}, "DT_DROP_CRASH_FD");
    REQUIRE(child.ReadUntil([](const std::string& text) { return Parse(text).ready; }));
    std::this_thread::sleep_for(
        std::chrono::microseconds(std::uniform_int_distribution<int>(0, 40000)(rng)));
    child.Kill();
    const DropAcks acks = Parse(child.text);

    auto e = Must(Engine::Open(DropCrashOptions(dir.path)));
    const uint64_t latest = Must(e->DescribeTable("p", "d")).version;
    std::vector<CommitInfo> log = Must(e->Versions("p", "d", 1 << 20));
    std::reverse(log.begin(), log.end());  // oldest first
    REQUIRE(log.size() == latest);
    for (size_t i = 0; i < log.size(); ++i) REQUIRE(log[i].version == i + 1);
    for (uint64_t v : acks.commits) {
      REQUIRE(v <= latest);
      CHECK(log[v - 1].operation == CommitOperation::kCommit);
    }
    for (const auto& [first, last] : acks.drops) {
      REQUIRE(last <= latest);
      for (uint64_t v = first; v <= last; ++v) {
        CHECK(log[v - 1].operation == CommitOperation::kDropPartition);
      }
    }
    // Every drop in the log is whole: a, b and c in three versions in a row.
    std::map<std::string, uint64_t> last_drop;
    std::map<std::string, uint64_t> rows_since;
    std::map<std::string, bool> listed;
    for (size_t i = 0; i < log.size(); ++i) {
      const CommitInfo& c = log[i];
      if (c.operation == CommitOperation::kDropPartition) {
        REQUIRE(c.partition == "ds=a");
        REQUIRE(i + 2 < log.size());
        CHECK(log[i + 1].operation == CommitOperation::kDropPartition);
        CHECK(log[i + 1].partition == "ds=b");
        CHECK(log[i + 2].operation == CommitOperation::kDropPartition);
        CHECK(log[i + 2].partition == "ds=c");
        for (const auto& p : kParts) {
          rows_since[p] = 0;
          listed[p] = false;
        }
        i += 2;
        ++drops_seen;
        continue;
      }
      REQUIRE(c.operation == CommitOperation::kCommit);
      ++rows_since[c.partition];
      listed[c.partition] = true;
    }
    // The listing follows the log, and each partition holds the rows committed since its drop.
    std::map<std::string, bool> got_listed;
    for (const auto& p : Must(e->ListPartitions("p", "d"))) got_listed[p.partition] = true;
    for (const auto& p : kParts) {
      INFO(p);
      CHECK(got_listed[p] == listed[p]);
      CHECK(ScanRows(*e, "d", {}, p).size() == rows_since[p]);
    }
  }
  CHECK(drops_seen > 0);
}
