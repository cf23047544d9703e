// How a partition's manifest (manifest.h) is kept on disk, and rebuilt from it at Open.
//
// Every run is described once, by the record written when it was made, and never rewritten:
//   - a delta in its commit's C record, key filter included, for as long as retention keeps it;
//   - a base in the M record (ids and counts), its key filter in an F record of its own, written
//     in an SST file ingested together with the base's data (no WAL, no memtable).
// Besides the bases, the M record holds only what a major compaction or a retention reclaim
// changes: the base version; the versions the deltas at or below it are hidden from (a delta is
// hidden from the first of them at or above its version: the compaction that folded it); and the
// version through which retention dropped every delta (the runs of those C records are then
// ignored, and stripped from the records afterwards, or at the next Open after a crash).
//
// So a compaction publishes a few hundred bytes, not the filters of every run retention keeps:
// those, 5 to 24 MB a publish in one synced batch in 200 commits of 100 k rows, held the commits
// behind them (commit p99 84 to 268 ms with them, 42 to 55 ms without; docs/benchmarks.md).
//
// M records written before this layout list every run at or below base_version, filters inline,
// and their C records list none: such runs stay listed in the M record as they are
// (RunRef::in_runs_record) until retention drops them.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "deltatunnel/messages/storage_meta.pb.h"
#include "deltatunnel/proto/status.h"
#include "manifest.h"

namespace deltatunnel::storage {

// The M record of `m`.
messages::PartitionRunsRecord RunsRecordOf(const PartitionManifest& m);

// Rebuilds one partition's runs: its M record first (when it has one), then its C records in
// version order, then Finish.
class ManifestLoader {
 public:
  // A base's key filter, from its F record ("" when it has none).
  using FilterOf = std::function<Result<std::string>(uint64_t run_id)>;

  explicit ManifestLoader(PartitionManifest* m) : m_(m) {}
  Status AddRunsRecord(const messages::PartitionRunsRecord& rec, const FilterOf& filter_of);
  Status AddCommit(const messages::CommitRecord& c);
  // Orders each bucket's runs as manifest.h says: by version, a base after the deltas it folds.
  void Finish();

 private:
  PartitionManifest* m_;
  std::vector<uint64_t> hidden_froms_;
};

}  // namespace deltatunnel::storage
