// RowBatch layout: data_ holds, per entry, key bytes, then row bytes, then the update mask, back to
// back; entries_ holds their offsets. Add() appends and only commits the entry once everything has
// been encoded, truncating data_ back on any refusal.
#include "deltatunnel/proto/row_batch.h"

#include <limits>

#include "deltatunnel/proto/row_codec.h"

namespace deltatunnel::proto {

RowBatch::RowBatch(const TableSchema& schema, Hasher hasher, uint32_t bucket_count)
    : schema_(&schema), hasher_(hasher), bucket_count_(bucket_count == 0 ? 1 : bucket_count) {}

Status RowBatch::Add(Row row, RowOp op, const std::vector<int>* update_columns) {
  return AddInPlace(&row, op, update_columns);
}

Status RowBatch::AddInPlace(Row* row_ptr, RowOp op, const std::vector<int>* update_columns) {
  Row& row = *row_ptr;
  const bool partial =
      op == RowOp::kUpsert && update_columns != nullptr && !update_columns->empty();
  if (partial) {
    DT_RETURN_IF_ERROR(NormalizePartialRow(*schema_, *update_columns, &row));
  } else {
    DT_RETURN_IF_ERROR(NormalizeRow(*schema_, op == RowOp::kDelete, &row));
  }
  const size_t start = data_.size();
  EncodeKey(*schema_, row, &data_);
  const size_t key_end = data_.size();
  if (op == RowOp::kUpsert) EncodeRow(*schema_, row, &data_);
  const size_t row_end = data_.size();
  if (partial) {
    const size_t n = schema_->columns.size();
    data_.resize(row_end + (n + 7) / 8, '\0');
    char* bits = data_.data() + row_end;
    auto set = [bits](size_t i) { bits[i / 8] |= static_cast<char>(1u << (i % 8)); };
    for (int k : schema_->primary_key) set(static_cast<size_t>(k));
    for (int c : *update_columns) set(static_cast<size_t>(c));
  }
  if (data_.size() > std::numeric_limits<uint32_t>::max()) {
    data_.resize(start);
    return {ErrorCode::kRequestTooLarge, "a batch holds at most 4 GiB of encoded rows"};
  }
  Entry e;
  e.bucket = BucketOf(hasher_, *schema_, row, bucket_count_);
  e.op = op;
  e.key_off = static_cast<uint32_t>(start);
  e.key_len = static_cast<uint32_t>(key_end - start);
  e.row_len = static_cast<uint32_t>(row_end - key_end);
  e.mask_len = static_cast<uint32_t>(data_.size() - row_end);
  entries_.push_back(e);
  if (op == RowOp::kUpsert) ++upserts_;
  return Status::Ok();
}

RowRef RowBatch::operator[](size_t i) const {
  const Entry& e = entries_[i];
  const std::string_view data(data_);
  RowRef r;
  r.bucket = e.bucket;
  r.op = e.op;
  r.key = data.substr(e.key_off, e.key_len);
  r.row = data.substr(e.key_off + e.key_len, e.row_len);
  r.update_mask = data.substr(e.key_off + e.key_len + e.row_len, e.mask_len);
  return r;
}

void RowBatch::Reserve(size_t rows, size_t bytes) {
  entries_.reserve(entries_.size() + rows);
  data_.reserve(data_.size() + bytes);
}

void RowBatch::Clear() {
  data_.clear();
  entries_.clear();
  upserts_ = 0;
}

}  // namespace deltatunnel::proto
