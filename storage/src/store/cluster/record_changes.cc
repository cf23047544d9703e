#include "store/cluster/record_changes.h"

#include <algorithm>

namespace deltatunnel::storage::cluster {

void RecordChanges::Put(std::string_view key, std::string_view value) {
  points_.insert_or_assign(std::string(key), std::string(value));
}

void RecordChanges::Delete(std::string_view key) {
  points_.insert_or_assign(std::string(key), std::nullopt);
}

void RecordChanges::DeleteRange(std::string_view begin, std::string_view end) {
  if (begin >= end) return;
  points_.erase(points_.lower_bound(begin), points_.lower_bound(end));
  ranges_.emplace_back(begin, end);
}

std::vector<RecordChanges::Change> RecordChanges::Fold() const {
  // The ranges as disjoint ascending ones.
  std::vector<std::pair<std::string, std::string>> ranges = ranges_;
  std::sort(ranges.begin(), ranges.end());
  std::vector<std::pair<std::string, std::string>> merged;
  for (auto& r : ranges) {
    if (!merged.empty() && r.first <= merged.back().second) {
      merged.back().second = std::max(merged.back().second, r.second);
    } else {
      merged.push_back(std::move(r));
    }
  }

  std::vector<Change> out;
  auto point = points_.begin();
  auto emit_point = [&] {
    out.push_back(point->second ? Change{Change::Kind::kPut, point->first, *point->second, {}}
                                : Change{Change::Kind::kDelete, point->first, {}, {}});
  };
  for (const auto& [begin, end] : merged) {
    for (; point != points_.end() && point->first < begin; ++point) emit_point();
    // Inside the range: a delete is the range's own; a put (made after the range delete) cuts
    // the range around its key.
    std::string from = begin;
    for (; point != points_.end() && point->first < end; ++point) {
      if (!point->second) continue;
      if (from < point->first) out.push_back({Change::Kind::kDeleteRange, from, {}, point->first});
      out.push_back({Change::Kind::kPut, point->first, *point->second, {}});
      from = point->first + '\0';  // the next key after it
    }
    if (from < end) out.push_back({Change::Kind::kDeleteRange, from, {}, end});
  }
  for (; point != points_.end(); ++point) emit_point();
  return out;
}

}  // namespace deltatunnel::storage::cluster
