// Runs no manifest references any more (a major compaction or retention dropped them), whose data
// is being freed.
//
// The engine does not delete such runs with RocksDB range tombstones: the file a tombstone is
// flushed into spans from the oldest dropped run to the newest delta in the memtable, and drags
// every file in between through compaction (each base rewritten again, at normal priority: most
// of what made compaction slow ingest down). Instead a dropped run's id range goes into a D record
// (meta CF, in the batch that drops the run), and once no read can still read the runs
// (EngineImpl::FreeRuns): their files are dropped whole, the range goes into this set, RocksDB
// compacts what else overlaps it while ReclaimFilter removes the run's chunks, and the D record
// and the range go. A stop or a crash before the end leaves the D record: after Open, the first
// maintenance pass (or compaction) frees the runs again.
#pragma once

#include <rocksdb/compaction_filter.h>

#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "mutex.h"
#include "run_ranges.h"

namespace deltatunnel::storage {

// The ranges being freed right now. Thread-safe.
class ReclaimedRuns {
 public:
  void Add(const RunRanges& ranges);
  void Remove(const RunRanges& ranges);
  bool Contains(uint64_t run_id) const;

 private:
  mutable Mutex mu_;
  std::map<uint64_t, uint64_t> ranges_ GUARDED_BY(mu_);  // first -> end
};

// Drops the chunks of runs in a ReclaimedRuns set from every compaction of CF data (whose keys
// begin with their run id, keys.h).
class ReclaimFilter : public rocksdb::CompactionFilter {
 public:
  explicit ReclaimFilter(const ReclaimedRuns* runs) : runs_(runs) {}
  bool Filter(int level, const rocksdb::Slice& key, const rocksdb::Slice& existing_value,
              std::string* new_value, bool* value_changed) const override;
  const char* Name() const override { return "deltatunnel.ReclaimFilter"; }

 private:
  const ReclaimedRuns* runs_;
};

}  // namespace deltatunnel::storage
