// EncodeRow / DecodeRow (row_codec.h has the grammar). Bitmaps are LSB first; a set bit is a null.
// Integers are zigzag varints because most stored values are small.
#include "deltatunnel/proto/row_codec.h"

#include <cstring>

#include "varint.h"

namespace deltatunnel::proto {
namespace {

void EncodeValue(const Type& type, const Value& value, std::string* out);

// Appends the null bitmap of `values` (bit set = null).
void PutBitmap(const List& values, size_t first, size_t step, size_t count, std::string* out) {
  const size_t start = out->size();
  out->resize(start + (count + 7) / 8, '\0');
  char* bits = out->data() + start;
  for (size_t i = 0; i < count; ++i) {
    if (values[first + i * step].is_null()) bits[i / 8] |= static_cast<char>(1u << (i % 8));
  }
}

// An ARRAY, or one half (keys: first 0, values: first 1, step 2) of a MAP.
void EncodeArray(const Type& element, const List& list, size_t first, size_t step,
                 std::string* out) {
  const size_t count = (list.size() - first + step - 1) / step;
  PutVarint(out, count);
  PutBitmap(list, first, step, count, out);
  for (size_t i = 0; i < count; ++i) {
    const Value& v = list[first + i * step];
    if (!v.is_null()) EncodeValue(element, v, out);
  }
}

void EncodeValue(const Type& type, const Value& value, std::string* out) {
  switch (type.kind) {
    case TypeKind::kBoolean:
      out->push_back(value.as_bool() ? 1 : 0);
      return;
    case TypeKind::kTinyint:
    case TypeKind::kSmallint:
    case TypeKind::kInt:
    case TypeKind::kBigint:
    case TypeKind::kDate:
    case TypeKind::kDatetime:
      PutVarint(out, ZigZag(value.as_int()));
      return;
    case TypeKind::kFloat: {
      uint32_t bits;
      const float f = value.as_float();
      std::memcpy(&bits, &f, 4);
      PutFixed32(out, bits);
      return;
    }
    case TypeKind::kDouble: {
      uint64_t bits;
      const double d = value.as_double();
      std::memcpy(&bits, &d, 8);
      PutFixed64(out, bits);
      return;
    }
    case TypeKind::kDecimal:
    case TypeKind::kString:
    case TypeKind::kVarchar:
    case TypeKind::kChar:
    case TypeKind::kBinary:
    case TypeKind::kJson: {
      const std::string& s = value.as_string();
      PutVarint(out, s.size());
      out->append(s);
      return;
    }
    case TypeKind::kTimestamp:
    case TypeKind::kTimestampNtz: {
      const Timestamp& ts = value.as_timestamp();
      PutVarint(out, ZigZag(ts.seconds));
      PutVarint(out, static_cast<uint32_t>(ts.nanos));
      return;
    }
    case TypeKind::kArray:
      EncodeArray(type.children[0], value.as_list(), 0, 1, out);
      return;
    case TypeKind::kMap:
      EncodeArray(type.children[0], value.as_list(), 0, 2, out);
      EncodeArray(type.children[1], value.as_list(), 1, 2, out);
      return;
    case TypeKind::kStruct: {
      const List& fields = value.as_list();
      PutBitmap(fields, 0, 1, fields.size(), out);
      for (size_t i = 0; i < fields.size(); ++i) {
        if (!fields[i].is_null()) EncodeValue(type.children[i], fields[i], out);
      }
      return;
    }
  }
}

class Reader {
 public:
  explicit Reader(std::string_view bytes) : p_(bytes.data()), end_(bytes.data() + bytes.size()) {}

  bool done() const { return p_ == end_; }

  Status Corrupt(std::string_view what) const {
    return Internal("corrupt stored row: " + std::string(what));
  }

  Status Varint(uint64_t* v) {
    return GetVarint(&p_, end_, v) ? Status::Ok() : Corrupt("bad varint");
  }

  Status Bytes(size_t n, const char** out) {
    if (static_cast<size_t>(end_ - p_) < n) return Corrupt("truncated");
    *out = p_;
    p_ += n;
    return Status::Ok();
  }

  // A count of elements that each take at least one bitmap bit: bounded by the bytes left, so a
  // corrupt count cannot allocate without bound.
  Status Count(uint64_t* n) {
    DT_RETURN_IF_ERROR(Varint(n));
    if (*n > static_cast<uint64_t>(end_ - p_) * 8) return Corrupt("element count too large");
    return Status::Ok();
  }

  Status ReadValue(const Type& type, Value* out);
  Status ReadArray(const Type& element, size_t first, size_t step, List* list);

