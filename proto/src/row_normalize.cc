// NormalizeValue / NormalizeRow (row_codec.h): every write path checks rows here, so the messages
// are the ones users see; they name the column and, inside nested values, the element or field.
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>

#include "decimal.h"
#include "deltatunnel/proto/civil_date.h"
#include "deltatunnel/proto/row_codec.h"

namespace deltatunnel::proto {
namespace {

constexpr int64_t kMsPerDay = 86'400'000;
constexpr int64_t kMinSeconds = kMinDateDays * 86'400;
constexpr int64_t kMaxSeconds = (kMaxDateDays + 1) * 86'400 - 1;

std::string_view KindOf(const Value& v) {
  switch (v.v.index()) {
    case 0:
      return "null";
    case 1:
      return "a boolean";
    case 2:
      return "an integer";
    case 3:
      return "a FLOAT";
    case 4:
      return "a DOUBLE";
    case 5:
      return "a string";
    case 6:
      return "a timestamp";
    default:
      return "a list";
  }
}

Status Mismatch(const Type& t, const Value& v) {
  return InvalidArgument("expected " + t.ToString() + ", got " + std::string(KindOf(v)));
}

Status Prefixed(const std::string& prefix, const Status& s) {
  return {s.code(), prefix + s.message()};
}

Status CheckRange(const Type& t, int64_t v, int64_t lo, int64_t hi) {
  if (v >= lo && v <= hi) return Status::Ok();
  return InvalidArgument(std::to_string(v) + " is out of range for " + t.ToString() + " (" +
                         std::to_string(lo) + " to " + std::to_string(hi) + ")");
}

size_t Utf8Chars(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<uint8_t>(c) & 0xC0) != 0x80;
  return n;
}

Status NormalizeList(const Type& type, List* list) {
  const Type& element = type.children[0];
  for (size_t i = 0; i < list->size(); ++i) {
    Value& e = (*list)[i];
    if (e.is_null()) continue;
    Status s = NormalizeValue(element, &e);
    if (!s.ok()) return Prefixed("element " + std::to_string(i) + ": ", s);
  }
  return Status::Ok();
}

Status NormalizeMap(const Type& type, List* list) {
  if (list->size() % 2 != 0) return InvalidArgument("a MAP needs key, value pairs");
  for (size_t i = 0; i < list->size(); ++i) {
    Value& e = (*list)[i];
    if (e.is_null()) continue;
    Status s = NormalizeValue(type.children[i % 2], &e);
    if (!s.ok()) {
      return Prefixed((i % 2 == 0 ? "key " : "value ") + std::to_string(i / 2) + ": ", s);
    }
  }
  return Status::Ok();
}

Status NormalizeStruct(const Type& type, List* list) {
  if (list->size() != type.children.size()) {
    return InvalidArgument(type.ToString() + " has " + std::to_string(type.children.size()) +
                           " fields, the value has " + std::to_string(list->size()));
  }
  for (size_t i = 0; i < list->size(); ++i) {
    Value& e = (*list)[i];
    if (e.is_null()) continue;
    Status s = NormalizeValue(type.children[i], &e);
    if (!s.ok()) return Prefixed("field '" + type.field_names[i] + "': ", s);
  }
  return Status::Ok();
}

// One NaN: values are stored as their bits, and a NaN with another sign or payload ("-nan" in a
// CSV body) would be stored as a value that reads back, and compares, as a different one.
template <typename F>
bool IsOtherNaN(F x) {
  const F canonical = std::numeric_limits<F>::quiet_NaN();
  return std::isnan(x) && std::memcmp(&x, &canonical, sizeof x) != 0;
}
template <typename F>
F OneNaN(F x) {
  return std::isnan(x) ? std::numeric_limits<F>::quiet_NaN() : x;
}

// Whether NormalizeValue may change `value` or checks it only through a conversion: a FLOAT or
// DOUBLE column's value of another numeric kind or a NaN other than the one, and every DECIMAL and
// nested value.
bool Converts(const Type& type, const Value& value) {
  switch (type.kind) {
    case TypeKind::kFloat: {
      const float* f = std::get_if<float>(&value.v);
      return f == nullptr || IsOtherNaN(*f);
    }
    case TypeKind::kDouble: {
      const double* d = std::get_if<double>(&value.v);
      return d == nullptr || IsOtherNaN(*d);
    }
    case TypeKind::kDecimal:
    case TypeKind::kArray:
    case TypeKind::kMap:
    case TypeKind::kStruct:
      return true;
    default:
      return false;
  }
}

// NormalizeValue's checks of a value it leaves as it is: one for which Converts() is false.
Status CheckValue(const Type& type, const Value& value) {
  const auto& v = value.v;
  switch (type.kind) {
    case TypeKind::kBoolean:
      return std::holds_alternative<bool>(v) ? Status::Ok() : Mismatch(type, value);
    case TypeKind::kTinyint:
    case TypeKind::kSmallint:
    case TypeKind::kInt:
    case TypeKind::kBigint: {
      const int64_t* i = std::get_if<int64_t>(&v);
      if (i == nullptr) return Mismatch(type, value);
      if (type.kind == TypeKind::kTinyint) return CheckRange(type, *i, INT8_MIN, INT8_MAX);
      if (type.kind == TypeKind::kSmallint) return CheckRange(type, *i, INT16_MIN, INT16_MAX);
      if (type.kind == TypeKind::kInt) return CheckRange(type, *i, INT32_MIN, INT32_MAX);
      return Status::Ok();
    }
    case TypeKind::kFloat:
      return std::holds_alternative<float>(v) ? Status::Ok() : Mismatch(type, value);
    case TypeKind::kDouble:
      return std::holds_alternative<double>(v) ? Status::Ok() : Mismatch(type, value);
    case TypeKind::kString:
    case TypeKind::kBinary:
    case TypeKind::kJson:
      return std::holds_alternative<std::string>(v) ? Status::Ok() : Mismatch(type, value);
    case TypeKind::kVarchar:
    case TypeKind::kChar: {
      const std::string* s = std::get_if<std::string>(&v);
      if (s == nullptr) return Mismatch(type, value);
      // Bytes bound characters from above: count characters only when the bytes exceed the limit.
      if (s->size() <= static_cast<size_t>(type.length)) return Status::Ok();
      const size_t chars = Utf8Chars(*s);
      if (chars <= static_cast<size_t>(type.length)) return Status::Ok();
      return InvalidArgument(std::to_string(chars) + " characters is longer than " +
                             type.ToString() + " allows");
    }
    case TypeKind::kDate: {
      const int64_t* i = std::get_if<int64_t>(&v);
      if (i == nullptr) return Mismatch(type, value);
      if (*i < kMinDateDays || *i > kMaxDateDays) {
        return InvalidArgument("DATE " + std::to_string(*i) +
                               " (epoch days) is outside 0001-01-01 to 9999-12-31");
      }
      return Status::Ok();
    }
    case TypeKind::kDatetime: {
      const int64_t* i = std::get_if<int64_t>(&v);
      if (i == nullptr) return Mismatch(type, value);
      if (*i < kMinDateDays * kMsPerDay || *i > (kMaxDateDays + 1) * kMsPerDay - 1) {
        return InvalidArgument("DATETIME " + std::to_string(*i) +
                               " (epoch ms) is outside 0001-01-01 to 9999-12-31");
      }
      return Status::Ok();
    }
    case TypeKind::kTimestamp:
    case TypeKind::kTimestampNtz: {
      const Timestamp* ts = std::get_if<Timestamp>(&v);
      if (ts == nullptr) return Mismatch(type, value);
      if (ts->nanos < 0 || ts->nanos > 999'999'999) {
        return InvalidArgument("nanoseconds " + std::to_string(ts->nanos) +
                               " are outside 0 to 999999999");
      }
      if (ts->seconds < kMinSeconds || ts->seconds > kMaxSeconds) {
        return InvalidArgument(type.ToString() + " " + std::to_string(ts->seconds) +
                               " (epoch seconds) is outside 0001-01-01 to 9999-12-31");
      }
      return Status::Ok();
    }
    case TypeKind::kDecimal:
    case TypeKind::kArray:
    case TypeKind::kMap:
    case TypeKind::kStruct:
      break;  // Converts() is true for these: NormalizeValue checks them as it converts
  }
  return Internal(type.ToString() + " is checked by NormalizeValue only");
}

// The one loop behind NormalizeRow, NormalizePartialRow and CheckRow: the row's width, nulls, a
// delete's key-only values, and `value_fn(type, value, &stop)` for each other value, which checks
// (or normalises) it and may stop the loop. `updated` (partial upserts, mutable rows only) is the
// set of columns the row updates; the others are set to null and not checked.
template <typename RowT, typename ValueFn>
Status CheckRowWith(const TableSchema& schema, bool is_delete, const std::vector<int>* updated,
                    RowT& row, ValueFn&& value_fn) {
  if (row.size() != schema.columns.size()) {
    return InvalidArgument("the row has " + std::to_string(row.size()) + " values, the table " +
                           std::to_string(schema.columns.size()) + " data columns");
  }
  for (size_t i = 0; i < row.size(); ++i) {
    const Column& c = schema.columns[i];
    auto& value = row[i];
    const bool key = schema.IsKeyColumn(static_cast<int>(i));
    if constexpr (!std::is_const_v<RowT>) {
      // A linear search: partial updates name a few columns, and this allocates nothing.
      if (updated != nullptr && !key &&
          std::find(updated->begin(), updated->end(), static_cast<int>(i)) == updated->end()) {
        value = Value();
        continue;
      }
    }
    if (value.is_null()) {
      if (key) return InvalidArgument("column '" + c.name + "': a key column cannot be null");
      if (!is_delete && !c.nullable) {
        return InvalidArgument("column '" + c.name + "': is NOT NULL but the value is null");
      }
      continue;
    }
    if (is_delete && !key) {
      return InvalidArgument("column '" + c.name + "': a delete carries only the key columns");
    }
    bool stop = false;
    Status s = value_fn(c.type, value, &stop);
    if (!s.ok()) return Prefixed("column '" + c.name + "': ", s);
    if (stop) break;
  }
  return Status::Ok();
}

}  // namespace

