// The storage-side metrics of the API (api.md section 6): rows and bytes written by surface,
// commits and their latency, open sessions, slots in use, throttled requests by code, storage size,
// compactions (run, rows and bytes in and out, time, queue, deltas waiting per partition).
#pragma once

#include <set>
#include <string_view>
#include <tuple>

#include "deltatunnel/server/http_types.h"
#include "deltatunnel/server/metrics.h"
#include "deltatunnel/storage/engine.h"
#include "tunnel/slot_pool.h"

namespace deltatunnel::server {

class ApiMetrics {
 public:
  explicit ApiMetrics(Metrics& metrics);

  // `surface` is "tunnel" or "native".
  void OnAppend(std::string_view surface, uint64_t rows, uint64_t bytes);
  void OnCommit(double seconds);
  // Counts answers that push back (429, 503) by their error code.
  void OnResponse(const Response& response);
  // Change feeds that follow a table: one began or ended; records a feed sent.
  void OnFeedStart() { change_feeds_.Add(1); }
  void OnFeedEnd() { change_feeds_.Add(-1); }
  void OnFeedRecords(uint64_t n) { feed_records_.Inc(n); }
  // State gauges: sessions, storage, slots.
  void Refresh(storage::Engine& engine, SlotPool& slots);

 private:
  Metrics& metrics_;
  Counter& tunnel_rows_;
  Counter& tunnel_bytes_;
  Counter& native_rows_;
  Counter& native_bytes_;
  Counter& commits_;
  Histogram& commit_seconds_;
  Gauge& open_sessions_;
  Gauge& tables_;
  Gauge& storage_bytes_;
  Gauge& change_feeds_;
  Counter& feed_records_;
  // Compaction: the engine's cumulative figures, turned into counters by their increase.
  void RefreshCompaction(const storage::EngineStats& stats);
  storage::CompactionStats last_compaction_;
  std::set<std::tuple<std::string, std::string, std::string>> backlog_labels_;
  // Consumers: their lag, by project, table and name.
  void RefreshConsumers(const storage::EngineStats& stats);
  std::set<std::tuple<std::string, std::string, std::string>> consumer_labels_;
  // The reject quarantines: rows quarantined and sets replayed (engine counts since start, turned
  // into counters by their increase), rows and bytes held.
  void RefreshRejects(const storage::EngineStats& stats);
  Counter& rows_rejected_;
  Counter& reject_sets_replayed_;
  uint64_t last_rows_rejected_ = 0;
  uint64_t last_reject_sets_replayed_ = 0;
};

}  // namespace deltatunnel::server
