#include "deltatunnel/server/metrics.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace deltatunnel::server {
namespace {

void AtomicAdd(std::atomic<double>& a, double d) {
  double old = a.load(std::memory_order_relaxed);
  while (!a.compare_exchange_weak(old, old + d, std::memory_order_relaxed)) {
  }
}

bool ValidName(std::string_view name, bool label) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (!label && c == ':') || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

std::string Escape(std::string_view s, bool quote) {
  std::string out;
  for (char c : s) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quote) {
      out += "\\\"";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string FormatDouble(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  return fmt::format("{}", v);
}

std::string Braced(const std::string& labels, const std::string& extra = "") {
  std::string all = labels;
  if (!extra.empty()) all += (all.empty() ? "" : ",") + extra;
  return all.empty() ? "" : "{" + all + "}";
}

}  // namespace

void Gauge::Add(double d) { AtomicAdd(value_, d); }

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), buckets_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0);
}

void Histogram::Observe(double v) {
  size_t i = std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin();
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  AtomicAdd(sum_, v);
  count_.fetch_add(1, std::memory_order_relaxed);
}

std::vector<uint64_t> Histogram::BucketCounts() const {
  std::vector<uint64_t> out(bounds_.size() + 1);
  for (size_t i = 0; i < out.size(); ++i) out[i] = buckets_[i].load(std::memory_order_relaxed);
  return out;
}

Metrics& Metrics::Global() {
  static Metrics* global = new Metrics();  // never destroyed: threads may update it at exit
  return *global;
}

std::vector<double> Metrics::LatencyBuckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
}

Metrics::Series& Metrics::Get(std::string_view name, std::string_view help, Type type,
                              const Labels& labels, const std::vector<double>& bounds) {
  if (!ValidName(name, false)) {
    throw std::logic_error(fmt::format("metric name '{}' is not valid", name));
  }
  std::string rendered;
  for (const auto& [k, v] : labels) {
    if (!ValidName(k, true) || k == "le") {
      throw std::logic_error(fmt::format("metric {}: label name '{}' is not valid", name, k));
    }
    if (!rendered.empty()) rendered += ",";
    rendered += fmt::format("{}=\"{}\"", k, Escape(v, true));
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto it = families_.find(name);
  if (it == families_.end()) {
    it = families_.emplace(std::string(name), Family{type, std::string(help), bounds, {}}).first;
  }
  Family& f = it->second;
  if (f.type != type || f.bounds != bounds) {
    throw std::logic_error(
        fmt::format("metric {} is registered again with another type or buckets", name));
  }
  for (auto& s : f.series) {
    if (s->labels == rendered) return *s;
  }
  auto s = std::make_unique<Series>();
  s->labels = std::move(rendered);
  s->label_pairs = labels;
  switch (type) {
    case Type::kCounter:
      s->counter = std::make_unique<::deltatunnel::server::Counter>();
      break;
    case Type::kGauge:
      s->gauge = std::make_unique<::deltatunnel::server::Gauge>();
      break;
    case Type::kHistogram:
      if (!std::is_sorted(bounds.begin(), bounds.end()) || bounds.empty()) {
        throw std::logic_error(fmt::format("metric {}: buckets must be ascending", name));
      }
      s->histogram = std::make_unique<::deltatunnel::server::Histogram>(bounds);
      break;
  }
  f.series.push_back(std::move(s));
  return *f.series.back();
}

Counter& Metrics::Counter(std::string_view name, std::string_view help, const Labels& labels) {
  return *Get(name, help, Type::kCounter, labels, {}).counter;
}

Gauge& Metrics::Gauge(std::string_view name, std::string_view help, const Labels& labels) {
  return *Get(name, help, Type::kGauge, labels, {}).gauge;
}

Histogram& Metrics::Histogram(std::string_view name, std::string_view help,
                              const std::vector<double>& bounds, const Labels& labels) {
  return *Get(name, help, Type::kHistogram, labels, bounds).histogram;
}

std::vector<Metrics::SeriesValue> Metrics::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<SeriesValue> out;
  for (const auto& [name, f] : families_) {
    for (const auto& s : f.series) {
      SeriesValue v;
      v.name = name;
      v.labels = s->label_pairs;
      if (s->counter) {
        v.kind = SeriesValue::Kind::kCounter;
        v.value = static_cast<double>(s->counter->Value());
      } else if (s->gauge) {
        v.kind = SeriesValue::Kind::kGauge;
        v.value = s->gauge->Value();
      } else if (s->histogram) {
        v.kind = SeriesValue::Kind::kHistogram;
        v.value = s->histogram->Sum();
        v.bounds = s->histogram->bounds();
        v.buckets = s->histogram->BucketCounts();
      }
      out.push_back(std::move(v));
    }
  }
  return out;
}

std::string Metrics::Render() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  for (const auto& [name, f] : families_) {
    static constexpr const char* kTypeNames[] = {"counter", "gauge", "histogram"};
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, Escape(f.help, false), name,
                       kTypeNames[static_cast<int>(f.type)]);
    for (const auto& s : f.series) {
      if (s->counter) out += fmt::format("{}{} {}\n", name, Braced(s->labels), s->counter->Value());
      if (s->gauge) {
        out += fmt::format("{}{} {}\n", name, Braced(s->labels), FormatDouble(s->gauge->Value()));
      }
      if (!s->histogram) continue;
      const auto& h = *s->histogram;
      std::vector<uint64_t> counts = h.BucketCounts();
      uint64_t cumulative = 0;
      for (size_t i = 0; i < counts.size(); ++i) {
        cumulative += counts[i];
        double le = i < h.bounds().size() ? h.bounds()[i] : INFINITY;
        out +=
            fmt::format("{}_bucket{} {}\n", name,
                        Braced(s->labels, fmt::format("le=\"{}\"", FormatDouble(le))), cumulative);
      }
      out += fmt::format("{}_sum{} {}\n", name, Braced(s->labels), FormatDouble(h.Sum()));
      out += fmt::format("{}_count{} {}\n", name, Braced(s->labels), cumulative);
    }
  }
  return out;
}

}  // namespace deltatunnel::server
