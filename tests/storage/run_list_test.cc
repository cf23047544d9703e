// RunList (storage/src/run_list.h): a bucket's runs in chunks that manifests share. A copy sees
// what the list held when copied, whatever either appends after; order and iteration are a
// vector's.
#include "run_list.h"

#include <catch2/catch.hpp>
#include <vector>

using namespace deltatunnel::storage;

namespace {

RunRef Run(uint64_t id) {
  RunRef r;
  r.run_id = id;
  r.version = id;
  return r;
}

std::vector<uint64_t> Ids(const RunList& list) {
  std::vector<uint64_t> out;
  for (const RunRef& r : list) out.push_back(r.run_id);
  return out;
}

std::vector<uint64_t> Range(uint64_t from, uint64_t to) {
  std::vector<uint64_t> out;
  for (uint64_t i = from; i < to; ++i) out.push_back(i);
  return out;
}

}  // namespace

TEST_CASE("a run list reads as the vector of what was appended, across chunks", "[run_list]") {
  for (const uint64_t n :
       {uint64_t{0}, uint64_t{1}, uint64_t{RunList::kChunkRuns}, uint64_t{RunList::kChunkRuns + 1},
        uint64_t{3 * RunList::kChunkRuns + 7}}) {
    INFO(n << " runs");
    RunList list;
    for (uint64_t i = 0; i < n; ++i) list.push_back(Run(i));
    CHECK(list.size() == n);
    CHECK(list.empty() == (n == 0));
    CHECK(Ids(list) == Range(0, n));
    for (uint64_t i = 0; i < n; ++i) CHECK(list[i].run_id == i);
    std::vector<uint64_t> backwards;
    for (auto it = list.rbegin(); it != list.rend(); ++it) backwards.push_back(it->run_id);
    std::vector<uint64_t> expected = Range(0, n);
    std::reverse(expected.begin(), expected.end());
    CHECK(backwards == expected);
    CHECK(RunList(list.ToVector()).ToVector().size() == n);
    if (n > 0) {
      CHECK(list.front().run_id == 0);
      CHECK(list.back().run_id == n - 1);
    }
  }
}

TEST_CASE("a copy of a run list keeps what it held, whatever is appended after", "[run_list]") {
  // Mid-chunk and at a chunk's end: the shared last chunk is copied on the copy's first append.
  for (const uint64_t n : {uint64_t{RunList::kChunkRuns - 1}, uint64_t{RunList::kChunkRuns},
                           uint64_t{2 * RunList::kChunkRuns + 5}}) {
    INFO(n << " runs before the copy");
    RunList older;
    for (uint64_t i = 0; i < n; ++i) older.push_back(Run(i));
    RunList newer = older;  // a commit's manifest, made from the last one
    for (uint64_t i = n; i < n + 3; ++i) newer.push_back(Run(i));
    CHECK(Ids(older) == Range(0, n));
    CHECK(Ids(newer) == Range(0, n + 3));

    // Two manifests made from the same one, each with its own commit.
    RunList a = older;
    RunList b;
    b = older;
    a.push_back(Run(1000));
    b.push_back(Run(2000));
    CHECK(a.back().run_id == 1000);
    CHECK(b.back().run_id == 2000);
    CHECK(a.size() == n + 1);
    CHECK(b.size() == n + 1);
    CHECK(Ids(older) == Range(0, n));

    // A copy of a copy, appended to many times (past chunk ends).
    RunList c = a;
    for (uint64_t i = 0; i < 2 * RunList::kChunkRuns; ++i) c.push_back(Run(3000 + i));
    CHECK(a.size() == n + 1);
    CHECK(a.back().run_id == 1000);
    CHECK(c.size() == n + 1 + 2 * RunList::kChunkRuns);
    CHECK(c[n].run_id == 1000);
    CHECK(c.back().run_id == 3000 + 2 * RunList::kChunkRuns - 1);
  }
}

TEST_CASE("a run list's prefix and its front dropped share chunks and read right", "[run_list]") {
  const uint64_t n = 3 * RunList::kChunkRuns + 10;
  RunList list;
  for (uint64_t i = 0; i < n; ++i) list.push_back(Run(i));
  for (const uint64_t k : {uint64_t{0}, uint64_t{1}, uint64_t{RunList::kChunkRuns - 1},
                           uint64_t{RunList::kChunkRuns}, uint64_t{RunList::kChunkRuns + 3}, n}) {
    INFO("prefix of " << k);
    RunList prefix = list.Prefix(k);
    CHECK(Ids(prefix) == Range(0, k));
    prefix.push_back(Run(9000));  // a compaction's base after the runs it keeps
    CHECK(prefix.size() == k + 1);
    CHECK(prefix.back().run_id == 9000);
    CHECK(Ids(list) == Range(0, n));  // the source sees nothing of it
  }
  for (const uint64_t k :
       {uint64_t{0}, uint64_t{1}, uint64_t{RunList::kChunkRuns - 1}, uint64_t{RunList::kChunkRuns},
        uint64_t{2 * RunList::kChunkRuns + 1}, n}) {
    INFO("front of " << k << " dropped");
    RunList copy = list;
    copy.DropFront(k);
    CHECK(Ids(copy) == Range(k, n));
    std::vector<uint64_t> backwards;
    for (auto it = copy.rbegin(); it != copy.rend(); ++it) backwards.push_back(it->run_id);
    CHECK(backwards.size() == n - k);
    // Appends after a drop, across the chunk end; dropping again, a prefix of what is left.
    for (uint64_t i = 0; i < RunList::kChunkRuns + 2; ++i) copy.push_back(Run(n + i));
    CHECK(Ids(copy) == Range(k, n + RunList::kChunkRuns + 2));
    copy.DropFront(5);
    CHECK(Ids(copy) ==
          Range(std::min(k + 5, n + RunList::kChunkRuns + 2), n + RunList::kChunkRuns + 2));
    CHECK(Ids(copy.Prefix(3)) == Range(std::min(k + 5, n + RunList::kChunkRuns + 2),
                                       std::min(k + 8, n + RunList::kChunkRuns + 2)));
    CHECK(Ids(list) == Range(0, n));
  }
}
