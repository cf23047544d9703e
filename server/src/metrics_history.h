// The server's own recent metrics, in memory, for the console (GET /api/v1/metrics/history): a ring
// of at most `capacity` samples of the metrics registry, one taken per Sample() call (the console
// module calls it once a second, so 3600 samples are the last hour). A sample keeps the cumulative
// counters and the gauges the console plots; rates and commit-latency quantiles are computed
// server-side when answering, from the differences between consecutive samples, so a reader needs
// no second source of truth and no Prometheus.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "deltatunnel/server/metrics.h"

namespace deltatunnel::server {

class MetricsHistory {
 public:
  explicit MetricsHistory(size_t capacity);

  // Records one sample of `series` (a Metrics::Snapshot()) taken at `now_ms` (epoch ms).
  void Sample(const std::vector<Metrics::SeriesValue>& series, int64_t now_ms);

  // The JSON answer: the samples after `since_ms` (all when 0), the last `limit` of them at most,
  // with per-sample rates; the whole ring's totals and latency quantiles ("window"); the latest
  // slots per project and quota group and throttled requests by code.
  nlohmann::json ToJson(int64_t since_ms, size_t limit) const;

  size_t size() const;
  size_t capacity() const { return capacity_; }

  // The q-quantile (0..1) of observations counted per bucket (`buckets` not cumulative, the last
  // +Inf), interpolated linearly inside the bucket like Prometheus' histogram_quantile; the
  // highest finite bound when it falls in +Inf; -1 when there are no observations.
  static double Quantile(const std::vector<double>& bounds, const std::vector<uint64_t>& buckets,
                         double q);

 private:
  struct Point {
    int64_t t_ms = 0;
    // Cumulative counters.
    double rows = 0, bytes = 0, commits = 0, throttled = 0, compactions_done = 0,
           compactions_failed = 0;
    std::vector<uint64_t> commit_buckets;  // cumulative per bucket since the server started
    // Gauges.
    double open_sessions = 0, slots_in_use = 0, slots_limit = 0, storage_bytes = 0, tables = 0,
           compaction_queue = 0, compactions_running = 0, pending_deltas = 0;
  };
  struct Slot {
    std::string project, quota;
    double in_use = 0, limit = 0;
  };

  const size_t capacity_;
  mutable std::mutex mu_;
  std::deque<Point> points_;                                   // guarded by mu_, oldest first
  std::vector<double> commit_bounds_;                          // guarded by mu_
  std::map<std::pair<std::string, std::string>, Slot> slots_;  // guarded by mu_, latest
  std::map<std::string, double> throttled_by_code_;            // guarded by mu_, latest
};

}  // namespace deltatunnel::server
