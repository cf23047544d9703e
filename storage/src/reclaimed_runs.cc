#include "reclaimed_runs.h"

#include <algorithm>

#include "coding.h"

namespace deltatunnel::storage {

RunRanges ToRunRanges(std::vector<uint64_t> run_ids) {
  std::sort(run_ids.begin(), run_ids.end());
  RunRanges out;
  for (uint64_t id : run_ids) {
    if (!out.empty() && out.back().second >= id) {
      out.back().second = std::max(out.back().second, id + 1);
    } else {
      out.emplace_back(id, id + 1);
    }
  }
  return out;
}

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
