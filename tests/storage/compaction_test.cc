// Major compaction (promise 6), retention reclaim (promise 5) and backpressure: every version
// inside retention reads, looks up and diffs exactly as before a compaction, also after a reopen;
// versions past retention answer VersionExpired once reclaimed and their space is freed; reads
// beside a compaction see one version; a partition too far behind refuses appends until the
// compactor catches up. Crashes inside a compaction are in crash_test.cc.
#include <fmt/format.h>
#include <rocksdb/db.h>

#include <condition_variable>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "deltatunnel/messages/storage_meta.pb.h"
#include "test_util.h"

using namespace dt_test;

namespace {

using ChangeMap = std::map<int64_t, std::pair<proto::RowOp, uint64_t>>;

ChangeMap ReadChanges(Engine& e, uint64_t from, uint64_t to) {
  ChangesOptions o;
  o.project = "p";
  o.table = "t";
  o.from_version = from;
  o.to_version = to;
  auto it = Must(e.Changes(o));
  ChangeMap out;
  for (; it->Valid(); it->Next()) out[it->row()[0].as_int()] = {it->op(), it->last_version()};
  MustOk(it->status());
  return out;
}

// One session of table `info` upserting key `k`, committed: the append's or the commit's status.
Status CommitOne(Engine& e, const TableInfo& info, int64_t k) {
  auto s = Must(e.OpenSession(SessionOn(info.name)));
  Batcher b(info);
  b.Upsert(k, "x");
  DT_RETURN_IF_ERROR(e.Append(s.id, b.batch()));
  return e.Commit(s.id).status();
}

Rows LookupAll(Engine& e, uint64_t version, int64_t keys) {
  LookupOptions o;
  o.project = "p";
  o.table = "t";
  o.at = AtVersion(version);
  for (int64_t k = 0; k < keys; ++k) o.keys.push_back({proto::Value(k)});
  Rows out;
  for (const auto& row : Must(e.Lookup(o)).rows) out[row[0].as_int()] = ToCell(row);
  return out;
}

// Everything a read can ask of versions [from, to]: scans, lookups, and changes between each pair.
struct Readings {
  std::map<uint64_t, Rows> scans;
  std::map<uint64_t, Rows> lookups;
  std::map<std::pair<uint64_t, uint64_t>, ChangeMap> changes;
  friend bool operator==(const Readings&, const Readings&) = default;
};

Readings ReadAll(Engine& e, uint64_t from, uint64_t to, int64_t keys) {
  Readings r;
  for (uint64_t v = from; v <= to; ++v) {
    INFO("reading version " << v);
    r.scans[v] = ScanRows(e, "t", AtVersion(v));
    r.lookups[v] = LookupAll(e, v, keys);
    for (uint64_t a = from; a <= v; ++a) r.changes[{a, v}] = ReadChanges(e, a, v);
  }
  return r;
}

// One commit of random full upserts, partial upserts and deletes over keys [0, keys).
void RandomCommit(Engine& e, const TableInfo& info, std::mt19937_64& rng, int64_t keys, int rows) {
  auto s = Must(e.OpenSession(SessionOn("t")));
  Batcher b(info);
  for (int i = 0; i < rows; ++i) {
    const int64_t k = std::uniform_int_distribution<int64_t>(0, keys - 1)(rng);
    const int kind = std::uniform_int_distribution<int>(0, 9)(rng);
    const std::string v = "v" + std::to_string(rng() % 1000);
    if (kind < 2) {
      b.Delete(k);
    } else if (kind < 5) {
      b.SetV(k, v);
    } else {
      b.Upsert(k, v, static_cast<double>(rng() % 100));
    }
  }
  MustOk(e.Append(s.id, b.batch()));
  Must(e.Commit(s.id));
}

// Table "t" with partial updates, whose versions expire after 1 h and which compacts only when
// asked; RetentionCommits makes `n` random commits to it over keys [0, keys), a second apart.
TableInfo RetentionTable(Engine& e) {
  return Must(e.CreateTable(KvTable("t", false,
                                    {{"write.bucket.num", "4"},
                                     {"acid.partial.fields.update.enable", "true"},
                                     {"acid.data.retain.hours", "1"},
                                     {"compaction.major.commit-threshold", "199"}})));
}

void RetentionCommits(Engine& e, const TableInfo& info, std::mt19937_64& rng, TestClock& clock,
                      int64_t keys, int n) {
  for (int i = 0; i < n; ++i) {
    RandomCommit(e, info, rng, keys, 150);
    clock.Advance(1000);
  }
}

ErrorCode ScanStatus(Engine& e, uint64_t version) {
  ScanOptions o;
  o.project = "p";
  o.table = "t";
  o.at = AtVersion(version);
  return e.Scan(o).status().code();
}

CompactionInfo CompactNow(Engine& e, std::optional<std::string> partition = std::nullopt) {
  auto c = Must(e.Compact("p", "t", partition));
  e.WaitForCompactions();
  for (const auto& done : e.Compactions()) {
    if (done.id == c.id) return done;
  }
  FAIL("compaction " << c.id << " is not listed");
  return c;
}

}  // namespace