Status NormalizeValue(const Type& type, Value* value) {
  auto& v = value->v;
  switch (type.kind) {
    case TypeKind::kFloat:
      if (float* f = std::get_if<float>(&v)) {
        *f = OneNaN(*f);
        return Status::Ok();
      }
      if (const double* d = std::get_if<double>(&v)) {
        if (std::isfinite(*d) && std::fabs(*d) > FLT_MAX) {
          return InvalidArgument(std::to_string(*d) + " is out of range for FLOAT");
        }
        v = OneNaN(static_cast<float>(*d));
        return Status::Ok();
      }
      if (const int64_t* i = std::get_if<int64_t>(&v)) {
        v = static_cast<float>(*i);
        return Status::Ok();
      }
      return Mismatch(type, *value);
    case TypeKind::kDouble:
      if (double* d = std::get_if<double>(&v)) {
        *d = OneNaN(*d);
        return Status::Ok();
      }
      if (const float* f = std::get_if<float>(&v)) {
        v = OneNaN(static_cast<double>(*f));
        return Status::Ok();
      }
      if (const int64_t* i = std::get_if<int64_t>(&v)) {
        v = static_cast<double>(*i);
        return Status::Ok();
      }
      return Mismatch(type, *value);
    case TypeKind::kDecimal:
      if (const int64_t* i = std::get_if<int64_t>(&v)) v = std::to_string(*i);
      if (std::string* s = std::get_if<std::string>(&v)) {
        return NormalizeDecimal(*s, type.precision, type.scale, s);
      }
      return Mismatch(type, *value);
    case TypeKind::kArray:
    case TypeKind::kMap:
    case TypeKind::kStruct: {
      List* list = std::get_if<List>(&v);
      if (list == nullptr) return Mismatch(type, *value);
      if (type.kind == TypeKind::kArray) return NormalizeList(type, list);
      if (type.kind == TypeKind::kMap) return NormalizeMap(type, list);
      return NormalizeStruct(type, list);
    }
    default:
      return CheckValue(type, *value);
  }
}

