// A partition's manifest kept in M, C and F records and rebuilt from them (manifest_record.h).
#include <map>
#include <random>

#include "../../storage/src/keys.h"
#include "../../storage/src/manifest_record.h"
#include "test_util.h"

using namespace deltatunnel;
using namespace deltatunnel::storage;
using namespace dt_test;
using keys::kBaseRunBit;

namespace {

// The engine's history of one partition with 2 buckets, kept as the records it writes.
struct History {
  PartitionManifest m;
  std::map<uint64_t, messages::CommitRecord> commits;  // C records
  std::map<uint64_t, std::string> filters;             // F records
  uint64_t next_run = 1;

  History() { m.buckets.resize(2); }

  static std::string Filter(uint64_t run_id) { return "filter of " + std::to_string(run_id); }

  void Commit() {
    const uint64_t v = ++m.version;
    messages::CommitRecord& c = commits[v];
    c.set_version(v);
    for (uint32_t b = 0; b < 2; ++b) {
      const uint64_t id = next_run++;
      auto* r = c.add_runs();
      r->set_run_id(id);
      r->set_bucket(b);
      r->set_rows(10 * v + b);
      r->set_bytes(100 * v + b);
      r->set_key_filter(Filter(id));
      m.buckets[b].push_back(MakeRunRef(id, v, r->rows(), r->bytes(), r->key_filter(), 0));
    }
  }

  // A major compaction at the last version, published as the engine does (WithBases).
  void Compact() {
    const uint64_t vc = m.version;
    std::vector<RunRef> bases;
    for (uint32_t b = 0; b < 2; ++b) {
      const uint64_t id = kBaseRunBit | next_run++;
      RunRef base = MakeRunRef(id, vc, 7, 70, Filter(id), 0);
      base.base = true;
      filters[base.run_id] = *base.key_filter;
      bases.push_back(std::move(base));
    }
    m = *WithBases(m, m, vc, bases);
  }

  // Retention, as the engine does it.
  void Drop(uint64_t oldest) { DropExpiredRuns(&m, oldest); }
};

PartitionManifest Load(const messages::PartitionRunsRecord& rec,
                       const std::map<uint64_t, messages::CommitRecord>& commits,
                       const std::map<uint64_t, std::string>& filters) {
  PartitionManifest m;
  m.buckets.resize(2);
  ManifestLoader loader(&m);
  auto filter_of = [&](uint64_t run_id) -> Result<std::string> {
    auto it = filters.find(run_id);
    return it == filters.end() ? std::string() : it->second;
  };
  MustOk(loader.AddRunsRecord(rec, filter_of));
  for (const auto& [v, c] : commits) MustOk(loader.AddCommit(c));
  loader.Finish();
  return m;
}

// Every field a read, a compaction or a reclaim uses.
void CheckSame(const PartitionManifest& a, const PartitionManifest& b) {
  CHECK(a.version == b.version);
  CHECK(a.base_version == b.base_version);
  CHECK(a.deltas_dropped_through == b.deltas_dropped_through);
  REQUIRE(a.buckets.size() == b.buckets.size());
  for (size_t i = 0; i < a.buckets.size(); ++i) {
    REQUIRE(a.buckets[i].size() == b.buckets[i].size());
    for (size_t j = 0; j < a.buckets[i].size(); ++j) {
      const RunRef& x = a.buckets[i][j];
      const RunRef& y = b.buckets[i][j];
      INFO("bucket " << i << ", run " << j << ": id " << x.run_id << " and " << y.run_id);
      CHECK(x.run_id == y.run_id);
      CHECK(x.version == y.version);
      CHECK(x.base == y.base);
      CHECK(x.hidden_from == y.hidden_from);
      CHECK(x.rows == y.rows);
      CHECK(x.bytes == y.bytes);
      CHECK(x.in_runs_record == y.in_runs_record);
      REQUIRE((x.key_filter == nullptr) == (y.key_filter == nullptr));
      if (x.key_filter) CHECK(*x.key_filter == *y.key_filter);
    }
  }
}

size_t FilterBytes(const messages::PartitionRunsRecord& rec) {
  size_t n = 0;
  for (const auto& r : rec.runs()) n += r.key_filter().size();
  return n;
}

}  // namespace