TEST_CASE("compaction: every version reads the same before and after, also after a reopen",
          "[storage][compaction]") {
  TempDir dir;
  TestClock clock;
  auto e = Must(Engine::Open(Options(dir.path, clock)));
  auto info = Must(e->CreateTable(KvTable("t", false,
                                          {{"write.bucket.num", "4"},
                                           {"acid.partial.fields.update.enable", "true"},
                                           {"compaction.major.commit-threshold", "199"}})));
  std::mt19937_64 rng(7);
  constexpr int64_t kKeys = 300;
  for (int i = 0; i < 8; ++i) RandomCommit(*e, info, rng, kKeys, 200);
  const Readings before = ReadAll(*e, 0, 8, kKeys);

  const CompactionInfo c = CompactNow(*e);
  CHECK(c.state == "done");
  CHECK(c.error.empty());
  CHECK(c.input_rows > c.output_rows);
  CHECK(c.output_rows == before.scans.at(8).size());
  CHECK(c.output_bytes > 0);
  CHECK(c.started_at_ms > 0);
  CHECK(c.finished_at_ms >= c.started_at_ms);
  CHECK(Must(e->ListPartitions("p", "t")).front().commits_since_major == 0);
  CHECK(ReadAll(*e, 0, 8, kKeys) == before);

  // Deltas above the base, a second compaction over base + deltas, then a reopen.
  for (int i = 0; i < 4; ++i) RandomCommit(*e, info, rng, kKeys, 200);
  const Readings more = ReadAll(*e, 0, 12, kKeys);
  CHECK(CompactNow(*e).state == "done");
  CHECK(ReadAll(*e, 0, 12, kKeys) == more);
  e.reset();
  e = Must(Engine::Open(Options(dir.path, clock)));
  CHECK(ReadAll(*e, 0, 12, kKeys) == more);
  // A compaction with nothing new since the last one is a no-op.
  CHECK(CompactNow(*e).output_rows == 0);
  CHECK(ReadAll(*e, 0, 12, kKeys) == more);
}

TEST_CASE("compaction: a partition is compacted automatically at its commit threshold",
          "[storage][compaction]") {
  TempDir dir;
  TestClock clock;
  auto e = Must(Engine::Open(Options(dir.path, clock)));
  auto info = Must(e->CreateTable(
      KvTable("t", true, {{"write.bucket.num", "2"}, {"compaction.major.commit-threshold", "3"}})));
  for (int i = 0; i < 3; ++i) {
    auto s = Must(e->OpenSession(SessionOn("t", "ds=a")));
    Batcher b(info);
    b.Upsert(i, "x");
    MustOk(e->Append(s.id, b.batch()));
    Must(e->Commit(s.id));
  }
  e->WaitForCompactions();
  auto list = e->Compactions();
  REQUIRE(list.size() == 1);
  CHECK(list[0].automatic);
  CHECK(list[0].partition == std::optional<std::string>("ds=a"));
  CHECK(list[0].state == "done");
  CHECK(list[0].output_rows == 3);
  CHECK(Must(e->ListPartitions("p", "t")).front().commits_since_major == 0);
  CHECK(e->Stats().compaction.done == 1);
}

