// Reading one bucket of one partition at a version: a k-way merge (binary heap) over the visible
// runs, each streamed chunk by chunk through its own cursor (memory: one chunk per run).
// Runs are ranked newest first by (version desc, run_id desc): for each key the writes come out
// newest first and are folded (key_fold.h) until the key's state is decided.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "deltatunnel/proto/row_batch.h"
#include "deltatunnel/proto/schema.h"
#include "deltatunnel/proto/status.h"
#include "key_fold.h"
#include "manifest.h"
#include "row_upgrade.h"
#include "schema_history.h"
#include "store/store.h"

namespace deltatunnel::storage {

// Streams the entries of one run in key order.
class RunCursor {
 public:
  // Without a snapshot: a run's chunks never change, and it is not freed while a reader that may
  // read it holds its pin (read_pins.h).
  RunCursor(Store* store, uint64_t run_id);
  ~RunCursor();
  RunCursor(const RunCursor&) = delete;
  RunCursor& operator=(const RunCursor&) = delete;

  // Rows of upserts come out through `upgrade` (a run of an older schema than the read's).
  void SetUpgrade(std::unique_ptr<RowUpgrade> upgrade) { upgrade_ = std::move(upgrade); }

  Status SeekToFirst();
  bool Valid() const { return valid_; }
  const KeyWrite& entry() const { return entry_; }
  Status Next();

 private:
  Status LoadChunk();
  uint64_t run_id_;
  std::unique_ptr<ChunkCursor> chunks_;
  std::string_view rest_;  // the unread part of the current chunk (owned by chunks_)
  KeyWrite entry_;
  bool valid_ = false;
  std::unique_ptr<RowUpgrade> upgrade_;
  std::string upgraded_;  // entry_.row when upgraded
};

struct MergedKey {
  std::string key;
  proto::RowOp op = proto::RowOp::kUpsert;
  proto::Row row;        // data columns, for an upsert (when not encoding)
  std::string encoded;   // the row encoded, for an upsert (when encoding: compaction)
  uint64_t version = 0;  // of the newest write of the key
};

class BucketMerge {
 public:
  // `runs` newest first (VisibleRuns), read in schema `target` of `history` (both outlive it).
  BucketMerge(const SchemaHistory& history, const SchemaVersion& target, Store* store,
              std::vector<RunRef> runs);
  Status Init();
  // Changes over a range in which the partition was truncated at `versions` (ascending): a key
  // that existed when one of them came, and was not written after it, comes out deleted at it.
  void Truncations(std::vector<uint64_t> versions) { truncations_ = std::move(versions); }
  // The next key's state; false at the end. With `min_version`, keys whose newest write is at or
  // below it are skipped without decoding (changes). With `encode`, an upsert's row comes encoded
  // in out->encoded (a full row is copied, not decoded) instead of decoded in out->row.
  Result<bool> Next(MergedKey* out, uint64_t min_version = 0, bool encode = false);

 private:
  bool Less(size_t a, size_t b) const;  // heap order: a comes out after b
  void Push(size_t i);
  size_t Pop();
  const SchemaHistory* history_;
  const SchemaVersion* target_;
  std::vector<RunRef> runs_;
  std::vector<std::unique_ptr<RunCursor>> cursors_;
  std::vector<size_t> heap_;
  KeyFold fold_;
  std::string mask_;  // scratch for encoding
  std::vector<uint64_t> truncations_;
};

}  // namespace deltatunnel::storage
