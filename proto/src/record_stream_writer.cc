// RecordStreamWriter (record_stream.h has the grammar). The tags, varints and zigzags are
// protobuf's wire encoding, as the Java and Python writers make them with CodedOutputStream; they
// are appended here straight to the stream's buffer (deltatunnel-bench-client spent 0.4 us a row
// building a CodedOutputStream per record). The record CRC is computed over the bytes that
// wire-format.md section 3 names, gathered per record.
#include <bit>
#include <cstring>

#include "deltatunnel/proto/crc32c.h"
#include "deltatunnel/proto/record_stream.h"
#include "deltatunnel/proto/row_codec.h"
#include "record_stream_format.h"
#include "varint.h"

namespace deltatunnel::proto {
namespace {

using namespace record_stream;

void WriteTag(std::string* out, uint32_t field, WireType wt) { PutVarint(out, field << 3 | wt); }

void WriteValue(const Type& type, const Value& value, std::string* out, std::string* crc);

void WriteArray(const Type& element, const List& list, size_t first, size_t step, std::string* out,
                std::string* crc) {
  const size_t count = (list.size() - first + step - 1) / step;
  PutVarint(out, count);
  for (size_t i = 0; i < count; ++i) {
    const Value& e = list[first + i * step];
    out->push_back(e.is_null() ? 1 : 0);
    if (!e.is_null()) WriteValue(element, e, out, crc);
  }
}

void WriteValue(const Type& type, const Value& value, std::string* out, std::string* crc) {
  switch (type.kind) {
    case TypeKind::kBoolean:
      out->push_back(value.as_bool() ? 1 : 0);
      crc->push_back(value.as_bool() ? 1 : 0);
      return;
    case TypeKind::kTinyint:
    case TypeKind::kSmallint:
    case TypeKind::kInt:
    case TypeKind::kBigint:
    case TypeKind::kDate:
    case TypeKind::kDatetime:
      PutVarint(out, ZigZag(value.as_int()));
      PutFixed64(crc, static_cast<uint64_t>(value.as_int()));
      return;
    case TypeKind::kFloat: {
      const auto bits = std::bit_cast<uint32_t>(value.as_float());
      PutFixed32(out, bits);
      PutFixed32(crc, bits);
      return;
    }
    case TypeKind::kDouble: {
      const auto bits = std::bit_cast<uint64_t>(value.as_double());
      PutFixed64(out, bits);
      PutFixed64(crc, bits);
      return;
    }
    case TypeKind::kDecimal:
    case TypeKind::kString:
    case TypeKind::kVarchar:
    case TypeKind::kChar:
    case TypeKind::kBinary:
    case TypeKind::kJson: {
      const std::string& s = value.as_string();
      PutVarint(out, static_cast<uint32_t>(s.size()));
      out->append(s);
      crc->append(s);
      return;
    }
    case TypeKind::kTimestamp:
    case TypeKind::kTimestampNtz: {
      const Timestamp& ts = value.as_timestamp();
      PutVarint(out, ZigZag(ts.seconds));
      PutVarint(out, static_cast<uint32_t>(ZigZag(ts.nanos)));
      PutFixed64(crc, static_cast<uint64_t>(ts.seconds));
      PutFixed32(crc, static_cast<uint32_t>(ts.nanos));
      return;
    }
    case TypeKind::kArray:
      WriteArray(type.children[0], value.as_list(), 0, 1, out, crc);
      return;
    case TypeKind::kMap:
      WriteArray(type.children[0], value.as_list(), 0, 2, out, crc);
      WriteArray(type.children[1], value.as_list(), 1, 2, out, crc);
      return;
    case TypeKind::kStruct: {
      const List& fields = value.as_list();
      for (size_t i = 0; i < fields.size(); ++i) {
        out->push_back(fields[i].is_null() ? 1 : 0);
        if (!fields[i].is_null()) WriteValue(type.children[i], fields[i], out, crc);
      }
      return;
    }
  }
}

}  // namespace

RecordStreamWriter::RecordStreamWriter(const TableSchema& schema) : schema_(&schema) {}

Status RecordStreamWriter::Write(Row row, RowOp op, const std::vector<int>* update_columns) {
  const bool partial =
      op == RowOp::kUpsert && update_columns != nullptr && !update_columns->empty();
  if (op == RowOp::kDelete && row.size() == schema_->columns.size()) {
    for (size_t i = 0; i < row.size(); ++i) {
      if (!schema_->IsKeyColumn(static_cast<int>(i))) row[i] = Value();
    }
  }
  if (partial) {
    DT_RETURN_IF_ERROR(NormalizePartialRow(*schema_, *update_columns, &row));
  } else {
    DT_RETURN_IF_ERROR(NormalizeRow(*schema_, op == RowOp::kDelete, &row));
  }
  WriteRecord(row, op, partial ? update_columns : nullptr);
  return Status::Ok();
}

void RecordStreamWriter::WriteNormalized(const Row& row, RowOp op) {
  WriteRecord(row, op, nullptr);
}

void RecordStreamWriter::WriteRecord(const Row& row, RowOp op,
                                     const std::vector<int>* update_columns) {
  // A new stream's buffer is reserved at the last stream's size and an eighth (streams cut at a
  // size limit differ by their last record) rather than grown from empty: regrowing it by doubling
  // copied each stream twice over and page-faulted its fresh memory.
  if (out_.empty() && last_size_ > out_.capacity()) out_.reserve(last_size_ + last_size_ / 8);
  crc_input_.clear();
  std::string* out = &out_;
  const bool partial = update_columns != nullptr;
  const auto ncols = static_cast<uint32_t>(schema_->columns.size());
  for (uint32_t i = 0; i < ncols; ++i) {
    if (row[i].is_null()) continue;
    const Type& type = schema_->columns[i].type;
    WriteTag(out, i + 1, WireTypeOf(type.kind));
    PutFixed32(&crc_input_, i + 1);
    WriteValue(type, row[i], out, &crc_input_);
  }
  const int64_t code = op == RowOp::kDelete ? kOpDelete : kOpUpsert;
  WriteTag(out, ncols + kOperation, kVarint);
  PutVarint(out, ZigZag(code));
  PutFixed32(&crc_input_, ncols + kOperation);
  PutFixed64(&crc_input_, static_cast<uint64_t>(code));
  // __value_cols: the column_ids (1-based) of a partial update, else empty (= all columns).
  WriteTag(out, ncols + kValueCols, kLengthDelimited);
  PutFixed32(&crc_input_, ncols + kValueCols);
  if (partial) {
    PutVarint(out, update_columns->size());
    for (int c : *update_columns) {
      out->push_back(0);
      PutVarint(out, ZigZag(c + 1));
      PutFixed64(&crc_input_, static_cast<uint64_t>(c + 1));
    }
  } else {
    out->push_back(0);
  }
  const uint32_t crc = Crc32c(crc_input_);
  WriteTag(out, kEndRecord, kVarint);
  PutVarint(out, crc);
  char le[4];
  for (int i = 0; i < 4; ++i) le[i] = static_cast<char>(crc >> (8 * i));
  crc_of_crcs_ = Crc32cExtend(crc_of_crcs_, le, 4);
  ++records_;
}

std::string RecordStreamWriter::Finish() {
  WriteTag(&out_, kMetaCount, kVarint);
  PutVarint(&out_, ZigZag(static_cast<int64_t>(records_)));
  WriteTag(&out_, kMetaChecksum, kVarint);
  PutVarint(&out_, crc_of_crcs_);
  last_size_ = out_.size();
  std::string stream = std::move(out_);
  out_.clear();
  records_ = 0;
  crc_of_crcs_ = 0;
  return stream;
}

}  // namespace deltatunnel::proto