TEST_CASE("compaction: retention expires old versions after compaction and frees their space",
          "[storage][compaction][retention]") {
  TempDir dir;
  TestClock clock;
  auto e = Must(Engine::Open(Options(dir.path, clock)));
  auto info = Must(e->CreateTable(KvTable("t", false,
                                          {{"write.bucket.num", "4"},
                                           {"acid.data.retain.hours", "1"},
                                           {"compaction.major.commit-threshold", "199"}})));
  // Ten commits rewriting the same 20 k keys: nine tenths of the data is history.
  const std::string pad(80, 'x');
  for (int c = 0; c < 10; ++c) {
    auto s = Must(e->OpenSession(SessionOn("t")));
    Batcher b(info);
    for (int64_t k = 0; k < 20000; ++k) b.Upsert(k, pad + std::to_string(c));
    MustOk(e->Append(s.id, b.batch()));
    Must(e->Commit(s.id));
    clock.Advance(1000);
  }
  const Rows v5 = ScanRows(*e, "t", AtVersion(5));
  const Rows latest = ScanRows(*e, "t");
  CHECK(CompactNow(*e).state == "done");
  // Inside retention the old versions still read as they did.
  CHECK(ScanRows(*e, "t", AtVersion(5)) == v5);
  e->ReclaimExpiredVersions();
  CHECK(ScanRows(*e, "t", AtVersion(5)) == v5);
  const uint64_t bytes_before = e->Stats().storage_bytes;

  // A scan opened now at version 9 keeps reading it while its runs are reclaimed under it.
  ScanOptions o;
  o.project = "p";
  o.table = "t";
  o.at = AtVersion(9);
  auto pinned = Must(e->Scan(o));
  clock.Advance(2 * 3600 * 1000);
  e->ReclaimExpiredVersions();
  CHECK(e->Stats().compaction.versions_reclaimed > 0);
  CHECK(e->Scan(o).status().code() == ErrorCode::kVersionExpired);
  size_t through_pinned = 0;
  for (; pinned->Valid(); pinned->Next(), ++through_pinned) {
    if (pinned->row()[1].as_string() != pad + "8") break;
  }
  MustOk(pinned->status());
  CHECK(through_pinned == 20000);
  pinned.reset();

  o.at = AtVersion(5);
  CHECK(e->Scan(o).status().code() == ErrorCode::kVersionExpired);
  CHECK(ScanRows(*e, "t") == latest);
  e->ReclaimExpiredVersions();  // frees what the pinned scan kept alive
  const uint64_t bytes_after = e->Stats().storage_bytes;
  INFO("storage bytes before " << bytes_before << ", after " << bytes_after);
  CHECK(bytes_after < bytes_before / 3);

  e.reset();
  e = Must(Engine::Open(Options(dir.path, clock)));
  CHECK(ScanRows(*e, "t") == latest);
  CHECK(e->Scan(o).status().code() == ErrorCode::kVersionExpired);
}