static Status NormalizeRowImpl(const TableSchema& schema, bool is_delete,
                               const std::vector<int>* updated, Row* row) {
  return CheckRowWith(schema, is_delete, updated, *row,
                      [](const Type& t, Value& v, bool*) { return NormalizeValue(t, &v); });
}

Result<bool> CheckRow(const TableSchema& schema, bool is_delete, const Row& row) {
  bool as_is = true;
  DT_RETURN_IF_ERROR(
      CheckRowWith(schema, is_delete, nullptr, row, [&](const Type& t, const Value& v, bool* stop) {
        if (Converts(t, v)) {
          as_is = false;
          *stop = true;
          return Status::Ok();
        }
        return CheckValue(t, v);
      }));
  return as_is;
}

Status NormalizeRow(const TableSchema& schema, bool is_delete, Row* row) {
  return NormalizeRowImpl(schema, is_delete, nullptr, row);
}

Status NormalizePartialRow(const TableSchema& schema, const std::vector<int>& update_columns,
                           Row* row) {
  for (int c : update_columns) {
    if (c < 0 || static_cast<size_t>(c) >= schema.columns.size()) {
      return InvalidArgument("partial update names column " + std::to_string(c) +
                             ", which does not exist");
    }
  }
  return NormalizeRowImpl(schema, false, &update_columns, row);
}

}  // namespace deltatunnel::proto
