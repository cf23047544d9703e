// The in-memory state readers see: per partition an immutable manifest of the runs published so
// far, replaced copy-on-write by each commit of the partition and by each major compaction. A
// reader copies the shared_ptrs it needs and takes a read pin (read_pins.h) under a short lock,
// then reads without locks: runs are immutable, and a run dropped later (retention) is not freed
// while the pin lives, so a read sees exactly the commits up to its version however long it runs
// (promises 2, 3).
//
// A run is visible to the versions in [version, hidden_from). Deltas start visible for good
// (hidden_from = kForever); a major compaction at Vc adds a base run (full rows of every live key
// at Vc) with version Vc and hides every run at or below Vc from Vc on, so reads at >= Vc see
// base + later deltas, and reads below Vc see the old runs exactly as before (promise 6).
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "deltatunnel/proto/partition_spec.h"
#include "run_list.h"
#include "run_ref.h"

namespace deltatunnel::storage {

struct PartitionManifest {
  proto::PartitionSpec spec;
  // Per bucket, the runs oldest first: by version, a base after the deltas it folds, deltas of one
  // version in run_id order. A commit appends; merges read the visible runs newest first. Shared
  // in chunks with the manifests before (run_list.h): a commit copies chunk pointers, not runs.
  std::vector<RunList> buckets;
  uint64_t version = 0;  // of the last commit
  uint64_t commits_since_major = 0;
  uint64_t base_version = 0;  // of the last major compaction (0: none)
  // Retention dropped every delta at or below this version (their C records' runs are ignored).
  uint64_t deltas_dropped_through = 0;
  uint64_t rows = 0;  // estimate: rows readable at the latest version (before folding)
  uint64_t bytes = 0;
  // The versions that truncated the partition (a truncate or a drop), ascending: each hid every
  // run before it, as a compaction without bases would.
  std::vector<uint64_t> truncations;
  bool dropped = false;  // its last version dropped it: not listed until a commit writes it
};

using ManifestPtr = std::shared_ptr<const PartitionManifest>;

inline RunRef MakeRunRef(uint64_t run_id, uint64_t version, uint64_t rows, uint64_t bytes,
                         const std::string& key_filter, uint32_t schema_id,
                         const std::string& first_key = {}, const std::string& last_key = {}) {
  RunRef r{run_id, version, rows, bytes, nullptr};
  r.schema_id = schema_id;
  if (!key_filter.empty()) r.key_filter = std::make_shared<const std::string>(key_filter);
  if (!first_key.empty() && !last_key.empty()) {
    r.key_range = std::make_shared<const KeyRange>(KeyRange{first_key, last_key});
  }
  return r;
}

// Whether the runs before `run` in its bucket (older ones) are all hidden at `version`: `run` is
// a base visible at it. A base comes right after the runs its compaction folded, each hidden from
// the version it folds (MergeBases), so nothing older is visible where it is. Newest-first scans
// stop there instead of passing over the hidden history that retention still keeps.
inline bool OlderRunsHiddenAt(const RunRef& run, uint64_t version) {
  return run.base && run.VisibleAt(version);
}

// Calls `fn` with each run of `bucket` visible at `version`, newest first (the order merges and
// lookups want), stopping at the visible base.
template <typename Fn>
void ForEachVisibleRun(const PartitionManifest& m, uint32_t bucket, uint64_t version, Fn&& fn) {
  if (bucket >= m.buckets.size()) return;
  const auto& runs = m.buckets[bucket];
  for (auto it = runs.rbegin(); it != runs.rend(); ++it) {
    if (it->VisibleAt(version)) fn(*it);
    if (OlderRunsHiddenAt(*it, version)) break;
  }
}

// The runs of `bucket` visible at `version`, newest first.
inline std::vector<RunRef> VisibleRuns(const PartitionManifest& m, uint32_t bucket,
                                       uint64_t version) {
  std::vector<RunRef> out;
  ForEachVisibleRun(m, bucket, version, [&](const RunRef& r) { out.push_back(r); });
  return out;
}

// A major compaction at Vc published (engine_compact.cc): `current` with `bases` in (one a bucket,
// none for a bucket whose base has no rows), the runs at or below Vc hidden from Vc, each base
// after the deltas it folds, the deltas committed since as they are. `pinned`: the partition at Vc.
inline std::shared_ptr<PartitionManifest> WithBases(const PartitionManifest& current,
                                                    const PartitionManifest& pinned, uint64_t vc,
                                                    const std::vector<RunRef>& bases) {
  auto next = std::make_shared<PartitionManifest>();
  next->spec = current.spec;
  next->buckets.resize(bases.size());
  next->version = current.version;
  next->base_version = vc;
  next->commits_since_major = current.commits_since_major - pinned.commits_since_major;
  next->deltas_dropped_through = current.deltas_dropped_through;
  next->truncations = current.truncations;
  next->dropped = current.dropped;
  for (size_t b = 0; b < bases.size(); ++b) {
    auto& out = next->buckets[b];
    const auto& in = current.buckets[b];
    // The runs before the last base visible at Vc are hidden at Vc already (OlderRunsHiddenAt):
    // they stay as they are, shared with `current`, however long the history retention keeps.
    size_t folded_end = in.size();  // past the runs at or below Vc
    while (folded_end > 0 && in[folded_end - 1].version > vc) --folded_end;
    size_t i = 0;
    for (size_t j = folded_end; j-- > 0;) {
      if (OlderRunsHiddenAt(in[j], vc)) {
        i = j;
        break;
      }
    }
    out = in.Prefix(i);
    for (; i < in.size() && in[i].version <= vc; ++i) {
      RunRef r = in[i];
      r.hidden_from = std::min(r.hidden_from, vc);
      out.push_back(std::move(r));
    }
    if (bases[b].rows > 0) out.push_back(bases[b]);
    next->rows += bases[b].rows;
    next->bytes += bases[b].bytes;
    for (; i < in.size(); ++i) {
      out.push_back(in[i]);
      next->rows += in[i].rows;
      next->bytes += in[i].bytes;
    }
  }
  return next;
}

// The partition truncated (or dropped: `drop`) at `version`: every run hidden from it on, as a
// compaction at `version` that made no bases hides them. So its M record lists `version` as the
// base version, and after a restart the runs of earlier C records are hidden from it exactly as
// now (manifest_record.h).
inline std::shared_ptr<PartitionManifest> Truncated(const PartitionManifest& m, uint64_t version,
                                                    bool drop) {
  auto next = std::make_shared<PartitionManifest>(m);
  for (auto& bucket : next->buckets) {
    std::vector<RunRef> runs = bucket.ToVector();
    for (RunRef& r : runs) r.hidden_from = std::min(r.hidden_from, version);
    bucket = RunList(std::move(runs));
  }
  next->version = version;
  next->base_version = version;
  next->commits_since_major = 0;
  next->rows = next->bytes = 0;
  next->truncations.push_back(version);
  next->dropped = drop;
  return next;
}

// The versions in (from, to] that truncated the partition, ascending.
inline std::vector<uint64_t> TruncationsIn(const PartitionManifest& m, uint64_t from, uint64_t to) {
  return {std::upper_bound(m.truncations.begin(), m.truncations.end(), from),
          std::upper_bound(m.truncations.begin(), m.truncations.end(), to)};
}

// Takes out of `m` the runs no version from `oldest_readable` on can see (retention), raising its
// deltas_dropped_through; answers them. Deltas are hidden from the compaction that folded them,
// which grows with their version, so the deltas dropped are always every one up to some version.
// Along a bucket hidden_from never decreases (a compaction hides the runs before its base from
// its version, a truncate every run not hidden yet from its own, later runs stay visible), so the
// runs dropped are the bucket's first ones, and the rest stay shared with the manifests before.
// (Were a run out of that order, it would stay until the runs before it go: never one too many.)
inline std::vector<RunRef> DropExpiredRuns(PartitionManifest* m, uint64_t oldest_readable) {
  std::vector<RunRef> dropped;
  for (auto& bucket : m->buckets) {
    size_t n = 0;
    while (n < bucket.size() && bucket[n].hidden_from <= oldest_readable) {
      dropped.push_back(bucket[n]);
      ++n;
    }
    bucket.DropFront(n);
  }
  for (const RunRef& r : dropped) {
    if (!r.base) m->deltas_dropped_through = std::max(m->deltas_dropped_through, r.version);
  }
  return dropped;
}

// The runs that answer net changes over (from, to], newest first: those visible at `from` (the
// state before) and every delta published in (from, to], each with the version of its own commit.
// A base made in (from, to] is left out: it would date its keys at its own version.
inline std::vector<RunRef> ChangeRuns(const PartitionManifest& m, uint32_t bucket, uint64_t from,
                                      uint64_t to) {
  std::vector<RunRef> out;
  if (bucket >= m.buckets.size()) return out;
  const auto& runs = m.buckets[bucket];
  for (auto it = runs.rbegin(); it != runs.rend(); ++it) {
    const bool delta_in_range = !it->base && from < it->version && it->version <= to;
    if (delta_in_range || it->VisibleAt(from)) out.push_back(*it);
    if (OlderRunsHiddenAt(*it, from)) break;  // older ones: hidden at `from`, at or below it
  }
  return out;
}

}  // namespace deltatunnel::storage