TEST_CASE(
    "compaction: after retention dropped one compaction's deltas, the versions left "
    "read the same, also after a reopen",
    "[storage][compaction][retention]") {
  TempDir dir;
  TestClock clock;
  auto e = Must(Engine::Open(Options(dir.path, clock)));
  const TableInfo info = RetentionTable(*e);
  std::mt19937_64 rng(11);
  constexpr int64_t kKeys = 200;
  auto commits = [&](int n) { RetentionCommits(*e, info, rng, clock, kKeys, n); };
  commits(4);
  CHECK(CompactNow(*e).state == "done");  // base at 4, deltas 1-4 hidden from 4
  clock.Advance(2 * 3600 * 1000);
  commits(4);
  CHECK(CompactNow(*e).state == "done");  // base at 8, base 4 and deltas 5-8 hidden from 8
  commits(2);
  // Versions 1 to 3 expired with the commits after them: their deltas go, the rest stays.
  const Readings kept = ReadAll(*e, 4, 10, kKeys);
  e->ReclaimExpiredVersions();
  CHECK(e->Stats().compaction.versions_reclaimed > 0);
  CHECK(ReadAll(*e, 4, 10, kKeys) == kept);
  e.reset();
  e = Must(Engine::Open(Options(dir.path, clock)));
  CHECK(ReadAll(*e, 4, 10, kKeys) == kept);
  CHECK(ScanStatus(*e, 3) == ErrorCode::kVersionExpired);
  // A third compaction over what the reopen loaded, and another reopen.
  commits(2);
  const Readings more = ReadAll(*e, 4, 12, kKeys);
  CHECK(CompactNow(*e).state == "done");
  e.reset();
  e = Must(Engine::Open(Options(dir.path, clock)));
  CHECK(ReadAll(*e, 4, 12, kKeys) == more);
}

