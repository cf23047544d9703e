#include "store/cluster/chunk_cache.h"

namespace deltatunnel::storage::cluster {

std::shared_ptr<const std::string> ChunkCache::Get(uint64_t run_id, uint64_t offset) {
  MutexLock lock(&mu_);
  auto it = entries_.find({run_id, offset});
  if (it == entries_.end()) {
    ++stats_.misses;
    return nullptr;
  }
  ++stats_.hits;
  lru_.splice(lru_.begin(), lru_, it->second.lru);
  return it->second.chunk;
}

void ChunkCache::Put(uint64_t run_id, uint64_t offset, std::shared_ptr<const std::string> chunk) {
  if (!chunk || chunk->size() > capacity_) return;
  MutexLock lock(&mu_);
  const Key key{run_id, offset};
  if (auto it = entries_.find(key); it != entries_.end()) Erase(it);
  while (!lru_.empty() && stats_.bytes + chunk->size() > capacity_) {
    Erase(entries_.find(lru_.back()));
    ++stats_.evictions;
  }
  lru_.push_front(key);
  stats_.bytes += chunk->size();
  ++stats_.chunks;
  entries_.emplace(key, Entry{std::move(chunk), lru_.begin()});
}

void ChunkCache::ForgetRuns(uint64_t first_run_id, uint64_t end_run_id) {
  if (first_run_id >= end_run_id) return;
  MutexLock lock(&mu_);
  auto it = entries_.lower_bound({first_run_id, 0});
  while (it != entries_.end() && it->first.first < end_run_id) Erase(it++);
}

ChunkCacheStats ChunkCache::Stats() const {
  MutexLock lock(&mu_);
  return stats_;
}

void ChunkCache::Erase(std::map<Key, Entry>::iterator it) {
  stats_.bytes -= it->second.chunk->size();
  --stats_.chunks;
  lru_.erase(it->second.lru);
  entries_.erase(it);
}

}  // namespace deltatunnel::storage::cluster
