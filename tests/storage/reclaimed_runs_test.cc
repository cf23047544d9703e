// The set of runs being freed and its compaction filter (reclaimed_runs.h).
#include <rocksdb/slice.h>

#include "../../storage/src/coding.h"
#include "../../storage/src/read_pins.h"
#include "store/local/reclaimed_runs.h"
#include "test_util.h"

using namespace deltatunnel::storage;

TEST_CASE("reclaimed runs: ids coalesce into ranges", "[storage][compaction][retention]") {
  CHECK(ToRunRanges({}).empty());
  CHECK(ToRunRanges({7, 3, 4, 5, 9, 8, 20}) == RunRanges{{3, 6}, {7, 10}, {20, 21}});
  CHECK(ToRunRanges({5, 5, 6}) == RunRanges{{5, 7}});
}

TEST_CASE("reclaimed runs: the filter drops the chunks of runs being freed, nothing else",
          "[storage][compaction][retention]") {
  ReclaimedRuns runs;
  ReclaimFilter filter(&runs);
  auto drops = [&](uint64_t run_id) {
    std::string key;
    PutBigEndian64(&key, run_id);
    key += "some key";
    std::string new_value;
    bool changed = false;
    return filter.Filter(1, key, "chunk", &new_value, &changed);
  };
  CHECK_FALSE(drops(5));
  runs.Add({{3, 6}, {10, 11}});
  runs.Add({{1ull << 63, (1ull << 63) + 16}});
  CHECK_FALSE(drops(2));
  CHECK(drops(3));
  CHECK(drops(5));
  CHECK_FALSE(drops(6));
  CHECK_FALSE(drops(9));
  CHECK(drops(10));
  CHECK_FALSE(drops(11));
  CHECK(drops((1ull << 63) + 15));
  CHECK_FALSE(drops((1ull << 63) + 16));
  runs.Remove({{3, 6}});
  CHECK_FALSE(drops(3));
  CHECK(drops(10));
  std::string new_value;
  bool changed = false;
  CHECK_FALSE(filter.Filter(1, "short", "chunk", &new_value, &changed));
}

TEST_CASE("read pins: a mark waits for the pins taken before it, only those",
          "[storage][compaction][retention]") {
  ReadPins pins;
  CHECK(pins.NoneBefore(pins.Mark()));
  auto early = pins.Take();
  auto early2 = pins.Take();
  const uint64_t m1 = pins.Mark();
  auto late = pins.Take();
  CHECK_FALSE(pins.NoneBefore(m1));
  early.reset();
  CHECK_FALSE(pins.NoneBefore(m1));  // early2 is still there
  early2.reset();
  CHECK(pins.NoneBefore(m1));  // `late` came after the mark
  const uint64_t m2 = pins.Mark();
  CHECK_FALSE(pins.NoneBefore(m2));
  auto copy = late;  // a shared pin goes with its last copy
  late.reset();
  CHECK_FALSE(pins.NoneBefore(m2));
  copy.reset();
  CHECK(pins.NoneBefore(m2));
}
