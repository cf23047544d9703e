// Which readers may still read runs that were just dropped from every manifest.
//
// A read pins the manifests it reads (manifest.h) and, in the same state_mu section, a ReadPin.
// Dropping runs (major compaction, retention, drop table) swaps the manifests first, then takes a
// Mark: every reader that may hold a manifest naming the dropped runs pinned before that mark.
// The runs' space is freed (FreeRuns) only once no pin from before the mark is left.
//
// This replaces RocksDB snapshots, which readers do not need (a run's chunks are written once, in
// one batch, before any manifest names the run, and are never overwritten): releasing a RocksDB
// snapshot marks every bottom-level SST file with non-zero sequence numbers for a rewrite, so each
// read would make RocksDB rewrite every delta file once, at normal priority, beside ingest.
#pragma once

#include <cstdint>
#include <map>
#include <memory>

#include "mutex.h"

namespace deltatunnel::storage {

class ReadPins {
 public:
  using Pin = std::shared_ptr<const void>;

  // Registers a reader until the returned pin is released. Call it with the manifests in hand.
  Pin Take();
  // After dropped runs left every manifest: the mark to wait for.
  uint64_t Mark();
  // True when no pin taken before `mark` is left.
  bool NoneBefore(uint64_t mark) const;

 private:
  void Release(uint64_t epoch) EXCLUDES(mu_);

  mutable Mutex mu_;
  uint64_t epoch_ GUARDED_BY(mu_) = 0;
  std::map<uint64_t, uint64_t> live_ GUARDED_BY(mu_);  // epoch -> pins taken in it
};

}  // namespace deltatunnel::storage
