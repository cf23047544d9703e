// RowBatch: rows ready for storage, each already checked against the schema, encoded, and placed in
// its bucket by the table's hasher. Every write path (record stream, NDJSON, CSV, a client's rows)
// ends in one; the storage engine takes nothing else. Its memory is a few contiguous buffers, not
// one allocation per value.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "deltatunnel/proto/bucket_hash.h"
#include "deltatunnel/proto/schema.h"
#include "deltatunnel/proto/status.h"
#include "deltatunnel/proto/value.h"

namespace deltatunnel::proto {

enum class RowOp : uint8_t { kUpsert = 'U', kDelete = 'D' };

struct RowRef {
  uint32_t bucket;
  RowOp op;
  std::string_view key;  // EncodeKey of the row
  std::string_view row;  // EncodeRow of the row; empty for a delete
  // For a partial upsert: a bitmap over the data columns, bit i set if column i is updated (key
  // columns always set). Empty for a full upsert or a delete.
  std::string_view update_mask;
};

class RowBatch {
 public:
  RowBatch(const TableSchema& schema, Hasher hasher, uint32_t bucket_count);

  // Normalises, checks, encodes and buckets `row`. `update_columns` (data column indices) makes the
  // upsert partial; nullptr or empty is a full upsert. Refused rows leave the batch unchanged.
  Status Add(Row row, RowOp op, const std::vector<int>* update_columns = nullptr);
  // The same, normalising `*row` in place and leaving it to the caller: a hot path that decodes
  // into one Row again and again keeps its buffers (and allocates nothing per row).
  Status AddInPlace(Row* row, RowOp op, const std::vector<int>* update_columns = nullptr);

  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  RowRef operator[](size_t i) const;
  // Encoded bytes held (keys + rows), for quotas and metrics.
  uint64_t bytes() const { return data_.size(); }
  size_t upserts() const { return upserts_; }
  size_t deletes() const { return entries_.size() - upserts_; }
  void Clear();
  // Makes room for about `rows` more rows of `bytes` encoded bytes, to spare reallocations.
  void Reserve(size_t rows, size_t bytes);

  const TableSchema& schema() const { return *schema_; }
  uint32_t bucket_count() const { return bucket_count_; }

 private:
  struct Entry {
    uint32_t bucket;
    RowOp op;
    uint32_t key_off, key_len, row_len, mask_len;  // row follows key, mask follows row in data_
  };
  const TableSchema* schema_;
  Hasher hasher_;
  uint32_t bucket_count_;
  std::string data_;
  std::vector<Entry> entries_;
  size_t upserts_ = 0;
};

}  // namespace deltatunnel::proto
