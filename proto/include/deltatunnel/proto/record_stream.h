// The Tunnel record stream (wire-format.md section 3): the body of a bucket write.
//
//   stream        := record* META_COUNT META_CHECKSUM
//   record        := field* END_RECORD
//   field         := tag(column_index + 1, wire_type) value   -- non-null columns only
//   END_RECORD    := tag(33553408, varint) uint32(record_crc)
//   META_COUNT    := tag(33554430, varint) sint64(record_count)
//   META_CHECKSUM := tag(33554431, varint) uint32(crc_of_record_crcs)
//
// Field numbers count the data columns, then the hidden __version, __app_version, __operation,
// __key_cols, __value_cols. Composite values carry no length prefix, so reading follows the schema.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "deltatunnel/proto/bucket_hash.h"
#include "deltatunnel/proto/row_batch.h"
#include "deltatunnel/proto/schema.h"
#include "deltatunnel/proto/status.h"
#include "deltatunnel/proto/value.h"

namespace deltatunnel::proto {

struct RecordStreamOptions {
  // The request's record_count; the stream must hold exactly this many records. nullopt: unchecked.
  std::optional<uint64_t> expected_records;
  // The most records the stream may hold: past it (or past expected_records) decoding stops at
  // once, so that a small compressed body of many identical records cannot grow the batch without
  // bound. RequestTooLarge past max_records, CorruptedDataStream past expected_records.
  uint64_t max_records = UINT64_MAX;
  // Whether a non-empty __value_cols (a partial update) is accepted: the table's
  // acid.partial.fields.update.enable.
  bool allow_partial_update = false;
};

// Decodes a whole stream into a batch of `schema`'s rows, re-bucketed by `hasher` over
// `bucket_count` buckets, whatever bucket the client meant. All or nothing: on any error no batch.
//   RequestTooLarge: more records than options.max_records.
//   CorruptedDataStream: bad framing (truncation, unknown or repeated field numbers, wrong wire
//     types, malformed values), a record CRC, META_COUNT, META_CHECKSUM or record_count mismatch.
//   InvalidArgument: a well-formed record whose row is refused (a key column missing, a value out
//     of its type's range, a partial update where not allowed, an unknown __operation).
// Messages name the record ("record 3: ...", 1-based). The batch refers to `schema`, which must
// outlive it.
Result<RowBatch> DecodeRecordStream(const TableSchema& schema, Hasher hasher, uint32_t bucket_count,
                                    std::string_view body, const RecordStreamOptions& options = {});

// Builds a stream, record by record (the C++ client and the tests).
class RecordStreamWriter {
 public:
  explicit RecordStreamWriter(const TableSchema& schema);  // `schema` must outlive the writer

  // Appends one record. The row is normalised first (a refused row appends nothing); a delete
  // writes its key columns only. `update_columns` (data column indices) makes an upsert partial.
  Status Write(Row row, RowOp op, const std::vector<int>* update_columns = nullptr);

  // Appends one record of a row that NormalizeRow(schema, op == kDelete, &row) accepted (a caller
  // that normalised it already, to bucket it, skips doing it twice).
  void WriteNormalized(const Row& row, RowOp op);

  // Download streams (odps-control-plane.md section 3.1) carry no hidden columns, and their field
  // numbers count the requested columns: appends one record of `row`'s `columns` (indices into the
  // schema's columns, in the order requested), columns[i] as field i + 1. The row is written as
  // given: it is one that storage holds, normalised when it was written.
  void WriteColumns(const Row& row, const std::vector<int>& columns);

  // Moves the open stream's bytes so far to the end of `out`, so that a long stream goes out in
  // pieces; the stream stays open (its record count and checksum go on), and Finish() then hands
  // over the rest with the trailer.
  void TakeWritten(std::string* out);

  uint64_t records() const { return records_; }
  size_t bytes() const { return used_; }
  // The buffer's capacity: what the open stream holds in memory. A stream's first record reserves
  // about the size of the last stream this writer finished.
  size_t capacity() const { return out_.capacity(); }

  // Appends the trailer and hands over the stream; the writer starts a new, empty stream.
  std::string Finish();

  // Offers the buffer of a stream this writer (or another) finished and that has been sent, for
  // the next stream to be written into: its memory is already mapped and likely in cache, where a
  // new one would be page-faulted in. Taken only while the open stream is empty and when it is
  // bigger than the writer's own buffer; otherwise it is freed here. Its content is ignored.
  void Recycle(std::string buffer);

 private:
  void WriteRecord(const Row& row, RowOp op, const std::vector<int>* update_columns);

  const TableSchema* schema_;
  std::string out_;       // the open stream's buffer, at its full size: bytes past used_ are free
  size_t used_ = 0;       // the open stream's bytes
  size_t last_size_ = 0;  // of the last stream Finish() handed over
  uint64_t records_ = 0;
  uint32_t crc_of_crcs_ = 0;
};

}  // namespace deltatunnel::proto
