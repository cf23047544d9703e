// A small Prometheus metrics registry: counters, gauges and histograms with fixed buckets, each
// under a name and a label set. Registration takes a lock and answers a reference that stays valid
// for the registry's life, so callers register once and keep it; updates are lock-free atomics.
//
//   Metrics& m = Metrics::Global();
//   Counter& rows = m.Counter("deltatunnel_rows_written_total", "Rows written.", {{"surface",
//   "tunnel"}}); rows.Inc(n); Histogram& h = m.Histogram("deltatunnel_commit_duration_seconds",
//   "Commit latency.",
//                              Metrics::LatencyBuckets());
//   h.Observe(seconds);
//
// Render() writes the text exposition format 0.0.4: families sorted by name, each with its HELP
// and TYPE lines, then its series in registration order.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace deltatunnel::server {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void Inc(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class Gauge {
 public:
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  void Add(double d);
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Histogram {
 public:
  // `bounds`: the buckets' upper bounds, ascending; +Inf is implicit.
  explicit Histogram(std::vector<double> bounds);
  void Observe(double v);
  const std::vector<double>& bounds() const { return bounds_; }
  // Per bucket (not cumulative), the last being +Inf.
  std::vector<uint64_t> BucketCounts() const;
  uint64_t Count() const { return count_.load(std::memory_order_relaxed); }
  double Sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;
  std::atomic<uint64_t> count_{0};
  std::atomic<double> sum_{0};
};

class Metrics {
 public:
  // The daemon's registry; the server's HTTP metrics and /metrics use it.
  static Metrics& Global();

  // Finds or creates the series. The same name must always come with the same type (and, for a
  // histogram, bounds); a mismatch or a malformed name throws std::logic_error.
  ::deltatunnel::server::Counter& Counter(std::string_view name, std::string_view help,
                                          const Labels& labels = {});
  ::deltatunnel::server::Gauge& Gauge(std::string_view name, std::string_view help,
                                      const Labels& labels = {});
  ::deltatunnel::server::Histogram& Histogram(std::string_view name, std::string_view help,
                                              const std::vector<double>& bounds,
                                              const Labels& labels = {});

  // Seconds, 0.5 ms to 60 s.
  static std::vector<double> LatencyBuckets();

  std::string Render() const;

  // One series' values, read at once per value (not across series): for in-process readers such
  // as the console's history sampler.
  struct SeriesValue {
    enum class Kind { kCounter, kGauge, kHistogram };
    std::string name;
    Labels labels;
    Kind kind = Kind::kCounter;
    double value = 0;               // a counter's or gauge's value; a histogram's sum
    std::vector<double> bounds;     // histogram: the buckets' upper bounds (+Inf implicit)
    std::vector<uint64_t> buckets;  // histogram: per bucket (not cumulative), the last +Inf
  };
  // Every series, families sorted by name, each family's series in registration order.
  std::vector<SeriesValue> Snapshot() const;

 private:
  enum class Type { kCounter, kGauge, kHistogram };
  struct Series {
    std::string labels;  // rendered: `a="1",b="2"` (no braces)
    Labels label_pairs;
    std::unique_ptr<::deltatunnel::server::Counter> counter;
    std::unique_ptr<::deltatunnel::server::Gauge> gauge;
    std::unique_ptr<::deltatunnel::server::Histogram> histogram;
  };
  struct Family {
    Type type;
    std::string help;
    std::vector<double> bounds;
    std::vector<std::unique_ptr<Series>> series;
  };
  Series& Get(std::string_view name, std::string_view help, Type type, const Labels& labels,
              const std::vector<double>& bounds);

  mutable std::mutex mu_;
  std::map<std::string, Family, std::less<>> families_;  // guarded by mu_
};

}  // namespace deltatunnel::server
