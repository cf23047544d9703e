// DecodeRecordStream (record_stream.h has the grammar). A hand-rolled reader over the body rather
// than protobuf's CodedInputStream: the same varints, but no per-call overhead on the hot path, and
// one Row whose buffers are reused across records, so that steady-state decoding allocates only
// what the RowBatch keeps.
//
// Order of checks within a record: framing and value syntax as fields are read; at END_RECORD first
// the record's CRC, then what the hidden columns say (__operation, __value_cols), then the row
// itself (RowBatch::AddInPlace). So a corrupted record is reported as corruption, not as the
// invalid row that the corruption made of it.
#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "deltatunnel/proto/crc32c.h"
#include "deltatunnel/proto/record_stream.h"
#include "record_stream_format.h"
#include "varint.h"

namespace deltatunnel::proto {
namespace {

using namespace record_stream;

Type Scalar(TypeKind kind) {
  Type t;
  t.kind = kind;
  return t;
}

Type ArrayOf(Type element) {
  Type t;
  t.kind = TypeKind::kArray;
  t.children.push_back(std::move(element));
  return t;
}

const char* WireTypeName(uint32_t wt) {
  switch (wt) {
    case kVarint:
      return "varint";
    case kFixed64:
      return "fixed64";
    case kLengthDelimited:
      return "length-delimited";
    case kFixed32:
      return "fixed32";
    default:
      return "invalid";
  }
}

// Reads a uint32 written as a varint: protobuf's writers emit at most 5 bytes, some (int32 writers)
// a 10-byte sign extension; both mean the same 32 bits.
bool AsUint32(uint64_t v, uint32_t* out) {
  if (v > 0xffffffffu && v < 0xffffffff80000000u) return false;
  *out = static_cast<uint32_t>(v);
  return true;
}

void AssignString(Value* out, const char* p, size_t n) {
  if (auto* s = std::get_if<std::string>(&out->v)) {
    s->assign(p, n);
  } else {
    out->v.emplace<std::string>(p, n);
  }
}

List* ReuseList(Value* out) {
  if (auto* l = std::get_if<List>(&out->v)) return l;
  return &out->v.emplace<List>();
}

class Decoder {
 public:
  Decoder(const TableSchema& schema, std::string_view body)
      : schema_(schema),
        p_(body.data()),
        end_(body.data() + body.size()),
        ncols_(static_cast<uint32_t>(schema.columns.size())) {}

  Status Run(const RecordStreamOptions& options, RowBatch* batch);

 private:
  // Errors on the hot path are C strings; the Status with its context is built only on failure.
  const char* ReadValue(const Type& type, Value* out);
  const char* ReadArray(const Type& element, size_t first, size_t step, List* list);
  Status Corrupt(std::string_view why) const {
    return {ErrorCode::kCorruptedDataStream, fmt::format("record {}: {}", records_ + 1, why)};
  }
  Status Refuse(std::string_view why) const {
    return InvalidArgument(fmt::format("record {}: {}", records_ + 1, why));
  }
  Status TrailerCorrupt(std::string_view why) const {
    return {ErrorCode::kCorruptedDataStream, fmt::format("stream trailer: {}", why)};
  }
  // Where a field's value goes, and what it is.
  struct Target {
    const Type* type;
    Value* out;
    std::string_view name;
  };
  Target DataTarget(uint32_t column) {
    const Column& c = schema_.columns[column];
    return {&c.type, &row_[column], c.name};
  }
  Target HiddenTarget(uint32_t offset) {
    static const Type kBigint = Scalar(TypeKind::kBigint);
    static const Type kTinyint = Scalar(TypeKind::kTinyint);
    static const Type kBigints = ArrayOf(Scalar(TypeKind::kBigint));
    switch (offset) {
      case kVersion:
        return {&kBigint, &ignored_, "__version"};
      case kAppVersion:
        return {&kBigint, &ignored_, "__app_version"};
      case kOperation:
        return {&kTinyint, &operation_, "__operation"};
      case kKeyCols:
        return {&kBigints, &ignored_, "__key_cols"};
      default:
        return {&kBigints, &value_cols_, "__value_cols"};
    }
  }
  Status ReadTrailer(const RecordStreamOptions& options, bool in_record);
  Status FinishRecord(const RecordStreamOptions& options, RowBatch* batch);