namespace {

// The engine's C records (version -> record as stored), read with RocksDB directly while the
// engine is closed; `replace` (version -> value) is written over them first.
std::map<uint64_t, std::string> CommitRecords(const std::string& dir,
                                              const std::map<uint64_t, std::string>& replace = {}) {
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {
      {rocksdb::kDefaultColumnFamilyName, {}}, {"meta", {}}, {"data", {}}};
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  REQUIRE(rocksdb::DB::Open({}, dir, cfs, &handles, &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  std::map<uint64_t, std::string> out;
  {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator({}, handles[1]));
    for (it->Seek("C"); it->Valid() && it->key().starts_with("C"); it->Next()) {
      deltatunnel::messages::CommitRecord c;
      REQUIRE(c.ParseFromArray(it->value().data(), static_cast<int>(it->value().size())));
      if (auto r = replace.find(c.version()); r != replace.end()) {
        REQUIRE(db->Put({}, handles[1], it->key(), r->second).ok());
        out[c.version()] = r->second;
      } else {
        out[c.version()] = it->value().ToString();
      }
    }
  }
  for (auto* h : handles) REQUIRE(db->DestroyColumnFamilyHandle(h).ok());
  REQUIRE(db->Close().ok());
  return out;
}

size_t RunsListed(const std::string& record) {
  deltatunnel::messages::CommitRecord c;
  REQUIRE(c.ParseFromString(record));
  return static_cast<size_t>(c.runs_size());
}

}  // namespace

// Retention's drop writes its batch, then strips the dropped deltas from their C records; a crash
// between the two leaves run lists that Open ignores and strips.
TEST_CASE("compaction: C records a crash left listing dropped runs are stripped at Open",
          "[storage][compaction][retention][recovery]") {
  TempDir dir;
  TestClock clock;
  std::mt19937_64 rng(12);
  constexpr int64_t kKeys = 200;
  {
    auto e = Must(Engine::Open(Options(dir.path, clock)));
    const TableInfo info = RetentionTable(*e);
    auto commits = [&](int n) { RetentionCommits(*e, info, rng, clock, kKeys, n); };
    commits(4);
    CHECK(CompactNow(*e).state == "done");  // base at 4, deltas 1-4 hidden from 4
    clock.Advance(2 * 3600 * 1000);
    commits(4);
  }
  const std::map<uint64_t, std::string> before = CommitRecords(dir.path);
  REQUIRE(before.size() == 8);
  Readings kept;
  {
    auto e = Must(Engine::Open(Options(dir.path, clock)));
    kept = ReadAll(*e, 4, 8, kKeys);
    // Versions 1-3 expired: the deltas 1-4 go (4 reads from the base, which stays).
    e->ReclaimExpiredVersions();
    CHECK(ReadAll(*e, 4, 8, kKeys) == kept);
  }
  std::map<uint64_t, std::string> crashed;  // as if the strip had not happened
  for (uint64_t v = 1; v <= 4; ++v) {
    CHECK(RunsListed(before.at(v)) > 0);
    CHECK(RunsListed(CommitRecords(dir.path).at(v)) == 0);  // stripped after the drop
    crashed[v] = before.at(v);
  }
  CHECK(RunsListed(CommitRecords(dir.path, crashed).at(2)) > 0);
  {
    auto e = Must(Engine::Open(Options(dir.path, clock)));
    CHECK(ReadAll(*e, 4, 8, kKeys) == kept);
    CHECK(ScanStatus(*e, 3) == ErrorCode::kVersionExpired);
  }
  const std::map<uint64_t, std::string> after = CommitRecords(dir.path);
  for (uint64_t v = 1; v <= 8; ++v) {
    INFO("version " << v);
    CHECK(RunsListed(after.at(v)) == (v <= 4 ? 0 : RunsListed(before.at(v))));
  }
}

// A base run lands in its own SST file at the bottom level, which reclaiming drops whole
// (DeleteFilesInRanges ignores snapshots): a scan pinned on that base must still read it.
TEST_CASE("compaction: a reclaimed base's file outlives the scan pinned on it",
          "[storage][compaction][retention]") {
  TempDir dir;
  TestClock clock;
  auto e = Must(Engine::Open(Options(dir.path, clock)));
  auto info = Must(e->CreateTable(KvTable("t", false,
                                          {{"write.bucket.num", "4"},
                                           {"acid.data.retain.hours", "1"},
                                           {"compaction.major.commit-threshold", "199"}})));
  const std::string pad(80, 'x');
  auto commit = [&](int c, int64_t keys) {
    auto s = Must(e->OpenSession(SessionOn("t")));
    Batcher b(info);
    for (int64_t k = 0; k < keys; ++k) b.Upsert(k, pad + std::to_string(c));
    MustOk(e->Append(s.id, b.batch()));
    Must(e->Commit(s.id));
    clock.Advance(1000);
  };
  for (int c = 1; c <= 5; ++c) commit(c, 20000);
  CHECK(CompactNow(*e).state == "done");  // the base at version 5
  commit(6, 10000);
  // Version 6 reads keys 0..9999 from the delta of commit 6, the rest from the base at 5.
  ScanOptions o;
  o.project = "p";
  o.table = "t";
  o.at = AtVersion(6);
  auto pinned = Must(e->Scan(o));
  commit(7, 20000);
  CHECK(CompactNow(*e).state == "done");  // the base at 7 hides the one at 5
  const uint64_t bytes_before = e->Stats().storage_bytes;
  clock.Advance(2 * 3600 * 1000);
  e->ReclaimExpiredVersions();  // drops the base at 5, whose file the pinned scan still needs
  CHECK(e->Scan(o).status().code() == ErrorCode::kVersionExpired);
  size_t rows = 0, wrong = 0;
  for (; pinned->Valid(); pinned->Next(), ++rows) {
    const bool from_delta = pinned->row()[0].as_int() < 10000;
    if (pinned->row()[1].as_string() != pad + (from_delta ? "6" : "5")) ++wrong;
  }
  MustOk(pinned->status());
  CHECK(rows == 20000);
  CHECK(wrong == 0);
  pinned.reset();
  e->ReclaimExpiredVersions();  // now frees it
  const uint64_t bytes_after = e->Stats().storage_bytes;
  INFO("storage bytes before " << bytes_before << ", after " << bytes_after);
  CHECK(bytes_after < bytes_before);
}

// Dropped runs wait for the reads pinned before the drop before they are freed; a stop in that wait
// leaves their D records, and the next Open frees them.
TEST_CASE("compaction: runs a stop left unfreed are freed after the next open",
          "[storage][compaction][retention]") {
  TempDir dir;
  TestClock clock;
  auto e = Must(Engine::Open(Options(dir.path, clock)));
  auto info = Must(e->CreateTable(KvTable("t", false,
                                          {{"write.bucket.num", "4"},
                                           {"acid.data.retain.hours", "0"},
                                           {"compaction.major.commit-threshold", "199"}})));
  // Random hex values: RocksDB's compression cannot shrink them, so sizes compare across the
  // memtable and SST files.
  std::mt19937_64 rng(7);
  auto random_hex = [&] { return fmt::format("{:016x}{:016x}{:016x}", rng(), rng(), rng()); };
  for (int c = 0; c < 8; ++c) {
    auto s = Must(e->OpenSession(SessionOn("t")));
    Batcher b(info);
    for (int64_t k = 0; k < 20000; ++k) b.Upsert(k, random_hex());
    MustOk(e->Append(s.id, b.batch()));
    Must(e->Commit(s.id));
    clock.Advance(1000);
  }
  const Rows latest = ScanRows(*e, "t");
  ScanOptions o;
  o.project = "p";
  o.table = "t";
  auto pinned = Must(e->Scan(o));  // its snapshot holds the freeing back
  CHECK(CompactNow(*e).state == "done");
  const uint64_t bytes_before = e->Stats().storage_bytes;
  pinned.reset();
  e.reset();  // before anything freed the eight deltas
  e = Must(Engine::Open(Options(dir.path, clock)));
  CHECK(ScanRows(*e, "t") == latest);
  e->ReclaimExpiredVersions();
  const uint64_t bytes_after = e->Stats().storage_bytes;
  INFO("storage bytes before " << bytes_before << ", after " << bytes_after);
  CHECK(bytes_after < bytes_before / 3);
  CHECK(ScanRows(*e, "t") == latest);
}

// Dropping a table frees its runs like a compaction does: a scan opened before still reads all of
// it, reads after are refused, and the space goes once the scan is done.
TEST_CASE("compaction: a dropped table's runs outlive the scan opened before the drop",
          "[storage][compaction][retention]") {
  TempDir dir;
  TestClock clock;
  auto e = Must(Engine::Open(Options(dir.path, clock)));
  auto info = Must(e->CreateTable(KvTable("t", false, {{"write.bucket.num", "4"}})));
  std::mt19937_64 rng(11);
  for (int c = 0; c < 4; ++c) {
    auto s = Must(e->OpenSession(SessionOn("t")));
    Batcher b(info);
    for (int64_t k = 0; k < 20000; ++k) {
      b.Upsert(k + c * 20000, fmt::format("{:016x}{:016x}{:016x}", rng(), rng(), rng()));
    }
    MustOk(e->Append(s.id, b.batch()));
    Must(e->Commit(s.id));
  }
  ScanOptions o;
  o.project = "p";
  o.table = "t";
  auto pinned = Must(e->Scan(o));
  const uint64_t bytes_before = e->Stats().storage_bytes;
  MustOk(e->DropTable("p", "t"));
  CHECK(e->Scan(o).status().code() == ErrorCode::kNoSuchTable);
  size_t rows = 0;
  for (; pinned->Valid(); pinned->Next()) ++rows;
  MustOk(pinned->status());
  CHECK(rows == 80000);
  pinned.reset();
  e->ReclaimExpiredVersions();
  const uint64_t bytes_after = e->Stats().storage_bytes;
  INFO("storage bytes before " << bytes_before << ", after " << bytes_after);
  CHECK(bytes_after < bytes_before / 10);
  CHECK(e->Stats().compaction.versions_reclaimed == 0);  // retention's count, not a drop's
}

TEST_CASE("compaction: requests, deduplication and the list", "[storage][compaction]") {
  TempDir dir;
  TestClock clock;
  Gate gate;
  EngineOptions options = Options(dir.path, clock);
  options.compaction_pause = [&gate] { gate.Wait(); };
  auto e = Must(Engine::Open(options));
  auto info = Must(e->CreateTable(KvTable("t", true, {{"write.bucket.num", "2"}})));
  for (const std::string ds : {"a", "b"}) {
    auto s = Must(e->OpenSession(SessionOn("t", "ds=" + ds)));
    Batcher b(info);
    b.Upsert(1, ds);
    MustOk(e->Append(s.id, b.batch()));
    Must(e->Commit(s.id));
  }

  const CompactionInfo a = Must(e->Compact("p", "t", std::string("ds=a")));
  CHECK(a.state == "queued");
  CHECK(a.partition == std::optional<std::string>("ds=a"));
  CHECK_FALSE(a.automatic);
  gate.AwaitWaiter();  // running, held before it publishes
  CHECK(Must(e->Compact("p", "t", std::string("ds=a"))).id == a.id);
  const CompactionInfo whole = Must(e->Compact("p", "t", std::nullopt));
  CHECK(whole.id != a.id);
  CHECK_FALSE(whole.partition);
  CHECK(Must(e->Compact("p", "t", std::nullopt)).id == whole.id);
  // While held, the list has the running one first.
  auto list = e->Compactions();
  REQUIRE(list.size() == 2);
  CHECK(list[0].id == a.id);
  CHECK(list[0].state == "running");
  CHECK(list[1].state == "queued");

  CHECK(e->Compact("p", "nope", std::nullopt).status().code() == ErrorCode::kNoSuchTable);
  CHECK(e->Compact("p", "t", std::string("zz=1")).status().code() == ErrorCode::kInvalidArgument);

  gate.Open();
  e->WaitForCompactions();
  list = e->Compactions();
  REQUIRE(list.size() == 2);
  for (const auto& c : list) {
    CHECK(c.state == "done");
    CHECK(c.project == "p");
    CHECK(c.table == "t");
  }
  CHECK(list[0].id == whole.id);    // newest first
  CHECK(list[0].output_rows == 1);  // ds=b; ds=a had nothing new since the first one
  CHECK(list[1].output_rows == 1);

  // With no compaction threads, requests are refused and nothing is throttled.
  e.reset();
  options.compaction_threads = 0;
  options.compaction_pause = nullptr;
  e = Must(Engine::Open(options));
  CHECK(e->Compact("p", "t", std::nullopt).status().code() == ErrorCode::kServiceUnavailable);
  CHECK(e->Compactions().empty());
}

TEST_CASE("compaction: backpressure refuses appends until the compactor catches up",
          "[storage][compaction][backpressure]") {
  TempDir dir;
  TestClock clock;
  Gate gate;
  EngineOptions options = Options(dir.path, clock);
  options.max_pending_deltas = 4;
  options.compaction_pause = [&gate] { gate.Wait(); };
  auto e = Must(Engine::Open(options));
  auto info = Must(e->CreateTable(KvTable(
      "t", false, {{"write.bucket.num", "2"}, {"compaction.major.commit-threshold", "2"}})));
  // A session that wrote before the bound commits after it: nothing written is lost.
  auto early = Must(e->OpenSession(SessionOn("t")));
  {
    Batcher b(info);
    b.Upsert(100, "early");
    MustOk(e->Append(early.id, b.batch()));
  }
  for (int64_t k = 0; k < 4; ++k) MustOk(CommitOne(*e, info, k));
  gate.AwaitWaiter();  // the compactor is held
  const Status refused = CommitOne(*e, info, 10);
  CHECK(refused.code() == ErrorCode::kFlowExceeded);
  CHECK(e->Stats().compaction.flow_exceeded == 1);
  CHECK(e->Stats().compaction.max_pending_deltas == 4);
  CHECK(Must(e->Commit(early.id)).commit_version == 5);

  gate.Open();
  e->WaitForCompactions();
  CHECK(e->Stats().compaction.max_pending_deltas < 4);
  MustOk(CommitOne(*e, info, 10));
  CHECK(ScanRows(*e, "t").size() == 6);
}

TEST_CASE("compaction: reads beside compactions see one version", "[storage][compaction]") {
  TempDir dir;
  TestClock clock;
  auto e = Must(Engine::Open(Options(dir.path, clock)));
  auto info = Must(e->CreateTable(KvTable(
      "t", false, {{"write.bucket.num", "4"}, {"compaction.major.commit-threshold", "2"}})));
  constexpr int64_t kKeys = 300;
  std::atomic<bool> done{false};
  std::atomic<int> bad{0};
  std::atomic<int> reads{0};
  // Every commit writes every key with its own tag (half as partial upserts): a read that sees
  // two tags, or a key without its other column, saw part of a commit or a half-folded base.
  std::thread writer([&] {
    for (int c = 1; c <= 40; ++c) {
      auto s = Must(e->OpenSession(SessionOn("t")));
      Batcher b(info);
      for (int64_t k = 0; k < kKeys; ++k) b.Upsert(k, "t" + std::to_string(c), 1.0);
      MustOk(e->Append(s.id, b.batch()));
      Must(e->Commit(s.id));
    }
    done = true;
  });
  while (!done) {
    const TagScan r = ScanTags(*e, "t");
    const uint64_t v = r.version;
    if (!r.ok || (v > 0 && (r.tags.size() != 1 || r.rows != kKeys))) ++bad;
    if (v > 0 && r.tags.size() == 1 && *r.tags.begin() != "t" + std::to_string(v)) ++bad;
    ++reads;
  }
  writer.join();
  e->WaitForCompactions();
  CHECK(bad == 0);
  CHECK(reads > 0);
  CHECK(e->Stats().compaction.done > 0);
}

TEST_CASE("compaction: a commit threshold at or above the backpressure bound is refused",
          "[storage][compaction][backpressure]") {
  TempDir dir;
  TestClock clock;
  EngineOptions options = Options(dir.path, clock);
  options.max_pending_deltas = 5;
  auto e = Must(Engine::Open(options));
  auto refused = e->CreateTable(KvTable("t", false, {{"compaction.major.commit-threshold", "5"}}));
  REQUIRE(refused.status().code() == ErrorCode::kInvalidArgument);
  CHECK_THAT(refused.status().message(), Catch::Contains("(5)") && Catch::Contains("max_pending"));
  CHECK(e->DescribeTable("p", "t").status().code() == ErrorCode::kNoSuchTable);
  MustOk(
      e->CreateTable(KvTable("t", false, {{"compaction.major.commit-threshold", "4"}})).status());
  // Without a compactor there is no backpressure, so no bound to keep below.
  e.reset();
  options.compaction_threads = 0;
  e = Must(Engine::Open(options));
  MustOk(
      e->CreateTable(KvTable("u", false, {{"compaction.major.commit-threshold", "50"}})).status());
}

TEST_CASE("compaction: a partition held by backpressure is compacted whatever its threshold",
          "[storage][compaction][backpressure]") {
  // A table made while the bound was 10, with a threshold of 8; the server then restarts with a
  // bound of 3. Three commits wait: appends are refused, and the automatic compaction (due at 8)
  // would never come. The refusal queues one, and appends resume.
  TempDir dir;
  TestClock clock;
  EngineOptions options = Options(dir.path, clock);
  options.max_pending_deltas = 10;
  auto e = Must(Engine::Open(options));
  auto info = Must(e->CreateTable(KvTable(
      "t", false, {{"compaction.major.commit-threshold", "8"}, {"write.bucket.num", "2"}})));
  for (int64_t k = 0; k < 3; ++k) MustOk(CommitOne(*e, info, k));
  e.reset();
  options.max_pending_deltas = 3;
  e = Must(Engine::Open(options));
  CHECK(CommitOne(*e, info, 3).code() == ErrorCode::kFlowExceeded);
  e->WaitForCompactions();
  MustOk(CommitOne(*e, info, 3));
  CHECK(ScanRows(*e, "t").size() == 4);
}
