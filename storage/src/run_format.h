// Runs: the unit of the write path. A run is an immutable sorted sequence of the rows of ONE bucket
// written by ONE Append of ONE session, with each key at most once. Append sorts its batch's rows
// of a bucket by encoded key (stable), folds duplicates (last arrival wins; a partial upsert folds
// over an earlier write of the same key, key_fold.h), and cuts the result into chunks of about
// 64 KiB. Chunks go to CF `data`:
//
//   key   := run_id (8 bytes BE) last_encoded_key_in_chunk
//   chunk := entry*
//   entry := varint key_len, key, op (1 byte 'U' or 'D'), varint mask_len, mask,
//            varint row_len, row            -- mask empty for full upserts and deletes
//
// Keying a chunk by its last key makes Seek(run_id|k) land on the only chunk that can hold k, and
// keeps a run's chunks contiguous for streaming and for one DeleteRange. Writing whole sorted runs
// instead of one random key per row keeps the memtable out of the ingest path (the 180 k rows/s
// baseline); sorting and merging move to reads and compaction.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "deltatunnel/proto/row_batch.h"
#include "deltatunnel/proto/status.h"
#include "key_fold.h"

namespace deltatunnel::storage {

inline constexpr size_t kChunkTargetBytes = 64 << 10;

struct PendingChunk {
  std::string last_key;
  std::string value;
};

// A run built from a batch, not yet given an id.
struct PendingRun {
  uint32_t bucket = 0;
  uint64_t rows = 0;  // after folding
  uint64_t upserts = 0;
  uint64_t deletes = 0;
  uint64_t bytes = 0;  // encoded chunk bytes
  std::vector<PendingChunk> chunks;
  std::string key_filter;  // key_filter.h
  std::string first_key;   // its lowest key (the last is its last chunk's)
};

// The indices of `rows` in (bucket, key, arrival) order: each run's rows, duplicates by arrival.
std::vector<uint32_t> SortedOrder(const std::vector<proto::RowRef>& rows);

// One run per bucket the batch touches, in bucket order.
Result<std::vector<PendingRun>> BuildRuns(const proto::TableSchema& schema,
                                          const proto::RowBatch& batch);

void AppendEntry(std::string* chunk, const KeyWrite& e);
// Decodes the next entry of a chunk; false on malformed bytes.
bool NextEntry(std::string_view* chunk, KeyWrite* e);

}  // namespace deltatunnel::storage
