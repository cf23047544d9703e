// One key's history (Engine::History, issue 26): every committed state within retention, newest
// first, across deletes and re-inserts, partial updates, two writes in one session, a major
// compaction and a truncate; bounded by its limit; the expired ones gone but the current state.
#include <fmt/format.h>

#include "test_util.h"

using namespace dt_test;
using Props = std::map<std::string, std::string>;

namespace {

struct Fixture {
  TempDir dir;
  TestClock clock;
  std::unique_ptr<Engine> e;
  TableInfo info;

  explicit Fixture(Props props) {
    props["acid.partial.fields.update.enable"] = "true";
    e = Must(Engine::Open(Options(dir.path, clock)));
    info = Must(e->CreateTable(KvTable("t", false, std::move(props))));
  }
  uint64_t CommitBatch(const std::function<void(Batcher&)>& fill) {
    auto s = Must(e->OpenSession(SessionOn("t", "")));
    Batcher b(info);
    fill(b);
    MustOk(e->Append(s.id, b.batch()));
    clock.Advance(10);
    return Must(e->Commit(s.id)).commit_version;
  }
  KeyHistory History(int64_t k, size_t limit = 100) {
    HistoryOptions o;
    o.project = "p";
    o.table = "t";
    o.key = {proto::Value(k)};
    o.limit = limit;
    return Must(e->History(o));
  }
};

// "op:version:v" per state, newest first ("-" for a null v).
std::vector<std::string> Brief(const KeyHistory& h) {
  std::vector<std::string> out;
  for (const KeyState& s : h.states) {
    if (s.op == proto::RowOp::kDelete) {
      out.push_back(fmt::format("delete:{}", s.version));
    } else {
      out.push_back(fmt::format("upsert:{}:{}", s.version,
                                s.row[1].is_null() ? "-" : std::string(s.row[1].as_string())));
    }
  }
  return out;
}

}  // namespace

TEST_CASE("history: every state of one key, newest first", "[storage][history]") {
  Fixture f(Props{});
  REQUIRE(f.CommitBatch([](Batcher& b) { b.Upsert(1, "a").Upsert(2, "x"); }) == 1);
  REQUIRE(f.CommitBatch([](Batcher& b) { b.Upsert(2, "y"); }) == 2);  // another key only
  REQUIRE(f.CommitBatch([](Batcher& b) { b.Delete(1); }) == 3);
  REQUIRE(f.CommitBatch([](Batcher& b) { b.Upsert(1, "c", 7.0); }) == 4);  // re-inserted
  REQUIRE(f.CommitBatch([](Batcher& b) { b.SetV(1, "d"); }) == 5);         // partial: n kept
  REQUIRE(f.CommitBatch([](Batcher& b) { b.Upsert(1, "e").Upsert(1, "f"); }) == 6);
  CHECK(Brief(f.History(1)) == std::vector<std::string>{"upsert:6:f", "upsert:5:d", "upsert:4:c",
                                                        "delete:3", "upsert:1:a"});
  // The partial update's state is the whole row: the column it did not name kept.
  const KeyHistory h = f.History(1);
  CHECK(h.version == 6);
  CHECK(h.states[1].row[2].as_double() == 7.0);
  CHECK(h.states[0].committed_at_ms > h.states[1].committed_at_ms);
  REQUIRE(h.states[0].schema != nullptr);
  CHECK(h.states[0].schema->columns.size() == 3);
  CHECK(!h.more);
  // A key never written has no history; another key's history is its own.
  CHECK(f.History(3).states.empty());
  CHECK(Brief(f.History(2)) == std::vector<std::string>{"upsert:2:y", "upsert:1:x"});

  SECTION("the limit keeps the newest and says there is more") {
    const KeyHistory two = f.History(1, 2);
    CHECK(Brief(two) == std::vector<std::string>{"upsert:6:f", "upsert:5:d"});
    CHECK(two.more);
  }
  SECTION("a major compaction changes nothing of it") {
    auto c = Must(f.e->Compact("p", "t", std::nullopt));
    f.e->WaitForCompactions();
    (void)c;
    REQUIRE(f.CommitBatch([](Batcher& b) { b.Upsert(1, "g"); }) == 7);
    CHECK(Brief(f.History(1)) == std::vector<std::string>{"upsert:7:g", "upsert:6:f", "upsert:5:d",
                                                          "upsert:4:c", "delete:3", "upsert:1:a"});
  }
  SECTION("a truncate deletes the key at its version; a later one that finds it gone does not") {
    Must(f.e->Truncate("p", "t", std::nullopt));  // version 7
    Must(f.e->Truncate("p", "t", std::nullopt));  // version 8: key 1 already gone
    CHECK(Brief(f.History(1)) == std::vector<std::string>{"delete:7", "upsert:6:f", "upsert:5:d",
                                                          "upsert:4:c", "delete:3", "upsert:1:a"});
  }
}

TEST_CASE("history: states past retention are gone, the current one stays", "[storage][history]") {
  Fixture f(Props{{"acid.data.retain.hours", "1"}});
  REQUIRE(f.CommitBatch([](Batcher& b) { b.Upsert(1, "a"); }) == 1);
  REQUIRE(f.CommitBatch([](Batcher& b) { b.Upsert(1, "b"); }) == 2);
  REQUIRE(f.CommitBatch([](Batcher& b) { b.Upsert(2, "x"); }) == 3);
  CHECK(Brief(f.History(1)) == std::vector<std::string>{"upsert:2:b", "upsert:1:a"});
  f.clock.Advance(2 * 3600 * 1000);
  f.e->ReclaimExpiredVersions();
  // Version 2 is past retention (version 3 came over an hour ago), but key 1 is still as it made
  // it.
  CHECK(Brief(f.History(1)) == std::vector<std::string>{"upsert:2:b"});
  CHECK(Brief(f.History(2)) == std::vector<std::string>{"upsert:3:x"});
}
