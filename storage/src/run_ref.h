// RunRef: what a manifest knows of one run (manifest.h): its id, the version that published it,
// its size, its key filter and key range, and the versions that see it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace deltatunnel::storage {

inline constexpr uint64_t kForever = ~uint64_t{0};

struct KeyRange {
  std::string first;
  std::string last;
  bool MayHold(std::string_view key) const { return first <= key && key <= last; }
};

struct RunRef {
  uint64_t run_id = 0;
  uint64_t version = 0;  // the table version that published it (a base: the version it folds)
  uint64_t rows = 0;
  uint64_t bytes = 0;
  std::shared_ptr<const std::string> key_filter;  // key_filter.h; null: none
  // Its lowest and highest encoded keys; null: not recorded (bases, older runs).
  std::shared_ptr<const KeyRange> key_range;
  bool base = false;
  uint64_t hidden_from = kForever;
  // Listed with its filter inline in the M record, as every run at or below a compaction was
  // before deltas stayed in their C records and bases' filters got F records (manifest_record.h).
  bool in_runs_record = false;
  uint32_t schema_id = 0;  // the table schema its rows are encoded in (schema_history.h)
  bool VisibleAt(uint64_t v) const { return version <= v && v < hidden_from; }
};

}  // namespace deltatunnel::storage
