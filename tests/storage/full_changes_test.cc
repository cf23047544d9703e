// The full form of changes (ChangesOptions::every_version, issue 26): one record per key per
// version that changed it, insert / update / delete against the key's state before, with that
// state when asked. The named cases of the issue (a delete and re-insert in one range, a partial
// update, a key written twice in one session, a range across a major compaction, a truncate), then
// random writes against a model.
#include <fmt/format.h>

#include <random>

#include "test_util.h"

using namespace dt_test;
using Props = std::map<std::string, std::string>;

namespace {

struct Rec {
  int64_t key = 0;
  uint64_t version = 0;
  ChangeKind kind = ChangeKind::kInsert;
  std::optional<Cell> row;  // the state after (none for a delete)
  std::optional<Cell> before;
  friend bool operator==(const Rec&, const Rec&) = default;
};

std::string Show(const Rec& r) {
  auto cell = [](const std::optional<Cell>& c) {
    if (!c) return std::string("-");
    return fmt::format("({},{})", c->v.value_or("null"),
                       c->n ? fmt::format("{}", *c->n) : std::string("null"));
  };
  return fmt::format("k{}@{} {} {} before {}", r.key, r.version, ChangeKindName(r.kind),
                     cell(r.row), cell(r.before));
}

struct Fixture {
  TempDir dir;
  TestClock clock;
  std::unique_ptr<Engine> e;
  TableInfo info;

  explicit Fixture(Props props = {}) {
    props["acid.partial.fields.update.enable"] = "true";
    props["write.bucket.num"] = "4";
    e = Must(Engine::Open(Options(dir.path, clock)));
    info = Must(e->CreateTable(KvTable("t", false, std::move(props))));
  }
  // One session; each filler is one Append (one run per bucket it writes).
  uint64_t Commit(const std::vector<std::function<void(Batcher&)>>& appends) {
    auto s = Must(e->OpenSession(SessionOn("t", "")));
    for (const auto& fill : appends) {
      Batcher b(info);
      fill(b);
      MustOk(e->Append(s.id, b.batch()));
    }
    clock.Advance(10);
    return Must(e->Commit(s.id)).commit_version;
  }
  std::vector<Rec> Full(uint64_t from, std::optional<uint64_t> to = std::nullopt) {
    ChangesOptions o;
    o.project = "p";
    o.table = "t";
    o.from_version = from;
    o.to_version = to;
    o.every_version = true;
    o.include_before = true;
    auto it = Must(e->Changes(o));
    std::vector<Rec> out;
    for (; it->Valid(); it->Next()) {
      Rec r;
      r.key = it->row()[0].as_int();
      r.version = it->last_version();
      r.kind = it->kind();
      if (r.kind != ChangeKind::kDelete) {
        r.row = ToCell(it->row());
      } else {
        CHECK(it->row()[1].is_null());  // a delete carries its key only
      }
      if (it->before()) r.before = ToCell(*it->before());
      CHECK(it->committed_at_ms() > 0);
      out.push_back(r);
    }
    MustOk(it->status());
    return out;
  }
};

// Sorted by key, then version: the engine gives each key's records in version order, keys in
// bucket order; the order across keys is not a promise.
std::vector<Rec> ByKey(std::vector<Rec> recs) {
  std::stable_sort(recs.begin(), recs.end(), [](const Rec& a, const Rec& b) {
    return a.key != b.key ? a.key < b.key : a.version < b.version;
  });
  return recs;
}

void CheckVersionOrderPerKey(const std::vector<Rec>& recs) {
  std::map<int64_t, uint64_t> last;
  for (const Rec& r : recs) {
    auto [it, fresh] = last.try_emplace(r.key, r.version);
    if (!fresh) {
      CHECK(r.version > it->second);
      it->second = r.version;
    }
  }
}

Cell C(std::optional<std::string> v, std::optional<double> n = 1.0) { return {std::move(v), n}; }

}  // namespace

