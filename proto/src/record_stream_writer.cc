// RecordStreamWriter (record_stream.h has the grammar). The tags, varints and zigzags are
// protobuf's wire encoding, as the Java and Python writers make them with CodedOutputStream.
// Encoding is the writer's per-row cost in the client, so it is written for speed:
//   - the stream's buffer is a string kept at its full allocated size, with `used_` marking the
//     stream's end; each value first makes room for its largest encoding (one compare), then is
//     stored through a raw pointer, without std::string's per-append size and terminator updates;
//   - the record CRC is computed over the bytes wire-format.md section 3 names (fixed-width ints,
//     the raw bytes of strings), gathered in a small buffer on the stack and fed to the CRC in
//     pieces: no second heap buffer per record.
// deltatunnel-bench-client spent 0.4 us a row building a CodedOutputStream per record before the
// first of these; see docs/benchmarks.md for what each step measured.
#include <algorithm>
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

inline char* StoreTag(char* p, uint32_t field, WireType wt) {
  return StoreVarint(p, field << 3 | wt);
}

// The CRC input of one record, gathered on the stack and folded into the CRC when full.
class CrcGather {
 public:
  void Fixed32(uint32_t v) {
    if (n_ + 4 > sizeof buf_) Flush();
    StoreFixed32(buf_ + n_, v);
    n_ += 4;
  }
  void Fixed64(uint64_t v) {
    if (n_ + 8 > sizeof buf_) Flush();
    StoreFixed64(buf_ + n_, v);
    n_ += 8;
  }
  void Byte(char b) {
    if (n_ + 1 > sizeof buf_) Flush();
    buf_[n_++] = b;
  }
  void Bytes(const char* p, size_t len) {
    if (n_ + len > sizeof buf_) {
      Flush();
      if (len > sizeof buf_) {
        crc_ = Crc32cExtend(crc_, p, len);
        return;
      }
    }
    std::memcpy(buf_ + n_, p, len);
    n_ += len;
  }
  uint32_t Finish() {
    Flush();
    return crc_;
  }

 private:
  void Flush() {
    crc_ = Crc32cExtend(crc_, buf_, n_);
    n_ = 0;
  }
  uint32_t crc_ = 0;
  size_t n_ = 0;
  char buf_[512];
};

// Appends to a stream's buffer through a raw pointer. The buffer is a string kept at its full
// allocated size; `*used` marks the stream's end. Room(n) makes n bytes writable at the end
// (growing the buffer if need be) and answers where they start; Commit(p) moves the end to p. The
// end goes back to `*used` when the sink is destroyed.
class Sink {
 public:
  Sink(std::string* buf, size_t* used) : buf_(buf), used_(used) { Load(*used); }
  ~Sink() { *used_ = static_cast<size_t>(end_ - begin_); }
  Sink(const Sink&) = delete;
  Sink& operator=(const Sink&) = delete;

  char* Room(size_t n) {
    if (static_cast<size_t>(limit_ - end_) < n) Grow(n);
    return end_;
  }
  void Commit(char* p) { end_ = p; }

 private:
  void Grow(size_t n) {
    const auto used = static_cast<size_t>(end_ - begin_);
    buf_->resize(std::max({buf_->size() * 2, used + n, size_t{256}}));
    Load(used);
  }
  void Load(size_t used) {
    begin_ = buf_->data();
    end_ = begin_ + used;
    limit_ = begin_ + buf_->size();
  }
  std::string* buf_;
  size_t* used_;
  char* begin_ = nullptr;
  char* end_ = nullptr;
  char* limit_ = nullptr;
};

void WriteValue(Sink& out, const Type& type, const Value& value, CrcGather& crc);