  const TableSchema& schema_;
  const char* p_;
  const char* end_;
  const uint32_t ncols_;
  uint64_t records_ = 0;
  uint32_t crc_of_crcs_ = 0;
  std::string crc_;                  // the current record's CRC input
  Row row_;                          // the current record's data columns, reused
  std::vector<uint64_t> seen_;       // by field number: 1 + the record it last appeared in
  Value operation_;                  // __operation of the current record
  Value value_cols_;                 // __value_cols of the current record
  Value ignored_;                    // __version, __app_version, __key_cols: read and dropped
  std::vector<int> update_columns_;  // __value_cols as data column indices
};

const char* Decoder::ReadArray(const Type& element, size_t first, size_t step, List* list) {
  uint64_t count = 0;
  if (!GetVarint(&p_, end_, &count)) return "truncated element count";
  // Every element takes at least its null flag byte: a count beyond the bytes left is corrupt,
  // and refusing it here bounds the allocation below.
  if (count > static_cast<uint64_t>(end_ - p_)) return "element count exceeds the bytes left";
  if (first == 0) {
    list->resize(count * step);
  } else if (count * step != list->size()) {
    return "a MAP has different numbers of keys and values";
  }
  for (size_t i = 0; i < count; ++i) {
    Value& e = (*list)[first + i * step];
    uint64_t is_null = 0;
    if (!GetVarint(&p_, end_, &is_null)) return "truncated null flag";
    if (is_null > 1) return "a null flag is not 0 or 1";
    if (is_null) {
      e = Value();
      continue;
    }
    if (const char* err = ReadValue(element, &e)) return err;
  }
  return nullptr;
}

const char* Decoder::ReadValue(const Type& type, Value* out) {
  uint64_t u = 0;
  switch (type.kind) {
    case TypeKind::kBoolean:
      if (!GetVarint(&p_, end_, &u)) return "truncated BOOLEAN";
      if (u > 1) return "a BOOLEAN is not 0 or 1";
      out->v = u == 1;
      crc_.push_back(static_cast<char>(u));
      return nullptr;
    case TypeKind::kTinyint:
    case TypeKind::kSmallint:
    case TypeKind::kInt:
    case TypeKind::kBigint:
    case TypeKind::kDate:
    case TypeKind::kDatetime: {
      if (!GetVarint(&p_, end_, &u)) return "truncated integer";
      const int64_t v = UnZigZag(u);
      out->v = v;
      PutFixed64(&crc_, static_cast<uint64_t>(v));
      return nullptr;
    }
    case TypeKind::kFloat: {
      if (end_ - p_ < 4) return "truncated FLOAT";
      const uint32_t bits = LoadFixed32(p_);
      float f;
      std::memcpy(&f, &bits, 4);
      out->v = f;
      crc_.append(p_, 4);
      p_ += 4;
      return nullptr;
    }
    case TypeKind::kDouble: {
      if (end_ - p_ < 8) return "truncated DOUBLE";
      const uint64_t bits = LoadFixed64(p_);
      double d;
      std::memcpy(&d, &bits, 8);
      out->v = d;
      crc_.append(p_, 8);
      p_ += 8;
      return nullptr;
    }
    case TypeKind::kDecimal:
    case TypeKind::kString:
    case TypeKind::kVarchar:
    case TypeKind::kChar:
    case TypeKind::kBinary:
    case TypeKind::kJson:
      if (!GetVarint(&p_, end_, &u)) return "truncated length";
      if (u > static_cast<uint64_t>(end_ - p_)) return "a length runs past the end of the stream";
      AssignString(out, p_, u);
      crc_.append(p_, u);
      p_ += u;
      return nullptr;
    case TypeKind::kTimestamp:
    case TypeKind::kTimestampNtz: {
      Timestamp ts;
      if (!GetVarint(&p_, end_, &u)) return "truncated TIMESTAMP seconds";
      ts.seconds = UnZigZag(u);
      uint32_t n32 = 0;
      if (!GetVarint(&p_, end_, &u) || !AsUint32(u, &n32)) return "bad TIMESTAMP nanoseconds";
      ts.nanos = static_cast<int32_t>((n32 >> 1) ^ (0u - (n32 & 1)));
      out->v = ts;
      PutFixed64(&crc_, static_cast<uint64_t>(ts.seconds));
      PutFixed32(&crc_, static_cast<uint32_t>(ts.nanos));
      return nullptr;
    }
    case TypeKind::kArray:
      return ReadArray(type.children[0], 0, 1, ReuseList(out));
    case TypeKind::kMap: {
      List* list = ReuseList(out);
      if (const char* err = ReadArray(type.children[0], 0, 2, list)) return err;
      return ReadArray(type.children[1], 1, 2, list);
    }
    case TypeKind::kStruct: {
      List* fields = ReuseList(out);
      fields->resize(type.children.size());
      for (size_t i = 0; i < fields->size(); ++i) {
        uint64_t is_null = 0;
        if (!GetVarint(&p_, end_, &is_null)) return "truncated null flag";
        if (is_null > 1) return "a null flag is not 0 or 1";
        if (is_null) {
          (*fields)[i] = Value();
          continue;
        }
        if (const char* err = ReadValue(type.children[i], &(*fields)[i])) return err;
      }
      return nullptr;
    }
  }
  return "unknown type";
}

Status Decoder::FinishRecord(const RecordStreamOptions& options, RowBatch* batch) {
  uint64_t raw = 0;
  uint32_t crc = 0;
  if (!GetVarint(&p_, end_, &raw) || !AsUint32(raw, &crc)) return Corrupt("bad END_RECORD CRC");
  const uint32_t actual = Crc32c(crc_);
  if (crc != actual) {
    return Corrupt(fmt::format("CRC mismatch: END_RECORD says {:#010x}, the record gives {:#010x}",
                               crc, actual));
  }
  if (records_ >= options.max_records) {
    return {ErrorCode::kRequestTooLarge,
            fmt::format("the stream holds more than {} records, the most one request may carry",
                        options.max_records)};
  }
  if (options.expected_records && records_ >= *options.expected_records) {
    return Corrupt(fmt::format("record_count is {}, the stream holds more records",
                               *options.expected_records));
  }
  const uint64_t mark = records_ + 1;
  RowOp op = RowOp::kUpsert;
  if (seen_[ncols_ + kOperation] == mark) {
    const int64_t code = operation_.as_int();
    if (code == kOpDelete) {
      op = RowOp::kDelete;
    } else if (code != kOpUpsert) {
      return Refuse(fmt::format("__operation is {}, neither 85 ('U') nor 68 ('D')", code));
    }
  }
  update_columns_.clear();
  if (op == RowOp::kUpsert && seen_[ncols_ + kValueCols] == mark) {
    for (const Value& id : value_cols_.as_list()) {
      if (id.is_null()) return Refuse("__value_cols holds a null");
      const int64_t c = id.as_int();
      if (c < 1 || c > static_cast<int64_t>(ncols_)) {
        return Refuse(
            fmt::format("__value_cols names column_id {}, the table has {} columns", c, ncols_));
      }
      update_columns_.push_back(static_cast<int>(c - 1));
    }
    if (!update_columns_.empty() && !options.allow_partial_update) {
      return Refuse(
          "a partial update (__value_cols) needs the table property "
          "acid.partial.fields.update.enable=true");
    }
  }
  for (uint32_t i = 0; i < ncols_; ++i) {
    const bool absent = seen_[i + 1] != mark;
    // A delete keeps its key only: clients (Flink) send the whole row of what they delete.
    if (absent || (op == RowOp::kDelete && !schema_.IsKeyColumn(static_cast<int>(i)))) {
      row_[i] = Value();
    }
  }
  Status s = batch->AddInPlace(&row_, op, update_columns_.empty() ? nullptr : &update_columns_);
  if (!s.ok()) return {s.code(), fmt::format("record {}: {}", records_ + 1, s.message())};
  uint32_t le = crc;
  char bytes[4];
  for (char& b : bytes) {
    b = static_cast<char>(le);
    le >>= 8;
  }
  crc_of_crcs_ = Crc32cExtend(crc_of_crcs_, bytes, 4);
  ++records_;
  crc_.clear();
  return Status::Ok();
}

Status Decoder::ReadTrailer(const RecordStreamOptions& options, bool in_record) {
  if (in_record) return Corrupt("META_COUNT before the record's END_RECORD");
  uint64_t raw = 0;
  if (!GetVarint(&p_, end_, &raw)) return TrailerCorrupt("truncated META_COUNT");
  const int64_t count = UnZigZag(raw);
  uint64_t tag = 0;
  if (!GetVarint(&p_, end_, &tag) || tag != (uint64_t{kMetaChecksum} << 3 | kVarint)) {
    return TrailerCorrupt("META_CHECKSUM does not follow META_COUNT");
  }
  uint32_t checksum = 0;
  if (!GetVarint(&p_, end_, &raw) || !AsUint32(raw, &checksum)) {
    return TrailerCorrupt("bad META_CHECKSUM");
  }
  if (p_ != end_) {
    return TrailerCorrupt(fmt::format("{} bytes after META_CHECKSUM", end_ - p_));
  }
  if (count < 0 || static_cast<uint64_t>(count) != records_) {
    return TrailerCorrupt(
        fmt::format("META_COUNT says {} records, the stream holds {}", count, records_));
  }
  if (checksum != crc_of_crcs_) {
    return TrailerCorrupt(
        fmt::format("META_CHECKSUM mismatch: the trailer says {:#010x}, the records give {:#010x}",
                    checksum, crc_of_crcs_));
  }
  if (options.expected_records && *options.expected_records != records_) {
    return TrailerCorrupt(fmt::format("record_count is {}, the stream holds {} records",
                                      *options.expected_records, records_));
  }
  return Status::Ok();
}

Status Decoder::Run(const RecordStreamOptions& options, RowBatch* batch) {
  row_.assign(ncols_, Value());
  seen_.assign(ncols_ + kHiddenColumns + 1, 0);
  bool in_record = false;
  while (p_ != end_) {
    uint64_t tag = 0;
    if (!GetVarint(&p_, end_, &tag)) return Corrupt("truncated tag");
    const auto wire_type = static_cast<uint32_t>(tag & 7);
    const uint64_t field = tag >> 3;
    if (field == kEndRecord) {
      if (wire_type != kVarint) return Corrupt("END_RECORD is not a varint");
      DT_RETURN_IF_ERROR(FinishRecord(options, batch));
      in_record = false;
      continue;
    }
    if (field == kMetaCount) {
      if (wire_type != kVarint) return TrailerCorrupt("META_COUNT is not a varint");
      return ReadTrailer(options, in_record);
    }
    if (field == 0 || field > ncols_ + kHiddenColumns) {
      return Corrupt(fmt::format("unknown field number {}", field));
    }
    const uint64_t mark = records_ + 1;
    if (seen_[field] == mark) return Corrupt(fmt::format("field {} appears twice", field));
    seen_[field] = mark;
    in_record = true;
    PutFixed32(&crc_, static_cast<uint32_t>(field));
    const Target t = field <= ncols_ ? DataTarget(static_cast<uint32_t>(field - 1))
                                     : HiddenTarget(static_cast<uint32_t>(field - ncols_));
    const Type* type = t.type;
    const std::string_view name = t.name;
    const WireType want = WireTypeOf(type->kind);
    if (wire_type != want) {
      return Corrupt(fmt::format("column '{}' (field {}) has wire type {}, expected {}", name,
                                 field, WireTypeName(wire_type), WireTypeName(want)));
    }
    if (const char* err = ReadValue(*type, t.out)) {
      return Corrupt(fmt::format("column '{}' (field {}): {}", name, field, err));
    }
  }
  if (in_record) return Corrupt("truncated: the stream ends inside the record");
  return TrailerCorrupt("truncated: the stream ends without META_COUNT");
}

}  // namespace

Result<RowBatch> DecodeRecordStream(const TableSchema& schema, Hasher hasher, uint32_t bucket_count,
                                    std::string_view body, const RecordStreamOptions& options) {
  RowBatch batch(schema, hasher, bucket_count);
  // Encoded rows take about as many bytes as the stream: reserve that much, capped so that a body
  // claiming a huge record count cannot make us allocate beyond what it could hold.
  const uint64_t max_records = body.size() / 8;
  batch.Reserve(options.expected_records ? std::min(*options.expected_records, max_records) : 0,
                body.size() + body.size() / 8);
  Decoder decoder(schema, body);
  DT_RETURN_IF_ERROR(decoder.Run(options, &batch));
  return batch;
}

}  // namespace deltatunnel::proto
