// Ranges of run ids: how dropped runs are recorded (D records) and freed (Store::FreeRuns).
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace deltatunnel::storage {

// [first, end) ranges of run ids, ascending and disjoint.
using RunRanges = std::vector<std::pair<uint64_t, uint64_t>>;

// Coalesces run ids into ascending [first, end) ranges.
RunRanges ToRunRanges(std::vector<uint64_t> run_ids);

}  // namespace deltatunnel::storage