TEST_CASE("full changes: each version that changed a key, against its state before",
          "[storage][changes]") {
  Fixture f;
  REQUIRE(f.Commit({[](Batcher& b) { b.Upsert(1, "a").Upsert(2, "x"); }}) == 1);
  REQUIRE(f.Commit({[](Batcher& b) { b.Upsert(1, "b"); }}) == 2);
  REQUIRE(f.Commit({[](Batcher& b) { b.Delete(1).Delete(9); }}) == 3);  // 9 never existed
  REQUIRE(f.Commit({[](Batcher& b) { b.Upsert(1, "c", 7.0); }}) == 4);  // re-inserted
  REQUIRE(f.Commit({[](Batcher& b) { b.SetV(1, "d"); }}) == 5);         // partial: n kept
  // Written twice in one session, in two appends (two runs of one version): one record.
  REQUIRE(f.Commit({[](Batcher& b) { b.Upsert(2, "y"); }, [](Batcher& b) { b.Upsert(2, "z"); }}) ==
          6);
  REQUIRE(f.Commit({[](Batcher& b) { b.SetV(3, "p"); }}) == 7);  // a partial insert

  const std::vector<Rec> want = {
      {1, 1, ChangeKind::kInsert, C("a"), std::nullopt},
      {1, 2, ChangeKind::kUpdate, C("b"), C("a")},
      {1, 3, ChangeKind::kDelete, std::nullopt, C("b")},
      {1, 4, ChangeKind::kInsert, C("c", 7.0), std::nullopt},
      {1, 5, ChangeKind::kUpdate, C("d", 7.0), C("c", 7.0)},
      {2, 1, ChangeKind::kInsert, C("x"), std::nullopt},
      {2, 6, ChangeKind::kUpdate, C("z"), C("x")},
      {3, 7, ChangeKind::kInsert, C("p", std::nullopt), std::nullopt},
  };
  const std::vector<Rec> got = f.Full(0);
  CheckVersionOrderPerKey(got);
  CHECK(ByKey(got) == want);

  SECTION("a range starts from the state at its from_version") {
    const std::vector<Rec> mid = ByKey(f.Full(3, 5));
    REQUIRE(mid.size() == 2);
    CHECK(mid[0] == Rec{1, 4, ChangeKind::kInsert, C("c", 7.0), std::nullopt});
    CHECK(mid[1] == Rec{1, 5, ChangeKind::kUpdate, C("d", 7.0), C("c", 7.0)});
    CHECK(f.Full(7).empty());
  }

  SECTION("a major compaction inside the range changes nothing") {
    Must(f.e->Compact("p", "t", std::nullopt));
    f.e->WaitForCompactions();
    REQUIRE(f.Commit({[](Batcher& b) { b.Upsert(1, "e"); }}) == 8);
    std::vector<Rec> after = want;
    after.push_back({1, 8, ChangeKind::kUpdate, C("e"), C("d", 7.0)});
    CHECK(ByKey(f.Full(0)) == ByKey(after));
    // From a version the compaction folded: the state before comes from the older runs still.
    const std::vector<Rec> tail = ByKey(f.Full(5));
    REQUIRE(tail.size() == 3);
    CHECK(tail[0] == Rec{1, 8, ChangeKind::kUpdate, C("e"), C("d", 7.0)});
  }

  SECTION("a truncate deletes every key alive, each with its row before") {
    const uint64_t t = Must(f.e->Truncate("p", "t", std::nullopt)).front().version;
    REQUIRE(t == 8);
    REQUIRE(f.Commit({[](Batcher& b) { b.Upsert(2, "w"); }}) == 9);
    const std::vector<Rec> got2 = ByKey(f.Full(6));
    const std::vector<Rec> want2 = {
        {1, 8, ChangeKind::kDelete, std::nullopt, C("d", 7.0)},
        {2, 8, ChangeKind::kDelete, std::nullopt, C("z")},
        {2, 9, ChangeKind::kInsert, C("w"), std::nullopt},
        {3, 7, ChangeKind::kInsert, C("p", std::nullopt), std::nullopt},
        {3, 8, ChangeKind::kDelete, std::nullopt, C("p", std::nullopt)},
    };
    CHECK(ByKey(got2) == want2);
  }
}