void WriteArray(Sink& out, const Type& element, const List& list, size_t first, size_t step,
                CrcGather& crc) {
  const size_t count = (list.size() - first + step - 1) / step;
  out.Commit(StoreVarint(out.Room(kMaxVarint), count));
  for (size_t i = 0; i < count; ++i) {
    const Value& e = list[first + i * step];
    char* p = out.Room(1);
    *p++ = e.is_null() ? 1 : 0;
    out.Commit(p);
    if (!e.is_null()) WriteValue(out, element, e, crc);
  }
}

void WriteValue(Sink& out, const Type& type, const Value& value, CrcGather& crc) {
  switch (type.kind) {
    case TypeKind::kBoolean: {
      char* p = out.Room(1);
      *p++ = value.as_bool() ? 1 : 0;
      out.Commit(p);
      crc.Byte(value.as_bool() ? 1 : 0);
      return;
    }
    case TypeKind::kTinyint:
    case TypeKind::kSmallint:
    case TypeKind::kInt:
    case TypeKind::kBigint:
    case TypeKind::kDate:
    case TypeKind::kDatetime:
      out.Commit(StoreVarint(out.Room(kMaxVarint), ZigZag(value.as_int())));
      crc.Fixed64(static_cast<uint64_t>(value.as_int()));
      return;
    case TypeKind::kFloat: {
      const auto bits = std::bit_cast<uint32_t>(value.as_float());
      out.Commit(StoreFixed32(out.Room(4), bits));
      crc.Fixed32(bits);
      return;
    }
    case TypeKind::kDouble: {
      const auto bits = std::bit_cast<uint64_t>(value.as_double());
      out.Commit(StoreFixed64(out.Room(8), bits));
      crc.Fixed64(bits);
      return;
    }
    case TypeKind::kDecimal:
    case TypeKind::kString:
    case TypeKind::kVarchar:
    case TypeKind::kChar:
    case TypeKind::kBinary:
    case TypeKind::kJson: {
      const std::string& s = value.as_string();
      char* p = StoreVarint(out.Room(kMaxVarint + s.size()), static_cast<uint32_t>(s.size()));
      std::memcpy(p, s.data(), s.size());
      out.Commit(p + s.size());
      crc.Bytes(s.data(), s.size());
      return;
    }
    case TypeKind::kTimestamp:
    case TypeKind::kTimestampNtz: {
      const Timestamp& ts = value.as_timestamp();
      char* p = StoreVarint(out.Room(2 * kMaxVarint), ZigZag(ts.seconds));
      out.Commit(StoreVarint(p, static_cast<uint32_t>(ZigZag(ts.nanos))));
      crc.Fixed64(static_cast<uint64_t>(ts.seconds));
      crc.Fixed32(static_cast<uint32_t>(ts.nanos));
      return;
    }
    case TypeKind::kArray:
      WriteArray(out, type.children[0], value.as_list(), 0, 1, crc);
      return;
    case TypeKind::kMap:
      WriteArray(out, type.children[0], value.as_list(), 0, 2, crc);
      WriteArray(out, type.children[1], value.as_list(), 1, 2, crc);
      return;
    case TypeKind::kStruct: {
      const List& fields = value.as_list();
      for (size_t i = 0; i < fields.size(); ++i) {
        char* p = out.Room(1);
        *p++ = fields[i].is_null() ? 1 : 0;
        out.Commit(p);
        if (!fields[i].is_null()) WriteValue(out, type.children[i], fields[i], crc);
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
  // A new stream's buffer is sized at the last stream's size and an eighth (streams cut at a size
  // limit differ by their last record) rather than grown from empty: regrowing it by doubling
  // copied each stream twice over and page-faulted its fresh memory.
  if (used_ == 0 && last_size_ > out_.size()) {
    const size_t want = last_size_ + last_size_ / 8;
    if (want > out_.capacity()) out_ = std::string();  // a recycled buffer's content is not copied
    out_.resize(want);
  }
  Sink out(&out_, &used_);
  CrcGather crc;
  const auto ncols = static_cast<uint32_t>(schema_->columns.size());
  for (uint32_t i = 0; i < ncols; ++i) {
    if (row[i].is_null()) continue;
    const Type& type = schema_->columns[i].type;
    out.Commit(StoreTag(out.Room(5), i + 1, WireTypeOf(type.kind)));
    crc.Fixed32(i + 1);
    WriteValue(out, type, row[i], crc);
  }
  const int64_t code = op == RowOp::kDelete ? kOpDelete : kOpUpsert;
  crc.Fixed32(ncols + kOperation);
  crc.Fixed64(static_cast<uint64_t>(code));
  // __value_cols: the column_ids (1-based) of a partial update, else empty (= all columns).
  crc.Fixed32(ncols + kValueCols);
  // Room for the operation, __value_cols when not partial, and END_RECORD.
  char* p = out.Room(4 * 5 + 2 * kMaxVarint + 1);
  p = StoreTag(p, ncols + kOperation, kVarint);
  p = StoreVarint(p, ZigZag(code));
  p = StoreTag(p, ncols + kValueCols, kLengthDelimited);
  if (update_columns != nullptr) {
    p = StoreVarint(p, update_columns->size());
    out.Commit(p);
    for (int c : *update_columns) {
      p = out.Room(1 + kMaxVarint);
      *p++ = 0;
      out.Commit(StoreVarint(p, ZigZag(c + 1)));
      crc.Fixed64(static_cast<uint64_t>(c + 1));
    }
    p = out.Room(5 + kMaxVarint);
  } else {
    *p++ = 0;
  }
  const uint32_t record_crc = crc.Finish();
  p = StoreTag(p, kEndRecord, kVarint);
  out.Commit(StoreVarint(p, record_crc));
  char le[4];
  StoreFixed32(le, record_crc);
  crc_of_crcs_ = Crc32cExtend(crc_of_crcs_, le, 4);
  ++records_;
}

void RecordStreamWriter::WriteColumns(const Row& row, const std::vector<int>& columns) {
  Sink out(&out_, &used_);
  CrcGather crc;
  for (uint32_t i = 0; i < columns.size(); ++i) {
    const Value& value = row[static_cast<size_t>(columns[i])];
    if (value.is_null()) continue;
    const Type& type = schema_->columns[static_cast<size_t>(columns[i])].type;
    out.Commit(StoreTag(out.Room(5), i + 1, WireTypeOf(type.kind)));
    crc.Fixed32(i + 1);
    WriteValue(out, type, value, crc);
  }
  const uint32_t record_crc = crc.Finish();
  char* p = StoreTag(out.Room(5 + kMaxVarint), kEndRecord, kVarint);
  out.Commit(StoreVarint(p, record_crc));
  char le[4];
  StoreFixed32(le, record_crc);
  crc_of_crcs_ = Crc32cExtend(crc_of_crcs_, le, 4);
  ++records_;
}

void RecordStreamWriter::TakeWritten(std::string* out) {
  out->append(out_.data(), used_);
  used_ = 0;
}

void RecordStreamWriter::Recycle(std::string buffer) {
  if (used_ != 0 || buffer.capacity() <= out_.capacity()) return;
  out_ = std::move(buffer);  // its size is room to write in, its bytes are overwritten
}

std::string RecordStreamWriter::Finish() {
  {
    Sink out(&out_, &used_);
    char* p = StoreTag(out.Room(2 * (5 + kMaxVarint)), kMetaCount, kVarint);
    p = StoreVarint(p, ZigZag(static_cast<int64_t>(records_)));
    p = StoreTag(p, kMetaChecksum, kVarint);
    out.Commit(StoreVarint(p, crc_of_crcs_));
  }
  out_.resize(used_);
  last_size_ = used_;
  std::string stream = std::move(out_);
  out_ = std::string();
  used_ = 0;
  records_ = 0;
  crc_of_crcs_ = 0;
  return stream;
}

}  // namespace deltatunnel::proto
