#include "api_metrics.h"

#include <nlohmann/json.hpp>

namespace deltatunnel::server {
namespace {

constexpr const char* kRowsHelp = "Rows written (appended to sessions), by surface.";
constexpr const char* kBytesHelp = "Encoded bytes written (appended to sessions), by surface.";

}  // namespace

ApiMetrics::ApiMetrics(Metrics& metrics)
    : metrics_(metrics),
      tunnel_rows_(
          metrics.Counter("deltatunnel_rows_written_total", kRowsHelp, {{"surface", "tunnel"}})),
      tunnel_bytes_(
          metrics.Counter("deltatunnel_bytes_written_total", kBytesHelp, {{"surface", "tunnel"}})),
      native_rows_(
          metrics.Counter("deltatunnel_rows_written_total", kRowsHelp, {{"surface", "native"}})),
      native_bytes_(
          metrics.Counter("deltatunnel_bytes_written_total", kBytesHelp, {{"surface", "native"}})),
      commits_(metrics.Counter("deltatunnel_commits_total", "Commits (new table versions).")),
      commit_seconds_(metrics.Histogram("deltatunnel_commit_duration_seconds",
                                        "Commit latency, seconds.", Metrics::LatencyBuckets())),
      open_sessions_(metrics.Gauge("deltatunnel_open_sessions", "Upsert sessions open (normal).")),
      tables_(metrics.Gauge("deltatunnel_tables", "Tables in the catalog.")),
      storage_bytes_(metrics.Gauge("deltatunnel_storage_bytes", "Live data on disk, estimate.")) {}

void ApiMetrics::OnAppend(std::string_view surface, uint64_t rows, uint64_t bytes) {
  if (surface == "tunnel") {
    tunnel_rows_.Inc(rows);
    tunnel_bytes_.Inc(bytes);
  } else {
    native_rows_.Inc(rows);
    native_bytes_.Inc(bytes);
  }
}

void ApiMetrics::OnCommit(double seconds) {
  commits_.Inc();
  commit_seconds_.Observe(seconds);
}

void ApiMetrics::OnResponse(const Response& response) {
  if (response.status != 429 && response.status != 503) return;
  auto body = nlohmann::json::parse(response.body, nullptr, false);
  std::string code = "unknown";
  if (body.is_object() && body.contains("Code") && body["Code"].is_string()) code = body["Code"];
  metrics_
      .Counter("deltatunnel_throttled_requests_total", "Requests refused with 429 or 503, by code.",
               {{"code", code}})
      .Inc();
}

void ApiMetrics::Refresh(storage::Engine& engine, SlotPool& slots) {
  const storage::EngineStats stats = engine.Stats();
  open_sessions_.Set(static_cast<double>(stats.open_sessions));
  tables_.Set(static_cast<double>(stats.tables));
  storage_bytes_.Set(static_cast<double>(stats.storage_bytes));
  slots.ForEach(
      [&](const std::string& project, const std::string& group, uint32_t in_use, uint32_t limit) {
        Labels labels = {{"project", project}, {"quota", group}};
        metrics_
            .Gauge("deltatunnel_slots_in_use", "Write slots in use, by project and quota group.",
                   labels)
            .Set(in_use);
        metrics_
            .Gauge("deltatunnel_slots_limit", "Write slots available, by project and quota group.",
                   labels)
            .Set(limit);
      });
}

}  // namespace deltatunnel::server
