// Timing helpers the benchmark programs share: elapsed seconds and percentiles of latencies.
#pragma once

#include <algorithm>
#include <chrono>
#include <vector>

namespace deltatunnel::bench {

using Clock = std::chrono::steady_clock;

inline double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// The p-quantile (0..1) of `v` by nearest rank; 0 for no samples.
inline double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

}  // namespace deltatunnel::bench
