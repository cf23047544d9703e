// RunRangeIndex: which of a bucket's runs may hold a key, by the runs' key ranges (RunRef::
// key_range), without asking every run. Until major compaction folds them a bucket can hold
// hundreds of runs, and keys that only grow (ids, CDC sources; one range per source) fall in the
// range of none or few of them: a lookup that asks each run in turn costs the run count per key.
//
// The ranged runs are sorted by first key, with a tree of the highest last key over them; a key's
// candidates are the runs of the sorted prefix whose first key is at most it, found by descending
// only into subtrees whose highest last key reaches it: O(log n + candidates). Runs without a range
// (bases, runs written before ranges were recorded) are always candidates.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "manifest.h"

namespace deltatunnel::storage {

class RunRangeIndex {
 public:
  RunRangeIndex() = default;
  // `runs` must outlive the index (their ranges are referred to, not copied).
  explicit RunRangeIndex(const std::vector<RunRef>& runs);

  // The positions in `runs` of those that may hold `key`, ascending (the caller's order).
  void Candidates(std::string_view key, std::vector<uint32_t>* out) const;

 private:
  void Collect(size_t node, size_t lo, size_t hi, size_t end, std::string_view key,
               std::vector<uint32_t>* out) const;

  std::vector<uint32_t> unranged_;
  std::vector<uint32_t> order_;           // ranged runs' positions, by first key
  std::vector<std::string_view> firsts_;  // their first keys, in that order
  std::vector<std::string_view> lasts_;   // their last keys, in that order
  size_t leaves_ = 0;                     // a power of two >= order_.size()
  // tree_[1] is the root; node i's children are 2i and 2i+1, leaf j is tree_[leaves_ + j]: the
  // highest last key under the node ("" for none).
  std::vector<std::string_view> tree_;
};

}  // namespace deltatunnel::storage
