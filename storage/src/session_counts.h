// What an open session has written so far: its runs and their sums. Live state of the engine, kept
// apart from the S record (messages::SessionRecord), which holds the counts only once the session
// ends: the record is built from these when it is written (commit, abort, expiry). At Open they
// are the sums of the session's R records again.
#pragma once

#include <cstdint>
#include <set>
#include <vector>

#include "deltatunnel/messages/storage_meta.pb.h"

namespace deltatunnel::storage {

struct SessionCounts {
  uint64_t rows = 0;
  uint64_t upserts = 0;
  uint64_t deletes = 0;
  uint64_t bytes = 0;
  std::set<uint32_t> buckets_written;
  std::vector<messages::RunRecord> runs;  // in run_id order

  // Adds one run. Appends of one session run side by side, so a run may come after runs with
  // later ids: it goes in its place.
  void Add(messages::RunRecord run);
  // Writes the sums into `rec` (rows, upserts, deletes, bytes, buckets written).
  void CopyTo(messages::SessionRecord* rec) const;
};

}  // namespace deltatunnel::storage
