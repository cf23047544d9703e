// Crash tests (promises 1, 2, 6, 7): a child process appends and commits, truncates the table
// every fifth version and adds a column (with a default) every fifth version too, reporting every
// acknowledged append, commit, truncate and schema change through a pipe, and is killed with
// SIGKILL at a random point.
// Its table has a compaction threshold of 2 commits, so major compactions run all the time and
// kills land inside them too; one variant kills the child exactly while a compaction has written
// its base and not yet published it.
// After each kill the parent reopens the engine and checks that every acknowledged commit is there,
// that nothing uncommitted is visible (the table equals the model of the committed sessions
// exactly), and that the session open at the kill is resumable: it is committed or aborted in turn.
//
// The child is this test binary run again (fork + exec) with the hidden test case below, so that it
// starts with a clean process instead of a fork of a multi-threaded one.
#include <sys/wait.h>
#include <unistd.h>
#include <csignal>
#include <cstdio>
#include <random>
#include <set>
#include <thread>

#include "crash_child.h"
#include "test_util.h"

using namespace dt_test;

namespace {

constexpr int kBatchesPerSession = 4;
constexpr int kRowsPerBatch = 50;

// Version s + 1 is made by session s, or, every fifth, by a truncate of the table, or, every fifth,
// by a schema change adding column "c<s>" INT DEFAULT s.
bool TruncateAt(int s) { return s % 5 == 4; }
bool AlterAt(int s) { return s % 5 == 2; }

// The rows of batch b of session s: distinct keys, so a batch is kRowsPerBatch rows after folding.
template <typename F>
void ForEachRow(int s, int b, F&& f) {
  std::mt19937 rng(static_cast<uint32_t>(s * 1000 + b));
  std::set<int64_t> keys;
  while (keys.size() < kRowsPerBatch)
    keys.insert(std::uniform_int_distribution<int64_t>(0, 499)(rng));
  for (int64_t k : keys) f(k, std::uniform_int_distribution<int>(0, 4)(rng) == 0);
}

std::string Value(int s, int b) { return "s" + std::to_string(s) + "b" + std::to_string(b); }

// Rows of the session's schema: the columns added before it opened are left null.
void FillBatch(proto::RowBatch& batch, int s, int b) {
  const size_t width = batch.schema().columns.size();
  ForEachRow(s, b, [&](int64_t k, bool del) {
    proto::Row row = MakeRow(k, del ? std::nullopt : std::optional(Value(s, b)),
                             del ? std::nullopt : std::optional(static_cast<double>(s)));
    row.resize(width);
    if (!batch.Add(std::move(row), del ? proto::RowOp::kDelete : proto::RowOp::kUpsert).ok()) {
      std::abort();
    }
  });
}

EngineOptions CrashOptions(const std::string& dir) {
  EngineOptions o;
  o.data_dir = dir;
  o.sync_commits = false;  // a process kill keeps what reached the OS; power loss is not tested
  return o;
}

void Say(int fd, const std::string& line);

[[noreturn]] void ChildFail(const char* what) {
  std::fprintf(stderr, "crash child: %s\n", what);
  _exit(3);
}

void Say(int fd, const std::string& line) {
  if (write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) ChildFail("pipe");
}

// Parses "A s b" and "C s v" lines; answers the highest acknowledged append per session and the
// acknowledged commits.
struct Acks {
  std::map<int, int> appended;  // session -> batches acknowledged
  std::map<int, uint64_t> committed;
  std::set<int> truncated;
  std::set<int> altered;
  bool ready = false;
  bool paused = false;  // a compaction is held before it publishes
};

void ParseAcks(const std::string& text, Acks* acks) {
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t end = text.find('\n', pos);
    if (end == std::string::npos) break;  // a line cut by the kill
    const std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    char tag = 0;
    long long a = 0, b = 0;
    if (line == "R") {
      acks->ready = true;
    } else if (line == "P") {
      acks->paused = true;
    } else if (std::sscanf(line.c_str(), "%c %lld %lld", &tag, &a, &b) == 3) {
      if (tag == 'A') acks->appended[static_cast<int>(a)] = static_cast<int>(b) + 1;
      if (tag == 'C') acks->committed[static_cast<int>(a)] = static_cast<uint64_t>(b);
      if (tag == 'T') acks->truncated.insert(static_cast<int>(a));
      if (tag == 'S') acks->altered.insert(static_cast<int>(a));
    }
  }
}

