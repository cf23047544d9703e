#include "deltatunnel/server/metrics.h"

#include <catch2/catch.hpp>
#include <thread>
#include <vector>

#include "metrics_text.h"

using namespace deltatunnel::server;

TEST_CASE("counters, gauges and histograms render in the text format", "[metrics]") {
  Metrics m;
  auto& ok = m.Counter("deltatunnel_things_total", "Things.", {{"code", "200"}});
  auto& bad = m.Counter("deltatunnel_things_total", "Things.", {{"code", "500"}});
  CHECK(&ok == &m.Counter("deltatunnel_things_total", "Things.", {{"code", "200"}}));
  ok.Inc();
  ok.Inc(2);
  bad.Inc();
  m.Gauge("deltatunnel_open_sessions", "Open sessions.").Set(4.5);
  auto& h =
      m.Histogram("deltatunnel_latency_seconds", "Latency.", {0.1, 1}, {{"surface", "native"}});
  h.Observe(0.05);
  h.Observe(0.1);
  h.Observe(0.5);
  h.Observe(7);

  std::string text = m.Render();
  CHECK(text ==
        "# HELP deltatunnel_latency_seconds Latency.\n"
        "# TYPE deltatunnel_latency_seconds histogram\n"
        "deltatunnel_latency_seconds_bucket{surface=\"native\",le=\"0.1\"} 2\n"
        "deltatunnel_latency_seconds_bucket{surface=\"native\",le=\"1\"} 3\n"
        "deltatunnel_latency_seconds_bucket{surface=\"native\",le=\"+Inf\"} 4\n"
        "deltatunnel_latency_seconds_sum{surface=\"native\"} 7.65\n"
        "deltatunnel_latency_seconds_count{surface=\"native\"} 4\n"
        "# HELP deltatunnel_open_sessions Open sessions.\n"
        "# TYPE deltatunnel_open_sessions gauge\n"
        "deltatunnel_open_sessions 4.5\n"
        "# HELP deltatunnel_things_total Things.\n"
        "# TYPE deltatunnel_things_total counter\n"
        "deltatunnel_things_total{code=\"200\"} 3\n"
        "deltatunnel_things_total{code=\"500\"} 1\n");
  auto parsed = deltatunnel::testing::ParseMetricsText(text);
  CHECK(parsed.at("deltatunnel_things_total{code=\"200\"}") == 3);
}

TEST_CASE("label values and help texts are escaped", "[metrics]") {
  Metrics m;
  m.Counter("deltatunnel_x_total", "a \\ b\nc", {{"path", "q\"\\\n"}}).Inc();
  CHECK(m.Render() ==
        "# HELP deltatunnel_x_total a \\\\ b\\nc\n"
        "# TYPE deltatunnel_x_total counter\n"
        "deltatunnel_x_total{path=\"q\\\"\\\\\\n\"} 1\n");
}

TEST_CASE("misuse is refused", "[metrics]") {
  Metrics m;
  m.Counter("deltatunnel_a_total", "A.");
  CHECK_THROWS_AS(m.Gauge("deltatunnel_a_total", "A."), std::logic_error);
  CHECK_THROWS_AS(m.Counter("9starts_with_digit", "x"), std::logic_error);
  CHECK_THROWS_AS(m.Counter("deltatunnel_b_total", "x", {{"bad-label", "v"}}), std::logic_error);
  CHECK_THROWS_AS(m.Histogram("deltatunnel_h", "x", {1, 0.5}), std::logic_error);
  m.Histogram("deltatunnel_h2", "x", {1, 2});
  CHECK_THROWS_AS(m.Histogram("deltatunnel_h2", "x", {1, 3}), std::logic_error);
}

TEST_CASE("updates from many threads are all counted", "[metrics]") {
  Metrics m;
  auto& c = m.Counter("deltatunnel_c_total", "C.");
  auto& g = m.Gauge("deltatunnel_g", "G.");
  auto& h = m.Histogram("deltatunnel_h_seconds", "H.", Metrics::LatencyBuckets());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        c.Inc();
        g.Add(1);
        h.Observe(0.001);
        m.Counter("deltatunnel_c_total", "C.").Inc();
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(c.Value() == 80000);
  CHECK(g.Value() == 40000);
  CHECK(h.Count() == 40000);
}
