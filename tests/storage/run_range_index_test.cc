// RunRangeIndex (storage/src/run_range_index.h): a key's candidates are exactly the runs whose
// range holds it, plus every run without a range, in the caller's order; checked against asking
// each run, over random ranges.
#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

#include "manifest.h"
#include "run_range_index.h"

using namespace deltatunnel::storage;

namespace {

std::string Key(uint64_t v) {  // big-endian: byte order is number order
  std::string k(8, '\0');
  for (int i = 7; i >= 0; --i, v >>= 8) k[i] = static_cast<char>(v & 0xff);
  return k;
}

}  // namespace

TEST_CASE("run range index: the candidates are the runs whose range may hold the key",
          "[storage][run_range_index]") {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 200; ++round) {
    const size_t n = rng() % 70;
    std::vector<RunRef> runs(n);
    for (size_t i = 0; i < n; ++i) {
      runs[i].run_id = i + 1;
      if (rng() % 8 == 0) continue;  // no range recorded
      uint64_t a = rng() % 1000, b = rng() % 1000;
      if (rng() % 3 == 0) b = a + rng() % 20;  // narrow, as one source's growing keys make
      if (a > b) std::swap(a, b);
      runs[i].key_range = std::make_shared<const KeyRange>(KeyRange{Key(a), Key(b)});
    }
    RunRangeIndex index(runs);
    std::vector<uint32_t> got;
    for (uint64_t k = 0; k < 1030; k += 1 + rng() % 7) {
      const std::string key = Key(k);
      std::vector<uint32_t> want;
      for (uint32_t i = 0; i < n; ++i) {
        if (!runs[i].key_range || runs[i].key_range->MayHold(key)) want.push_back(i);
      }
      index.Candidates(key, &got);
      INFO("round " << round << " key " << k);
      REQUIRE(got == want);
    }
  }
  RunRangeIndex empty;
  std::vector<uint32_t> got = {5};
  empty.Candidates(Key(1), &got);
  CHECK(got.empty());
}
