// One key's history (Engine::History): the commits within retention that wrote it are the
// retained delta runs of its bucket that hold it (found by key filter and seek, as a lookup finds
// them), and the truncations of its partition; its state at each is a lookup at that version.
#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <set>

#include "engine_impl.h"
#include "key_filter.h"
#include "run_format.h"

namespace deltatunnel::storage {

Result<KeyHistory> EngineImpl::History(const HistoryOptions& options) {
  DT_ASSIGN_OR_RETURN(ReadView view, OpenRead(options.project, options.table,
                                              std::optional<std::string>(options.partition), {}));
  KeyHistory out;
  out.version = view.version;
  if (view.partitions.empty()) return out;
  const PartitionManifest& m = *view.partitions.front();
  const TableState& t = *view.table;
  std::string key;
  uint32_t bucket = 0;
  DT_RETURN_IF_ERROR(EncodeGivenKey(*view.schema->schema, t, options.key, &key, &bucket));

  // The versions that may have changed the key, newest first.
  std::set<uint64_t, std::greater<>> writes;
  if (bucket < m.buckets.size()) {
    auto chunks = store_->NewChunkCursor(std::nullopt);
    const uint64_t hash = KeyHash(key);
    for (const RunRef& run : m.buckets[bucket]) {
      if (run.base || run.version <= m.deltas_dropped_through) continue;
      if (writes.count(run.version) > 0) continue;
      KeyWrite e;
      DT_ASSIGN_OR_RETURN(const bool holds, FindKeyInRun(*chunks, run, key, hash, &e));
      if (holds) writes.insert(run.version);
    }
  }
  std::set<uint64_t, std::greater<>> truncations(m.truncations.begin(), m.truncations.end());

  std::vector<uint64_t> versions(writes.begin(), writes.end());
  for (uint64_t v : truncations) {
    if (writes.count(v) == 0) versions.push_back(v);
  }
  std::sort(versions.begin(), versions.end(), std::greater<>());

  LookupOptions lookup;
  lookup.project = options.project;
  lookup.table = options.table;
  lookup.partition = options.partition;
  lookup.keys = {options.key};
  for (uint64_t v : versions) {
    if (options.interrupt) DT_RETURN_IF_ERROR(options.interrupt());
    // Past retention a version cannot be read, but the newest state is the latest's still: nothing
    // changed the key since. Any older one has expired with it.
    const bool readable = CheckRetention(t, v, view.version).ok();
    if (!readable && (v != versions.front() || writes.count(v) == 0)) break;
    if (out.states.size() == options.limit) {
      out.more = true;
      break;
    }
    lookup.at.version = readable ? v : view.version;
    DT_ASSIGN_OR_RETURN(LookupResult found, Lookup(lookup));
    KeyState state;
    state.version = v;
    state.schema = found.schema;
    if (found.rows.empty()) {
      // A truncation that found the key already gone changed nothing.
      if (writes.count(v) == 0) {
        lookup.at.version = v - 1;
        DT_ASSIGN_OR_RETURN(LookupResult before, Lookup(lookup));
        if (before.rows.empty()) continue;
      }
      state.op = proto::RowOp::kDelete;
    } else {
      state.row = std::move(found.rows.front());
    }
    {
      MutexLock lock(&t.state_mu);
      if (v >= 1 && v - 1 < t.commit_times.size()) state.committed_at_ms = t.commit_times[v - 1];
    }
    out.states.push_back(std::move(state));
  }
  return out;
}

}  // namespace deltatunnel::storage
