#include "run_ranges.h"

#include <algorithm>

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

}  // namespace deltatunnel::storage