TEST_CASE(
    "full changes: random writes, deletes, partial updates, compactions and truncates "
    "against a model",
    "[storage][changes]") {
  Fixture f;
  std::mt19937 rng(26);
  Rows state;
  std::vector<Rec> model;  // every version's records
  uint64_t version = 0;
  constexpr int kKeys = 40;
  for (int round = 0; round < 60; ++round) {
    const int dice = static_cast<int>(rng() % 20);
    if (dice == 0) {
      // A truncate: every key alive is deleted at it.
      auto made = Must(f.e->Truncate("p", "t", std::nullopt));
      if (made.empty()) continue;
      version = made.front().version;
      for (const auto& [k, cell] : state) {
        model.push_back({k, version, ChangeKind::kDelete, std::nullopt, cell});
      }
      state.clear();
      continue;
    }
    if (dice == 1) {
      Must(f.e->Compact("p", "t", std::nullopt));
      f.e->WaitForCompactions();
      continue;
    }
    // A session of one to three appends of a few writes each.
    Rows next = state;
    std::vector<std::function<void(Batcher&)>> appends;
    std::set<int64_t> touched;
    const int n_appends = 1 + static_cast<int>(rng() % 3);
    for (int a = 0; a < n_appends; ++a) {
      std::vector<std::tuple<int, int64_t, std::string, double>> ops;
      const int n_ops = 1 + static_cast<int>(rng() % 8);
      for (int i = 0; i < n_ops; ++i) {
        const int kind = static_cast<int>(rng() % 4);  // upsert, upsert, partial, delete
        const int64_t k = static_cast<int64_t>(rng() % kKeys);
        const std::string v = fmt::format("r{}a{}i{}", round, a, i);
        const double n = static_cast<double>(rng() % 100);
        ops.emplace_back(kind, k, v, n);
        touched.insert(k);
        if (kind <= 1) {
          next[k] = Cell{v, n};
        } else if (kind == 2) {
          auto it = next.find(k);
          if (it == next.end()) {
            next[k] = Cell{v, std::nullopt};
          } else {
            it->second.v = v;
          }
        } else {
          next.erase(k);
        }
      }
      appends.push_back([ops](Batcher& b) {
        for (const auto& [kind, k, v, n] : ops) {
          if (kind <= 1) {
            b.Upsert(k, v, n);
          } else if (kind == 2) {
            b.SetV(k, v);
          } else {
            b.Delete(k);
          }
        }
      });
    }
    version = f.Commit(appends);
    for (int64_t k : touched) {
      auto before = state.find(k);
      auto after = next.find(k);
      const bool had = before != state.end();
      const bool has = after != next.end();
      if (!had && !has) continue;
      Rec r{k, version,
            !has ? ChangeKind::kDelete : (had ? ChangeKind::kUpdate : ChangeKind::kInsert),
            std::nullopt, std::nullopt};
      if (has) r.row = after->second;
      if (had) r.before = before->second;
      model.push_back(r);
    }
    state = std::move(next);
  }
  REQUIRE(version > 40);

  // Every range the model can name: (from, to] at a few dozen random pairs and the whole log.
  std::vector<std::pair<uint64_t, uint64_t>> ranges = {{0, version}};
  for (int i = 0; i < 40; ++i) {
    uint64_t a = rng() % (version + 1);
    uint64_t b = rng() % (version + 1);
    if (a > b) std::swap(a, b);
    ranges.emplace_back(a, b);
  }
  for (const auto& [from, to] : ranges) {
    INFO("range (" << from << ", " << to << "]");
    std::vector<Rec> want;
    for (const Rec& r : model) {
      if (r.version > from && r.version <= to) want.push_back(r);
    }
    const std::vector<Rec> got = f.Full(from, to);
    CheckVersionOrderPerKey(got);
    const std::vector<Rec> sorted_got = ByKey(got);
    want = ByKey(want);
    if (sorted_got != want) {
      std::string diff;
      for (const Rec& r : want) diff += "want " + Show(r) + "\n";
      for (const Rec& r : sorted_got) diff += "got  " + Show(r) + "\n";
      FAIL(diff);
    }
  }
}
