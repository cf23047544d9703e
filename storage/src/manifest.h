// The in-memory state readers see: per partition an immutable manifest of the runs published so
// far, replaced copy-on-write by each commit of the partition. A reader copies the shared_ptrs it
// needs under a short lock and then reads without locks; the pointers pin the runs (cleanup only
// deletes runs no live manifest references), so a read sees exactly the commits up to its version
// however long it runs (promises 2, 3).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "deltatunnel/proto/partition_spec.h"

namespace deltatunnel::storage {

struct RunRef {
  uint64_t run_id = 0;
  uint64_t version = 0;  // the table version that published it
  uint64_t rows = 0;
  uint64_t bytes = 0;
  std::shared_ptr<const std::string> key_filter;  // key_filter.h; null: none
};

struct PartitionManifest {
  proto::PartitionSpec spec;
  // Per bucket, the published runs in (version, run_id) order: oldest first, so the runs visible at
  // version V are a prefix, and a commit appends.
  std::vector<std::vector<RunRef>> buckets;
  uint64_t version = 0;  // of the last commit
  uint64_t commits_since_major = 0;
  uint64_t rows = 0;
  uint64_t bytes = 0;
};

using ManifestPtr = std::shared_ptr<const PartitionManifest>;

inline RunRef MakeRunRef(uint64_t run_id, uint64_t version, uint64_t rows, uint64_t bytes,
                         const std::string& key_filter) {
  RunRef r{run_id, version, rows, bytes, nullptr};
  if (!key_filter.empty()) r.key_filter = std::make_shared<const std::string>(key_filter);
  return r;
}

// The runs of `bucket` visible at `version`, newest first (the order merges and lookups want).
inline std::vector<RunRef> VisibleRuns(const PartitionManifest& m, uint32_t bucket,
                                       uint64_t version) {
  std::vector<RunRef> out;
  if (bucket >= m.buckets.size()) return out;
  const auto& runs = m.buckets[bucket];
  for (auto it = runs.rbegin(); it != runs.rend(); ++it) {
    if (it->version <= version) out.push_back(*it);
  }
  return out;
}

}  // namespace deltatunnel::storage