void RunCrashRounds(int rounds, uint64_t seed, bool kill_in_compaction = false) {
  INFO("crash test seed " << seed);
  TempDir dir;
  {
    auto e = Must(Engine::Open(CrashOptions(dir.path)));
    MustOk(e->CreateTable(
                KvTable("t", false,
                        {{"write.bucket.num", "4"}, {"compaction.major.commit-threshold", "2"}}))
               .status());
  }
  std::mt19937_64 rng(seed);
  std::map<int, int> batches;  // committed session index -> batches it committed
  std::set<int> truncates;     // the indices of the truncates that committed
  std::set<int> alters;        // the indices of the schema changes that committed

  for (int round = 0; round < rounds; ++round) {
    INFO("round " << round);
    std::vector<std::pair<std::string, std::string>> env = {{"DT_CRASH_DIR", dir.path}};
    if (kill_in_compaction) env.emplace_back("DT_CRASH_PAUSE", "1");
    CrashChild child("crash child", env, "DT_CRASH_FD");
    auto said = [](auto field) {
      return [field](const std::string& text) {
        Acks acks;
        ParseAcks(text, &acks);
        return acks.*field;
      };
    };
    // Wait until the child is ready, then let it run for a random while before the kill.
    REQUIRE(child.ReadUntil(said(&Acks::ready)));
    if (kill_in_compaction) {
      REQUIRE(child.ReadUntil(said(&Acks::paused)));
    } else {
      std::this_thread::sleep_for(
          std::chrono::microseconds(std::uniform_int_distribution<int>(0, 60000)(rng)));
    }
    child.Kill();
    Acks acks;
    ParseAcks(child.text, &acks);

    auto e = Must(Engine::Open(CrashOptions(dir.path)));
    const uint64_t version = Must(e->DescribeTable("p", "t")).version;
    // Every acknowledged commit is there, under the version it was answered with.
    for (const auto& [s, v] : acks.committed) {
      CHECK(v == static_cast<uint64_t>(s) + 1);
      CHECK(v <= version);
      batches[s] = kBatchesPerSession;
    }
    for (int s : acks.truncated) {
      CHECK(static_cast<uint64_t>(s) < version);
      truncates.insert(s);
    }
    for (int s : acks.altered) {
      CHECK(static_cast<uint64_t>(s) < version);
      alters.insert(s);
    }
    // A commit, truncate or schema change that happened without its acknowledgement is the
    // child's last one, whole.
    const uint64_t known = batches.size() + truncates.size() + alters.size();
    REQUIRE(version >= known);
    REQUIRE(version <= known + 1);
    if (version == known + 1) {
      const int last = static_cast<int>(version) - 1;
      if (TruncateAt(last)) {
        truncates.insert(last);
      } else if (AlterAt(last)) {
        alters.insert(last);
      } else {
        batches[last] = kBatchesPerSession;
      }
    }

    // The session open at the kill (the next index) holds at least its acknowledged appends.
    const int next = static_cast<int>(version);
    std::vector<SessionInfo> open;
    for (auto& s : Must(e->ListSessions("p", "t"))) {
      if (s.status == SessionStatus::kNormal) open.push_back(s);
    }
    REQUIRE(open.size() <= 1);
    if (acks.appended.count(next) != 0) REQUIRE(open.size() == 1);
    if (!open.empty()) {
      const SessionInfo& s = open.front();
      REQUIRE(s.rows % kRowsPerBatch == 0);
      const int durable = static_cast<int>(s.rows / kRowsPerBatch);
      CHECK(durable >= (acks.appended.count(next) ? acks.appended[next] : 0));
      CHECK(durable <= kBatchesPerSession);
      if (round % 2 == 0) {
        CHECK(Must(e->Commit(s.id)).commit_version == version + 1);
        batches[next] = durable;
      } else {
        MustOk(e->Abort(s.id).status());
      }
    }
    // The table is exactly the committed sessions, truncates and schema changes, applied in
    // order: a row written before column c<a> was added reads a, one written after it null.
    std::map<int64_t, std::pair<Cell, int>> want;  // k -> (v, n) and the session that wrote it
    const int made = static_cast<int>(batches.size() + truncates.size() + alters.size());
    for (int s = 0; s < made; ++s) {
      if (truncates.count(s) != 0) {
        want.clear();
        continue;
      }
      if (alters.count(s) != 0) continue;
      REQUIRE(batches.count(s) == 1);
      for (int b = 0; b < batches[s]; ++b) {
        ForEachRow(s, b, [&](int64_t k, bool del) {
          if (del) {
            want.erase(k);
          } else {
            want[k] = {Cell{Value(s, b), static_cast<double>(s)}, s};
          }
        });
      }
    }
    ScanOptions scan;
    scan.project = "p";
    scan.table = "t";
    auto it = Must(e->Scan(scan));
    REQUIRE(it->schema().columns.size() == 3 + alters.size());
    size_t rows = 0;
    for (; it->Valid(); it->Next(), ++rows) {
      const proto::Row& row = it->row();
      auto w = want.find(row[0].as_int());
      REQUIRE(w != want.end());
      CHECK(ToCell(row) == w->second.first);
      size_t column = 3;
      for (int a : alters) {
        const proto::Value expected =
            w->second.second < a ? proto::Value(int64_t{a}) : proto::Value();
        CHECK(row[column++] == expected);
      }
    }
    MustOk(it->status());
    CHECK(rows == want.size());
  }
  CHECK(batches.size() > 0);
}

}  // namespace

