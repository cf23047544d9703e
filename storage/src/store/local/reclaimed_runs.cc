#include "reclaimed_runs.h"

#include <algorithm>

#include "coding.h"

namespace deltatunnel::storage {

void ReclaimedRuns::Add(const RunRanges& ranges) {
  MutexLock lock(&mu_);
  for (const auto& [first, end] : ranges) ranges_[first] = end;
}

void ReclaimedRuns::Remove(const RunRanges& ranges) {
  MutexLock lock(&mu_);
  for (const auto& [first, end] : ranges) ranges_.erase(first);
}

bool ReclaimedRuns::Contains(uint64_t run_id) const {
  MutexLock lock(&mu_);
  auto it = ranges_.upper_bound(run_id);
  if (it == ranges_.begin()) return false;
  --it;
  return run_id < it->second;
}

bool ReclaimFilter::Filter(int /*level*/, const rocksdb::Slice& key,
                           const rocksdb::Slice& /*existing_value*/, std::string* /*new_value*/,
                           bool* /*value_changed*/) const {
  if (key.size() < 8) return false;
  return runs_->Contains(GetBigEndian64(std::string_view(key.data(), 8)));
}

}  // namespace deltatunnel::storage
