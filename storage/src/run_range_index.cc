#include "run_range_index.h"

#include <algorithm>
#include <numeric>

namespace deltatunnel::storage {

RunRangeIndex::RunRangeIndex(const std::vector<RunRef>& runs) {
  for (uint32_t i = 0; i < runs.size(); ++i) {
    (runs[i].key_range ? order_ : unranged_).push_back(i);
  }
  std::sort(order_.begin(), order_.end(), [&](uint32_t a, uint32_t b) {
    return runs[a].key_range->first < runs[b].key_range->first;
  });
  firsts_.reserve(order_.size());
  lasts_.reserve(order_.size());
  for (uint32_t i : order_) {
    firsts_.push_back(runs[i].key_range->first);
    lasts_.push_back(runs[i].key_range->last);
  }
  leaves_ = 1;
  while (leaves_ < order_.size()) leaves_ *= 2;
  tree_.assign(2 * leaves_, std::string_view());
  for (size_t j = 0; j < lasts_.size(); ++j) tree_[leaves_ + j] = lasts_[j];
  for (size_t i = leaves_ - 1; i >= 1; --i) tree_[i] = std::max(tree_[2 * i], tree_[2 * i + 1]);
}

void RunRangeIndex::Collect(size_t node, size_t lo, size_t hi, size_t end, std::string_view key,
                            std::vector<uint32_t>* out) const {
  if (lo >= end || tree_[node] < key) return;
  if (hi - lo == 1) {
    out->push_back(order_[lo]);
    return;
  }
  const size_t mid = lo + (hi - lo) / 2;
  Collect(2 * node, lo, mid, end, key, out);
  Collect(2 * node + 1, mid, hi, end, key, out);
}

void RunRangeIndex::Candidates(std::string_view key, std::vector<uint32_t>* out) const {
  out->assign(unranged_.begin(), unranged_.end());
  // The runs whose first key is at most `key`: a prefix of the order.
  const size_t end = std::upper_bound(firsts_.begin(), firsts_.end(), key) - firsts_.begin();
  if (end > 0) Collect(1, 0, leaves_, end, key, out);
  std::sort(out->begin(), out->end());
}

}  // namespace deltatunnel::storage