// The child side: runs only under RunCrashRounds (it needs the environment it sets).
TEST_CASE("crash child", "[.crash_child]") {
  const char* dir = std::getenv("DT_CRASH_DIR");
  const char* fd_text = std::getenv("DT_CRASH_FD");
  if (dir == nullptr || fd_text == nullptr) return;
  const int fd = std::atoi(fd_text);
  EngineOptions options = CrashOptions(dir);
  if (std::getenv("DT_CRASH_PAUSE") != nullptr) {
    // Hold every compaction after its base is written, until the kill.
    options.compaction_pause = [fd] {
      Say(fd, "P\n");
      std::this_thread::sleep_for(std::chrono::minutes(1));
    };
  }
  auto opened = Engine::Open(options);
  if (!opened.ok()) ChildFail("open");
  auto& e = *opened;
  auto info = e->DescribeTable("p", "t");
  if (!info.ok()) ChildFail("describe");
  Say(fd, "R\n");
  for (;;) {
    auto desc = e->DescribeTable("p", "t");
    if (!desc.ok()) ChildFail("describe");
    const int s = static_cast<int>(desc->version);
    if (AlterAt(s)) {
      SchemaChange change;
      proto::Column c{"c" + std::to_string(s), proto::Type{proto::TypeKind::kInt}, true, ""};
      c.default_value = proto::Value(int64_t{s});
      change.add_columns.push_back(c);
      auto altered = e->AlterSchema("p", "t", change);
      if (!altered.ok()) ChildFail("alter");
      Say(fd, "S " + std::to_string(s) + " " + std::to_string(altered->version) + "\n");
      continue;
    }
    if (TruncateAt(s)) {
      auto t = e->Truncate("p", "t", std::nullopt);
      if (!t.ok() || t->size() != 1) ChildFail("truncate");
      Say(fd, "T " + std::to_string(s) + " " + std::to_string(t->front().version) + "\n");
      continue;
    }
    auto session = e->OpenSession(SessionOn("t"));
    if (!session.ok()) ChildFail("open session");
    for (int b = 0; b < kBatchesPerSession; ++b) {
      proto::RowBatch batch(*session->schema, info->hasher, info->bucket_num);
      FillBatch(batch, s, b);
      // FlowExceeded: the compactor (at a lower CPU priority) is behind; wait as a client would.
      Status st;
      while ((st = e->Append(session->id, batch)).code() == ErrorCode::kFlowExceeded) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      if (!st.ok()) ChildFail(("append: " + st.ToString()).c_str());
      Say(fd, "A " + std::to_string(s) + " " + std::to_string(b) + "\n");
    }
    auto c = e->Commit(session->id);
    if (!c.ok()) ChildFail("commit");
    Say(fd, "C " + std::to_string(s) + " " + std::to_string(c->commit_version) + "\n");
  }
}

TEST_CASE("crash: SIGKILL at random points loses no acknowledged write", "[storage][crash]") {
  RunCrashRounds(20, 20261125);
}

TEST_CASE("crash: SIGKILL inside a compaction leaves the table as before", "[storage][crash]") {
  RunCrashRounds(6, 20261126, /*kill_in_compaction=*/true);
}

TEST_CASE("crash: many kills", "[storage][crash][.stress]") {
  RunCrashRounds(
      200, static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()));
}