TEST_CASE("manifest record: compactions and retention drops rebuild exactly from the records",
          "[storage][compaction]") {
  History h;
  for (int i = 0; i < 3; ++i) h.Commit();
  h.Compact();  // at 3
  for (int i = 0; i < 3; ++i) h.Commit();
  h.Compact();  // at 6
  h.Commit();
  h.Compact();  // at 7
  h.Commit();   // 8, above the base
  CheckSame(Load(RunsRecordOf(h.m), h.commits, h.filters), h.m);

  // The M record holds the bases only, no filter: the deltas are in their C records.
  const messages::PartitionRunsRecord rec = RunsRecordOf(h.m);
  CHECK(rec.runs_size() == 6);
  CHECK(FilterBytes(rec) == 0);
  CHECK(std::vector<uint64_t>(rec.hidden_froms().begin(), rec.hidden_froms().end()) ==
        std::vector<uint64_t>{3, 6, 7});

  // Retention drops the deltas hidden from 3 and the base made at 3 (hidden from 6 on) later.
  h.Drop(3);
  CHECK(h.m.deltas_dropped_through == 3);
  CheckSame(Load(RunsRecordOf(h.m), h.commits, h.filters), h.m);
  h.Drop(6);
  CHECK(h.m.deltas_dropped_through == 6);
  CheckSame(Load(RunsRecordOf(h.m), h.commits, h.filters), h.m);
  CHECK(RunsRecordOf(h.m).hidden_froms_size() == 1);  // 7: only delta 7 is left below the base

  // A C record whose runs nothing in the M record hides is corrupt, not read as visible.
  messages::PartitionRunsRecord broken = RunsRecordOf(h.m);
  broken.clear_hidden_froms();
  PartitionManifest m;
  m.buckets.resize(2);
  ManifestLoader loader(&m);
  MustOk(
      loader.AddRunsRecord(broken, [](uint64_t) -> Result<std::string> { return std::string(); }));
  Status st = Status::Ok();
  for (const auto& [v, c] : h.commits) {
    if (st.ok()) st = loader.AddCommit(c);
  }
  CHECK(st.code() == ErrorCode::kCorruption);
}

TEST_CASE("manifest record: records of the older layout load, and are kept as they are",
          "[storage][compaction]") {
  History h;
  for (int i = 0; i < 3; ++i) h.Commit();
  h.Compact();  // at 3
  h.Commit();   // 4
  // The older layout: every run at or below the base in the M record, filters inline, and the C
  // records at or below it stripped.
  messages::PartitionRunsRecord old;
  old.set_base_version(h.m.base_version);
  for (uint32_t b = 0; b < 2; ++b) {
    for (const RunRef& r : h.m.buckets[b]) {
      if (r.version > h.m.base_version) continue;
      auto* out = old.add_runs();
      out->set_run_id(r.run_id);
      out->set_bucket(b);
      out->set_version(r.version);
      out->set_base(r.base);
      out->set_hidden_from(r.hidden_from == kForever ? 0 : r.hidden_from);
      out->set_rows(r.rows);
      out->set_bytes(r.bytes);
      out->set_key_filter(*r.key_filter);
    }
  }
  for (auto& [v, c] : h.commits) {
    if (v <= 3) c.clear_runs();
  }
  h.filters.clear();
  for (auto& bucket : h.m.buckets) {
    std::vector<RunRef> runs = bucket.ToVector();
    for (RunRef& r : runs) r.in_runs_record = r.version <= 3;
    bucket = RunList(std::move(runs));
  }
  CheckSame(Load(old, h.commits, h.filters), h.m);

  // Compactions and drops after: the older runs stay listed with their filters until dropped.
  h.m = Load(old, h.commits, h.filters);
  h.Compact();  // at 4
  h.Commit();   // 5
  h.Compact();  // at 5
  CheckSame(Load(RunsRecordOf(h.m), h.commits, h.filters), h.m);
  CHECK(FilterBytes(RunsRecordOf(h.m)) > 0);
  h.Drop(4);  // the older runs go (hidden from 3 and 4)
  const messages::PartitionRunsRecord rec = RunsRecordOf(h.m);
  CheckSame(Load(rec, h.commits, h.filters), h.m);
  CHECK(FilterBytes(rec) == 0);
  for (const auto& r : rec.runs()) CHECK(r.filter_in_record());
}

