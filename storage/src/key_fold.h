// Folding the writes of one key, newest first, into the state they leave (promise 4).
//
// A full upsert or a delete decides the key by itself. A partial upsert (non-empty update_mask,
// LSB-first bitmap over the data columns, key columns always set) only decides the columns it
// names; the rest come from the next older write: a full row gives its values, a partial one its
// named columns (the masks union); a delete or no older write leaves them as the oldest partial
// write has them: null, or, for a column added after that write's schema, the column's default
// (row_upgrade.h). The same fold serves Append (duplicates inside one batch, where a partial
// result stays partial because older runs may hold the rest) and reads (where running out of
// writes completes the row).
#pragma once

#include <string>
#include <string_view>

#include "deltatunnel/proto/row_batch.h"
#include "deltatunnel/proto/schema.h"
#include "deltatunnel/proto/status.h"
#include "deltatunnel/proto/value.h"

namespace deltatunnel::storage {

// One stored write of a key: the fields of a chunk entry (run_format.h) or of a RowRef.
struct KeyWrite {
  std::string_view key;
  proto::RowOp op = proto::RowOp::kUpsert;
  std::string_view mask;  // empty: a full upsert (or a delete)
  std::string_view row;   // empty for a delete
};

inline bool MaskHas(std::string_view mask, size_t column) {
  return column / 8 < mask.size() &&
         ((static_cast<uint8_t>(mask[column / 8]) >> (column % 8)) & 1u) != 0;
}

class KeyFold {
 public:
  explicit KeyFold(const proto::TableSchema& schema) : schema_(&schema) {}

  // Starts a key with its newest write. With `decode` false a full upsert keeps its encoded row
  // (valid as long as the caller's bytes are) instead of decoding it.
  Status Start(const KeyWrite& newest, bool decode);
  // Folds the next older write under the current state; call only while !complete().
  Status Older(const KeyWrite& older);
  // No older write exists: unset columns stay null and the row is complete.
  void Finish() { mask_.clear(); }

  bool complete() const { return mask_.empty(); }
  proto::RowOp op() const { return op_; }
  // The decoded row (reads): decodes a kept encoded row first.
  Status TakeRow(proto::Row* out);
  // The state as one entry again (Append): re-encodes a folded row.
  void Encode(std::string* row, std::string* mask) const;

 private:
  const proto::TableSchema* schema_;
  proto::RowOp op_ = proto::RowOp::kUpsert;
  std::string mask_;      // non-empty while partial
  std::string_view raw_;  // a full row kept encoded
  bool decoded_ = false;  // row_ holds the state
  proto::Row row_;
  proto::Row scratch_;
};

}  // namespace deltatunnel::storage