 private:
  const char* p_;
  const char* end_;
};

Status Reader::ReadArray(const Type& element, size_t first, size_t step, List* list) {
  uint64_t count = 0;
  DT_RETURN_IF_ERROR(Count(&count));
  if (first == 0) {
    list->clear();
    list->resize(count * step);
  } else if (count * step != list->size()) {
    return Corrupt("a MAP has different numbers of keys and values");
  }
  const char* bits = nullptr;
  DT_RETURN_IF_ERROR(Bytes((count + 7) / 8, &bits));
  for (size_t i = 0; i < count; ++i) {
    if (bits[i / 8] & (1u << (i % 8))) continue;
    DT_RETURN_IF_ERROR(ReadValue(element, &(*list)[first + i * step]));
  }
  return Status::Ok();
}

Status Reader::ReadValue(const Type& type, Value* out) {
  uint64_t u = 0;
  const char* b = nullptr;
  switch (type.kind) {
    case TypeKind::kBoolean:
      DT_RETURN_IF_ERROR(Bytes(1, &b));
      out->v = *b != 0;
      return Status::Ok();
    case TypeKind::kTinyint:
    case TypeKind::kSmallint:
    case TypeKind::kInt:
    case TypeKind::kBigint:
    case TypeKind::kDate:
    case TypeKind::kDatetime:
      DT_RETURN_IF_ERROR(Varint(&u));
      out->v = UnZigZag(u);
      return Status::Ok();
    case TypeKind::kFloat: {
      DT_RETURN_IF_ERROR(Bytes(4, &b));
      const uint32_t bits = LoadFixed32(b);
      float f;
      std::memcpy(&f, &bits, 4);
      out->v = f;
      return Status::Ok();
    }
    case TypeKind::kDouble: {
      DT_RETURN_IF_ERROR(Bytes(8, &b));
      const uint64_t bits = LoadFixed64(b);
      double d;
      std::memcpy(&d, &bits, 8);
      out->v = d;
      return Status::Ok();
    }
    case TypeKind::kDecimal:
    case TypeKind::kString:
    case TypeKind::kVarchar:
    case TypeKind::kChar:
    case TypeKind::kBinary:
    case TypeKind::kJson:
      DT_RETURN_IF_ERROR(Varint(&u));
      DT_RETURN_IF_ERROR(Bytes(u, &b));
      out->v = std::string(b, u);
      return Status::Ok();
    case TypeKind::kTimestamp:
    case TypeKind::kTimestampNtz: {
      Timestamp ts;
      DT_RETURN_IF_ERROR(Varint(&u));
      ts.seconds = UnZigZag(u);
      DT_RETURN_IF_ERROR(Varint(&u));
      if (u > 999'999'999) return Corrupt("nanoseconds out of range");
      ts.nanos = static_cast<int32_t>(u);
      out->v = ts;
      return Status::Ok();
    }
    case TypeKind::kArray:
    case TypeKind::kMap: {
      List list;
      DT_RETURN_IF_ERROR(
          ReadArray(type.children[0], 0, type.kind == TypeKind::kMap ? 2 : 1, &list));
      if (type.kind == TypeKind::kMap) DT_RETURN_IF_ERROR(ReadArray(type.children[1], 1, 2, &list));
      out->v = std::move(list);
      return Status::Ok();
    }
    case TypeKind::kStruct: {
      List fields(type.children.size());
      DT_RETURN_IF_ERROR(Bytes((fields.size() + 7) / 8, &b));
      for (size_t i = 0; i < fields.size(); ++i) {
        if (b[i / 8] & (1u << (i % 8))) continue;
        DT_RETURN_IF_ERROR(ReadValue(type.children[i], &fields[i]));
      }
      out->v = std::move(fields);
      return Status::Ok();
    }
  }
  return Corrupt("unknown type");
}

}  // namespace

void EncodeRow(const TableSchema& schema, const Row& row, std::string* out) {
  PutBitmap(row, 0, 1, row.size(), out);
  for (size_t i = 0; i < row.size(); ++i) {
    if (!row[i].is_null()) EncodeValue(schema.columns[i].type, row[i], out);
  }
}

Status DecodeRow(const TableSchema& schema, std::string_view bytes, Row* row) {
  const size_t n = schema.columns.size();
  row->assign(n, Value());
  Reader r(bytes);
  const char* bits = nullptr;
  DT_RETURN_IF_ERROR(r.Bytes((n + 7) / 8, &bits));
  for (size_t i = 0; i < n; ++i) {
    if (bits[i / 8] & (1u << (i % 8))) continue;
    DT_RETURN_IF_ERROR(r.ReadValue(schema.columns[i].type, &(*row)[i]));
  }
  if (!r.done()) return r.Corrupt("trailing bytes");
  return Status::Ok();
}

}  // namespace deltatunnel::proto