namespace {

// The order every newest-first scan relies on (manifest.h): versions never decrease along a
// bucket (a base after the deltas of its own version), nor does hidden_from.
void CheckRunOrder(const PartitionManifest& m) {
  for (size_t b = 0; b < m.buckets.size(); ++b) {
    const RunList& runs = m.buckets[b];
    for (size_t j = 1; j < runs.size(); ++j) {
      INFO("bucket " << b << ", run " << j);
      CHECK(std::tie(runs[j - 1].version, runs[j - 1].base) <=
            std::tie(runs[j].version, runs[j].base));
      CHECK(runs[j - 1].hidden_from <= runs[j].hidden_from);
    }
  }
}

// VisibleRuns and ChangeRuns stop at the visible base: they must answer what a scan of every run
// answers.
void CheckScansStopRight(const PartitionManifest& m) {
  for (uint32_t b = 0; b < m.buckets.size(); ++b) {
    for (uint64_t v = 0; v <= m.version; ++v) {
      std::vector<uint64_t> all, stopped;
      for (auto it = m.buckets[b].rbegin(); it != m.buckets[b].rend(); ++it) {
        if (it->VisibleAt(v)) all.push_back(it->run_id);
      }
      for (const RunRef& r : VisibleRuns(m, b, v)) stopped.push_back(r.run_id);
      INFO("bucket " << b << ", visible at " << v);
      CHECK(stopped == all);
      for (uint64_t to = v; to <= m.version; ++to) {
        std::vector<uint64_t> every, changes;
        for (auto it = m.buckets[b].rbegin(); it != m.buckets[b].rend(); ++it) {
          const bool in_range = !it->base && v < it->version && it->version <= to;
          if (in_range || it->VisibleAt(v)) every.push_back(it->run_id);
        }
        for (const RunRef& r : ChangeRuns(m, b, v, to)) changes.push_back(r.run_id);
        INFO("changes to " << to);
        CHECK(changes == every);
      }
    }
  }
}

}  // namespace

TEST_CASE("manifest: runs stay in order through commits, compactions, truncates, drops and loads",
          "[manifest]") {
  std::mt19937 rng(7);
  for (int round = 0; round < 20; ++round) {
    History h;
    uint64_t oldest = 0;
    for (int step = 0; step < 40; ++step) {
      const int what = std::uniform_int_distribution<int>(0, 9)(rng);
      if (what < 6 || h.m.version == 0) {
        h.Commit();
      } else if (what < 8) {
        h.Compact();
      } else if (what < 9) {
        h.Commit();
        auto truncated = Truncated(h.m, ++h.m.version, /*drop=*/false);
        // A truncate is a commit without runs (its C record), and a compaction without bases.
        h.commits[h.m.version].set_version(h.m.version);
        h.commits[h.m.version].set_kind(messages::COMMIT_TRUNCATE);
        h.m = *truncated;
      } else {
        oldest = std::uniform_int_distribution<uint64_t>(oldest, h.m.version)(rng);
        h.Drop(oldest);
        // The runs dropped are a prefix of each bucket, and it is every run expired.
        for (const RunList& runs : h.m.buckets) {
          for (const RunRef& r : runs) CHECK(r.hidden_from > oldest);
        }
      }
      INFO("round " << round << ", step " << step);
      CheckRunOrder(h.m);
      CheckScansStopRight(h.m);
    }
    // After a restart: rebuilt from the records, the same order.
    CheckRunOrder(Load(RunsRecordOf(h.m), h.commits, h.filters));
  }
}
