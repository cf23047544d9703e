// A node's bounded cache of run chunks read from object storage (issue 23). Runs never change once
// written and their ids are never reused, so a cached chunk is never stale: entries leave only
// when the cache is full (least recently used first) or their run is freed.
//
// Filled by lookups (a chunk cursor over any run: point reads, the key lookups of commits and
// partial updates); a cursor reading one run through (scans, compaction) reads ahead by byte
// range and neither fills the cache nor evicts from it, so one scan cannot flush what lookups use.
#pragma once

#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "mutex.h"
#include "thread_annotations.h"

namespace deltatunnel::storage::cluster {

struct ChunkCacheStats {
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t evictions = 0;
  uint64_t bytes = 0;   // held now
  uint64_t chunks = 0;  // held now
};

class ChunkCache {
 public:
  // 0: nothing is kept (every Get misses).
  explicit ChunkCache(uint64_t capacity_bytes) : capacity_(capacity_bytes) {}
  ChunkCache(const ChunkCache&) = delete;
  ChunkCache& operator=(const ChunkCache&) = delete;

  // The chunk of run `run_id` at byte `offset` of its object, or null (counted as a miss).
  std::shared_ptr<const std::string> Get(uint64_t run_id, uint64_t offset) EXCLUDES(mu_);
  // Keeps a chunk, evicting the least recently used ones past the capacity. A chunk larger than
  // the whole capacity is not kept.
  void Put(uint64_t run_id, uint64_t offset, std::shared_ptr<const std::string> chunk)
      EXCLUDES(mu_);
  // Drops the chunks of runs in [first_run_id, end_run_id) (their objects are being deleted).
  void ForgetRuns(uint64_t first_run_id, uint64_t end_run_id) EXCLUDES(mu_);
  ChunkCacheStats Stats() const EXCLUDES(mu_);

 private:
  using Key = std::pair<uint64_t, uint64_t>;  // run id, offset
  struct Entry {
    std::shared_ptr<const std::string> chunk;
    std::list<Key>::iterator lru;  // its place in lru_
  };
  void Erase(std::map<Key, Entry>::iterator it) REQUIRES(mu_);

  const uint64_t capacity_;
  mutable Mutex mu_;
  std::map<Key, Entry> entries_ GUARDED_BY(mu_);  // ordered: a run's chunks side by side
  std::list<Key> lru_ GUARDED_BY(mu_);            // most recently used first
  ChunkCacheStats stats_ GUARDED_BY(mu_);
};

}  // namespace deltatunnel::storage::cluster
