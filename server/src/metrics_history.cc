#include "metrics_history.h"

#include <algorithm>

namespace deltatunnel::server {
namespace {

std::string LabelOf(const Labels& labels, std::string_view name) {
  for (const auto& [k, v] : labels) {
    if (k == name) return v;
  }
  return "";
}

// Per second between two cumulative values; null when time did not move.
nlohmann::json Rate(double before, double after, int64_t dt_ms) {
  if (dt_ms <= 0) return nullptr;
  return std::max(0.0, after - before) * 1000.0 / static_cast<double>(dt_ms);
}

std::vector<uint64_t> Delta(const std::vector<uint64_t>& before,
                            const std::vector<uint64_t>& after) {
  std::vector<uint64_t> out(after.size(), 0);
  for (size_t i = 0; i < after.size(); ++i) {
    uint64_t b = i < before.size() ? before[i] : 0;
    out[i] = after[i] >= b ? after[i] - b : 0;
  }
  return out;
}

nlohmann::json QuantileOrNull(const std::vector<double>& bounds,
                              const std::vector<uint64_t>& buckets, double q) {
  double v = MetricsHistory::Quantile(bounds, buckets, q);
  if (v < 0) return nullptr;
  return v;
}

}  // namespace

MetricsHistory::MetricsHistory(size_t capacity) : capacity_(std::max<size_t>(capacity, 1)) {}

double MetricsHistory::Quantile(const std::vector<double>& bounds,
                                const std::vector<uint64_t>& buckets, double q) {
  uint64_t total = 0;
  for (uint64_t c : buckets) total += c;
  if (total == 0 || bounds.empty()) return -1;
  const double rank = q * static_cast<double>(total);
  uint64_t cumulative = 0;
  for (size_t i = 0; i < buckets.size(); ++i) {
    const uint64_t before = cumulative;
    cumulative += buckets[i];
    if (static_cast<double>(cumulative) < rank || buckets[i] == 0) continue;
    if (i >= bounds.size()) return bounds.back();  // +Inf: the highest finite bound
    const double lower = i == 0 ? 0.0 : bounds[i - 1];
    const double upper = bounds[i];
    const double fraction = (rank - static_cast<double>(before)) / static_cast<double>(buckets[i]);
    return lower + (upper - lower) * std::clamp(fraction, 0.0, 1.0);
  }
  return bounds.back();
}

void MetricsHistory::Sample(const std::vector<Metrics::SeriesValue>& series, int64_t now_ms) {
  Point p;
  p.t_ms = now_ms;
  std::vector<double> commit_bounds;
  std::map<std::pair<std::string, std::string>, Slot> slots;
  std::map<std::string, double> throttled;
  for (const Metrics::SeriesValue& s : series) {
    const std::string& n = s.name;
    if (n == "deltatunnel_rows_written_total") {
      p.rows += s.value;
    } else if (n == "deltatunnel_bytes_written_total") {
      p.bytes += s.value;
    } else if (n == "deltatunnel_commits_total") {
      p.commits += s.value;
    } else if (n == "deltatunnel_commit_duration_seconds" && s.labels.empty()) {
      commit_bounds = s.bounds;
      p.commit_buckets = s.buckets;
    } else if (n == "deltatunnel_throttled_requests_total") {
      p.throttled += s.value;
      throttled[LabelOf(s.labels, "code")] += s.value;
    } else if (n == "deltatunnel_compactions_total") {
      (LabelOf(s.labels, "result") == "failed" ? p.compactions_failed : p.compactions_done) +=
          s.value;
    } else if (n == "deltatunnel_open_sessions") {
      p.open_sessions = s.value;
    } else if (n == "deltatunnel_tables") {
      p.tables = s.value;
    } else if (n == "deltatunnel_storage_bytes") {
      p.storage_bytes = s.value;
    } else if (n == "deltatunnel_compaction_queue_length") {
      p.compaction_queue = s.value;
    } else if (n == "deltatunnel_compactions_running") {
      p.compactions_running = s.value;
    } else if (n == "deltatunnel_compaction_pending_deltas") {
      p.pending_deltas = s.value;
    } else if (n == "deltatunnel_slots_in_use" || n == "deltatunnel_slots_limit") {
      auto key = std::make_pair(LabelOf(s.labels, "project"), LabelOf(s.labels, "quota"));
      Slot& slot = slots[key];
      slot.project = key.first;
      slot.quota = key.second;
      if (n == "deltatunnel_slots_in_use") {
        slot.in_use = s.value;
        p.slots_in_use += s.value;
      } else {
        slot.limit = s.value;
        p.slots_limit += s.value;
      }
    }
  }
  std::lock_guard lock(mu_);
  if (!commit_bounds.empty()) commit_bounds_ = std::move(commit_bounds);
  slots_ = std::move(slots);
  throttled_by_code_ = std::move(throttled);
  points_.push_back(std::move(p));
  while (points_.size() > capacity_) points_.pop_front();
}

size_t MetricsHistory::size() const {
  std::lock_guard lock(mu_);
  return points_.size();
}

nlohmann::json MetricsHistory::ToJson(int64_t since_ms, size_t limit) const {
  std::lock_guard lock(mu_);
  nlohmann::json samples = nlohmann::json::array();
  size_t first = 0;
  while (first < points_.size() && points_[first].t_ms <= since_ms) ++first;
  if (limit > 0 && points_.size() - first > limit) first = points_.size() - limit;
  for (size_t i = first; i < points_.size(); ++i) {
    const Point& p = points_[i];
    nlohmann::json s = {{"t", p.t_ms},
                        {"rows_total", p.rows},
                        {"bytes_total", p.bytes},
                        {"commits_total", p.commits},
                        {"throttled_total", p.throttled},
                        {"open_sessions", p.open_sessions},
                        {"slots_in_use", p.slots_in_use},
                        {"slots_limit", p.slots_limit},
                        {"storage_bytes", p.storage_bytes},
                        {"tables", p.tables},
                        {"compaction_queue_length", p.compaction_queue},
                        {"compactions_running", p.compactions_running},
                        {"compaction_pending_deltas", p.pending_deltas}};
    // Rates over the interval since the sample before (null for the oldest sample kept).
    nlohmann::json rows_per_s = nullptr, bytes_per_s = nullptr, commits_per_s = nullptr,
                   throttled_per_s = nullptr, compactions_per_s = nullptr, p50 = nullptr,
                   p99 = nullptr;
    if (i > 0) {
      const Point& b = points_[i - 1];
      const int64_t dt = p.t_ms - b.t_ms;
      rows_per_s = Rate(b.rows, p.rows, dt);
      bytes_per_s = Rate(b.bytes, p.bytes, dt);
      commits_per_s = Rate(b.commits, p.commits, dt);
      throttled_per_s = Rate(b.throttled, p.throttled, dt);
      compactions_per_s = Rate(b.compactions_done + b.compactions_failed,
                               p.compactions_done + p.compactions_failed, dt);
      const std::vector<uint64_t> d = Delta(b.commit_buckets, p.commit_buckets);
      p50 = QuantileOrNull(commit_bounds_, d, 0.5);
      p99 = QuantileOrNull(commit_bounds_, d, 0.99);
    }
    s["rows_per_s"] = rows_per_s;
    s["bytes_per_s"] = bytes_per_s;
    s["commits_per_s"] = commits_per_s;
    s["throttled_per_s"] = throttled_per_s;
    s["compactions_per_s"] = compactions_per_s;
    s["commit_p50_s"] = p50;
    s["commit_p99_s"] = p99;
    samples.push_back(std::move(s));
  }
  nlohmann::json window = nullptr;
  if (!points_.empty()) {
    const Point& a = points_.front();
    const Point& z = points_.back();
    const std::vector<uint64_t> d = Delta(a.commit_buckets, z.commit_buckets);
    window = {{"from", a.t_ms},
              {"to", z.t_ms},
              {"rows", z.rows - a.rows},
              {"bytes", z.bytes - a.bytes},
              {"commits", z.commits - a.commits},
              {"throttled", z.throttled - a.throttled},
              {"commit_p50_s", QuantileOrNull(commit_bounds_, d, 0.5)},
              {"commit_p99_s", QuantileOrNull(commit_bounds_, d, 0.99)}};
  }
  nlohmann::json slots = nlohmann::json::array();
  for (const auto& [key, s] : slots_) {
    slots.push_back(
        {{"project", s.project}, {"quota", s.quota}, {"in_use", s.in_use}, {"limit", s.limit}});
  }
  nlohmann::json throttled = nlohmann::json::array();
  for (const auto& [code, total] : throttled_by_code_) {
    throttled.push_back({{"code", code}, {"total", total}});
  }
  return {{"interval_s", 1},       {"capacity", capacity_}, {"rates", "server"},
          {"samples", samples},    {"window", window},      {"slots", slots},
          {"throttled", throttled}};
}

}  // namespace deltatunnel::server
