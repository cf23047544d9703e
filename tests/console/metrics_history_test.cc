// MetricsHistory (server/src/metrics_history.h): the ring bound, rates from counter differences and
// commit-latency quantiles from histogram bucket differences.
#include <catch2/catch.hpp>

#include "metrics_history.h"

using deltatunnel::server::Metrics;
using deltatunnel::server::MetricsHistory;

namespace {

std::vector<Metrics::SeriesValue> Registry(Metrics& m) { return m.Snapshot(); }

}  // namespace

TEST_CASE("quantiles interpolate inside the bucket like histogram_quantile", "[console]") {
  const std::vector<double> bounds = {1, 2, 4};
  CHECK(MetricsHistory::Quantile(bounds, {0, 0, 0, 0}, 0.5) == -1);
  CHECK(MetricsHistory::Quantile(bounds, {10, 0, 0, 0}, 0.5) == Approx(0.5));
  CHECK(MetricsHistory::Quantile(bounds, {0, 10, 0, 0}, 0.5) == Approx(1.5));
  CHECK(MetricsHistory::Quantile(bounds, {5, 0, 5, 0}, 0.99) == Approx(2 + 2 * 0.98));
  CHECK(MetricsHistory::Quantile(bounds, {0, 0, 0, 3}, 0.5) == 4);  // +Inf: the highest bound
}

TEST_CASE("the history keeps at most its capacity and answers rates per interval", "[console]") {
  Metrics m;
  auto& rows = m.Counter("deltatunnel_rows_written_total", "", {{"surface", "native"}});
  auto& commits = m.Counter("deltatunnel_commits_total", "");
  auto& latency = m.Histogram("deltatunnel_commit_duration_seconds", "", Metrics::LatencyBuckets());
  m.Gauge("deltatunnel_slots_in_use", "", {{"project", "p"}, {"quota", ""}}).Set(2);
  m.Counter("deltatunnel_throttled_requests_total", "", {{"code", "FlowExceeded"}}).Inc(3);

  MetricsHistory history(5);
  history.Sample(Registry(m), 1000);
  rows.Inc(500);
  commits.Inc(2);
  latency.Observe(0.003);
  latency.Observe(0.003);
  history.Sample(Registry(m), 3000);  // two seconds later
  nlohmann::json j = history.ToJson(0, 0);
  REQUIRE(j["samples"].size() == 2);
  CHECK(j["samples"][0]["rows_per_s"].is_null());
  CHECK(j["samples"][1]["rows_per_s"].get<double>() == Approx(250));
  CHECK(j["samples"][1]["commits_per_s"].get<double>() == Approx(1));
  CHECK(j["samples"][1]["commit_p50_s"].get<double>() > 0.0025);
  CHECK(j["samples"][1]["commit_p50_s"].get<double>() <= 0.005);
  CHECK(j["samples"][1]["slots_in_use"] == 2);
  CHECK(j["window"]["rows"] == 500);
  CHECK(j["slots"][0]["project"] == "p");
  CHECK(j["throttled"][0]["code"] == "FlowExceeded");
  CHECK(j["throttled"][0]["total"] == 3);

  for (int i = 0; i < 10; ++i) history.Sample(Registry(m), 4000 + i * 1000);
  CHECK(history.size() == 5);
  j = history.ToJson(0, 0);
  CHECK(j["samples"].size() == 5);
  CHECK(j["samples"].front()["t"] == 9000);
  CHECK(j["samples"][1]["commit_p50_s"].is_null());  // no commits in that interval
  CHECK(history.ToJson(11000, 0)["samples"].size() == 2);
  CHECK(history.ToJson(0, 1)["samples"].size() == 1);
}
