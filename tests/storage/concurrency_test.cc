// Promises 2, 3 and 4 under concurrency: readers beside committing sessions see whole commits only,
// concurrent sessions on one partition resolve by commit order, and a read keeps its version
// however long it runs.
#include <mutex>
#include <set>
#include <thread>

#include "test_util.h"

using namespace dt_test;

namespace {

constexpr int64_t kKeys = 200;

// Every session writes all keys with its own tag, in two appends, so any version has one tag on
// every key: a read that sees two tags saw part of a commit.
void WriteSession(Engine& e, const TableInfo& info, const std::string& tag,
                  std::map<uint64_t, std::string>* committed, std::mutex* mu) {
  auto s = Must(e.OpenSession(SessionOn("t")));
  Batcher first(info), second(info);
  for (int64_t k = kKeys - 1; k >= kKeys / 2; --k) first.Upsert(k, tag);
  for (int64_t k = 0; k < kKeys / 2; ++k) second.Upsert(k, tag);
  MustOk(e.Append(s.id, first.batch()));
  MustOk(e.Append(s.id, second.batch()));
  auto c = Must(e.Commit(s.id));
  std::lock_guard lock(*mu);
  (*committed)[c.commit_version] = tag;
}

}  // namespace

TEST_CASE("concurrency: readers see whole commits; commit order decides",
          "[storage][concurrency]") {
  TempDir dir;
  TestClock clock;
  auto e = Must(Engine::Open(Options(dir.path, clock)));
  auto info = Must(e->CreateTable(KvTable("t", false, {{"write.bucket.num", "8"}})));

  std::atomic<bool> done{false};
  std::atomic<int> bad{0};
  std::vector<std::pair<uint64_t, std::string>> seen;  // reader thread only until joined
  std::thread reader([&] {
    while (!done) {
      const TagScan r = ScanTags(*e, "t");
      if (!r.ok || r.tags.size() > 1 || r.rows != (r.version == 0 ? 0 : kKeys)) ++bad;
      if (r.version > 0 && r.tags.size() == 1) seen.emplace_back(r.version, *r.tags.begin());
    }
  });
  std::map<uint64_t, std::string> committed;
  std::mutex mu;
  std::vector<std::thread> writers;
  for (int w = 0; w < 2; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < 15; ++i) {
        WriteSession(*e, info, "w" + std::to_string(w) + "s" + std::to_string(i), &committed, &mu);
      }
    });
  }
  for (auto& t : writers) t.join();
  done = true;
  reader.join();
  CHECK(bad == 0);
  CHECK(committed.size() == 30);
  CHECK(committed.rbegin()->first == 30);
  for (const auto& [v, tag] : seen) CHECK(committed.at(v) == tag);
  // The last commit wins everywhere; every old version reads as its own commit.
  for (uint64_t v : {1u, 7u, 30u}) {
    Rows rows = ScanRows(*e, "t", AtVersion(v));
    REQUIRE(rows.size() == kKeys);
    for (const auto& [k, cell] : rows) CHECK(cell.v == committed.at(v));
  }
}

TEST_CASE("concurrency: an open scan keeps its version while commits go on",
          "[storage][concurrency]") {
  TempDir dir;
  TestClock clock;
  auto e = Must(Engine::Open(Options(dir.path, clock)));
  auto info = Must(e->CreateTable(KvTable("t", false, {{"write.bucket.num", "2"}})));
  std::map<uint64_t, std::string> committed;
  std::mutex mu;
  WriteSession(*e, info, "first", &committed, &mu);
  ScanOptions o;
  o.project = "p";
  o.table = "t";
  auto it = Must(e->Scan(o));
  REQUIRE(it->Valid());
  it->Next();  // mid-way through the scan
  WriteSession(*e, info, "second", &committed, &mu);
  MustOk(e->DropTable("p", "t"));  // even a drop does not pull rows from under the reader
  int64_t n = 1;
  for (; it->Valid(); it->Next(), ++n) CHECK(it->row()[1].as_string() == "first");
  MustOk(it->status());
  CHECK(n == kKeys);
  CHECK(it->version() == 1);
}
