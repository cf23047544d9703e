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
      storage_bytes_(metrics.Gauge("deltatunnel_storage_bytes", "Live data on disk, estimate.")),
      change_feeds_(metrics.Gauge("deltatunnel_change_feeds",
                                  "Change feeds following a table (changes?follow=true).")),
      feed_records_(metrics.Counter("deltatunnel_change_feed_records_total",
                                    "Change records sent by the full form of changes and by "
                                    "feeds.")),
      rows_rejected_(metrics.Counter("deltatunnel_rejected_rows_total",
                                     "Rows loads skipped (max_bad_rows), kept in reject "
                                     "quarantines.")),
      reject_sets_replayed_(metrics.Counter("deltatunnel_reject_sets_replayed_total",
                                            "Reject sets replayed as loads.")) {}

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
  metrics_
      .Gauge("deltatunnel_storage_writable",
             "1 while storage takes writes, 0 while a filesystem fault stops them.")
      .Set(engine.Writable().ok() ? 1.0 : 0.0);
  metrics_
      .Gauge("deltatunnel_storage_stops_total",
             "Times a filesystem fault (no space, an I/O error) stopped writes.")
      .Set(static_cast<double>(stats.storage_stops));
  metrics_
      .Gauge("deltatunnel_storage_recoveries_total",
             "Times writes resumed by themselves after a filesystem fault.")
      .Set(static_cast<double>(stats.storage_recoveries));
  metrics_
      .Gauge("deltatunnel_chunk_cache_hits_total",
             "Chunk lookups the node's cache answered (cluster backend; 0 on the local one).")
      .Set(static_cast<double>(stats.chunk_cache_hits));
  metrics_
      .Gauge("deltatunnel_chunk_cache_misses_total",
             "Chunk lookups read from object storage (cluster backend; 0 on the local one).")
      .Set(static_cast<double>(stats.chunk_cache_misses));
  metrics_
      .Gauge("deltatunnel_chunk_cache_bytes",
             "Bytes of chunks the node's cache holds (cluster.chunk_cache_bytes at most).")
      .Set(static_cast<double>(stats.chunk_cache_bytes));
  RefreshCompaction(stats);
  RefreshConsumers(stats);
  RefreshRejects(stats);
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

void ApiMetrics::RefreshCompaction(const storage::EngineStats& stats) {
  const storage::CompactionStats& c = stats.compaction;
  storage::CompactionStats& last = last_compaction_;
  auto inc = [&](const char* name, const char* help, uint64_t now, uint64_t& before,
                 Labels labels = {}) {
    metrics_.Counter(name, help, labels).Inc(now - std::min(now, before));
    before = now;
  };
  inc("deltatunnel_compactions_total", "Partition major compactions finished, by result.", c.done,
      last.done, {{"result", "done"}});
  inc("deltatunnel_compactions_total", "Partition major compactions finished, by result.", c.failed,
      last.failed, {{"result", "failed"}});
  inc("deltatunnel_compaction_input_bytes_total", "Bytes of runs merged by major compactions.",
      c.input_bytes, last.input_bytes);
  inc("deltatunnel_compaction_output_bytes_total", "Bytes of base runs written by compactions.",
      c.output_bytes, last.output_bytes);
  inc("deltatunnel_compaction_input_rows_total", "Rows of runs merged by major compactions.",
      c.input_rows, last.input_rows);
  inc("deltatunnel_compaction_output_rows_total", "Rows of base runs written by compactions.",
      c.output_rows, last.output_rows);
  inc("deltatunnel_versions_reclaimed_total",
      "Runs dropped once no version inside retention needed them.", c.versions_reclaimed,
      last.versions_reclaimed);
  metrics_
      .Gauge("deltatunnel_compaction_seconds_total", "Time spent in major compactions, seconds.")
      .Set(c.seconds);
  metrics_.Gauge("deltatunnel_compaction_queue_length", "Compaction requests waiting.")
      .Set(static_cast<double>(c.queued));
  metrics_.Gauge("deltatunnel_compactions_running", "Partitions being compacted now.")
      .Set(static_cast<double>(c.running));
  metrics_
      .Gauge("deltatunnel_compaction_pending_deltas",
             "Commits waiting for major compaction, all partitions.")
      .Set(static_cast<double>(c.pending_deltas));
  // Per partition, for the partitions furthest behind; one that caught up reads 0 once.
  constexpr const char* kBacklogHelp =
      "Commits waiting for major compaction, by partition (the partitions furthest behind).";
  std::set<std::tuple<std::string, std::string, std::string>> now;
  for (const auto& b : stats.backlog) {
    now.insert({b.project, b.table, b.partition});
    metrics_
        .Gauge("deltatunnel_partition_pending_deltas", kBacklogHelp,
               {{"project", b.project}, {"table", b.table}, {"partition", b.partition}})
        .Set(static_cast<double>(b.pending_deltas));
  }
  for (const auto& [project, table, partition] : backlog_labels_) {
    if (now.count({project, table, partition}) != 0) continue;
    metrics_
        .Gauge("deltatunnel_partition_pending_deltas", kBacklogHelp,
               {{"project", project}, {"table", table}, {"partition", partition}})
        .Set(0);
  }
  backlog_labels_ = std::move(now);
}

void ApiMetrics::RefreshRejects(const storage::EngineStats& stats) {
  // The engine counts since its start; a counter only grows.
  if (stats.rows_rejected > last_rows_rejected_) {
    rows_rejected_.Inc(stats.rows_rejected - last_rows_rejected_);
  }
  if (stats.reject_sets_replayed > last_reject_sets_replayed_) {
    reject_sets_replayed_.Inc(stats.reject_sets_replayed - last_reject_sets_replayed_);
  }
  last_rows_rejected_ = stats.rows_rejected;
  last_reject_sets_replayed_ = stats.reject_sets_replayed;
  metrics_
      .Gauge("deltatunnel_reject_quarantine_rows",
             "Rejected rows held in reject quarantines, not replayed nor purged.")
      .Set(static_cast<double>(stats.reject_rows_held));
  metrics_
      .Gauge("deltatunnel_reject_quarantine_bytes",
             "Bytes of rejected rows held in reject quarantines (what their bound counts).")
      .Set(static_cast<double>(stats.reject_bytes_held));
}

void ApiMetrics::RefreshConsumers(const storage::EngineStats& stats) {
  constexpr const char* kVersionsHelp =
      "Versions of its table a consumer has not acknowledged, by consumer.";
  constexpr const char* kSecondsHelp =
      "Seconds since the oldest version a consumer has not acknowledged was committed.";
  std::set<std::tuple<std::string, std::string, std::string>> now;
  auto set = [&](const std::string& project, const std::string& table, const std::string& name,
                 double versions, double seconds) {
    Labels labels = {{"project", project}, {"table", table}, {"consumer", name}};
    metrics_.Gauge("deltatunnel_consumer_lag_versions", kVersionsHelp, labels).Set(versions);
    metrics_.Gauge("deltatunnel_consumer_lag_seconds", kSecondsHelp, labels).Set(seconds);
  };
  for (const auto& c : stats.consumers) {
    now.insert({c.project, c.table, c.name});
    set(c.project, c.table, c.name, static_cast<double>(c.latest - c.offset), c.lag_ms / 1000.0);
  }
  // A consumer dropped reads 0 once.
  for (const auto& [project, table, name] : consumer_labels_) {
    if (now.count({project, table, name}) == 0) set(project, table, name, 0, 0);
  }
  consumer_labels_ = std::move(now);
}

}  // namespace deltatunnel::server
