// EncodeKey / DecodeKey (row_codec.h): memcmp order of the encoding == the key's natural order,
// column by column, so storage can keep keys sorted as plain bytes. Every column's encoding is
// self-delimiting, so a shorter key column never compares as a prefix of a longer one.
//
// DECIMAL(p,s), from its canonical text (exactly s fraction digits):
//   zero      0x01
//   positive  0x02  n  digit*   -- n = integer digits without leading zeros, then the n integer
//                                  and s fraction digits, one byte each (0..9)
//   negative  0x00  255-n  (9-digit)*
// Within one column s is fixed, so the digit count n + s is implied by n, and a longer integer part
// means a larger magnitude.
#include <cstring>

#include "deltatunnel/proto/row_codec.h"

namespace deltatunnel::proto {
namespace {

void PutBig64(uint64_t v, std::string* out) {
  char buf[8];
  for (int i = 7; i >= 0; --i) {
    buf[i] = static_cast<char>(v);
    v >>= 8;
  }
  out->append(buf, 8);
}

void PutBig32(uint32_t v, std::string* out) {
  char buf[4];
  for (int i = 3; i >= 0; --i) {
    buf[i] = static_cast<char>(v);
    v >>= 8;
  }
  out->append(buf, 4);
}

constexpr uint64_t kSign64 = uint64_t{1} << 63;
constexpr uint32_t kSign32 = uint32_t{1} << 31;

uint64_t OrderedInt(int64_t v) { return static_cast<uint64_t>(v) ^ kSign64; }
// IEEE totalOrder as unsigned integers: negatives reversed, positives above them.
uint64_t OrderedDouble(uint64_t bits) { return (bits & kSign64) ? ~bits : bits | kSign64; }
uint32_t OrderedFloat(uint32_t bits) { return (bits & kSign32) ? ~bits : bits | kSign32; }

void PutEscaped(std::string_view s, std::string* out) {
  while (!s.empty()) {
    const void* zero = std::memchr(s.data(), 0, s.size());
    if (zero == nullptr) {
      out->append(s);
      break;
    }
    const size_t n = static_cast<const char*>(zero) - s.data();
    out->append(s.data(), n);
    out->append("\x00\xff", 2);
    s.remove_prefix(n + 1);
  }
  out->append("\x00\x01", 2);
}

void PutDecimal(std::string_view text, std::string* out) {
  const bool negative = !text.empty() && text[0] == '-';
  if (negative) text.remove_prefix(1);
  size_t point = text.find('.');
  if (point == std::string_view::npos) point = text.size();
  size_t first = 0;
  while (first < point && text[first] == '0') ++first;
  bool zero = true;
  for (char c : text) zero = zero && (c == '0' || c == '.');
  if (zero) {
    out->push_back(1);
    return;
  }
  const auto n = static_cast<uint8_t>(point - first);
  out->push_back(negative ? 0 : 2);
  out->push_back(static_cast<char>(negative ? 255 - n : n));
  for (size_t i = first; i < text.size(); ++i) {
    if (text[i] == '.') continue;
    const int d = text[i] - '0';
    out->push_back(static_cast<char>(negative ? 9 - d : d));
  }
}

void PutKeyValue(const Type& type, const Value& value, std::string* out) {
  switch (type.kind) {
    case TypeKind::kBoolean:
      out->push_back(value.as_bool() ? 1 : 0);
      return;
    case TypeKind::kFloat: {
      uint32_t bits;
      const float f = value.as_float();
      std::memcpy(&bits, &f, 4);
      PutBig32(OrderedFloat(bits), out);
      return;
    }
    case TypeKind::kDouble: {
      uint64_t bits;
      const double d = value.as_double();
      std::memcpy(&bits, &d, 8);
      PutBig64(OrderedDouble(bits), out);
      return;
    }
    case TypeKind::kDecimal:
      PutDecimal(value.as_string(), out);
      return;
    case TypeKind::kString:
    case TypeKind::kVarchar:
    case TypeKind::kChar:
    case TypeKind::kBinary:
    case TypeKind::kJson:
      PutEscaped(value.as_string(), out);
      return;
    case TypeKind::kTimestamp:
    case TypeKind::kTimestampNtz:
      PutBig64(OrderedInt(value.as_timestamp().seconds), out);
      PutBig32(static_cast<uint32_t>(value.as_timestamp().nanos), out);
      return;
    default:  // integers, DATE, DATETIME (nested types are never key columns)
      PutBig64(OrderedInt(value.as_int()), out);
      return;
  }
}

class KeyReader {
 public:
  explicit KeyReader(std::string_view key) : s_(key) {}
  bool done() const { return s_.empty(); }

  Status Corrupt(std::string_view what) const {
    return Internal("corrupt stored key: " + std::string(what));
  }

  Status Big(size_t n, uint64_t* v) {
    if (s_.size() < n) return Corrupt("truncated");
    *v = 0;
    for (size_t i = 0; i < n; ++i) *v = (*v << 8) | static_cast<uint8_t>(s_[i]);
    s_.remove_prefix(n);
    return Status::Ok();
  }

  Status Escaped(std::string* out) {
    out->clear();
    for (;;) {
      const size_t zero = s_.find('\0');
      if (zero == std::string_view::npos || zero + 1 >= s_.size()) return Corrupt("unterminated");
      out->append(s_.data(), zero);
      const char marker = s_[zero + 1];
      s_.remove_prefix(zero + 2);
      if (marker == '\x01') return Status::Ok();
      if (marker != '\xff') return Corrupt("bad escape");
      out->push_back('\0');
    }
  }

  Status Decimal(const Type& type, std::string* out) {
    uint64_t sign = 0, n = 0;
    DT_RETURN_IF_ERROR(Big(1, &sign));
    if (sign > 2) return Corrupt("bad DECIMAL sign");
    out->clear();
    if (sign == 1) {
      out->push_back('0');
      if (type.scale > 0) out->append("." + std::string(type.scale, '0'));
      return Status::Ok();
    }
    const bool negative = sign == 0;
    DT_RETURN_IF_ERROR(Big(1, &n));
    if (negative) n = 255 - n;
    if (n > 38) return Corrupt("bad DECIMAL digit count");
    const size_t digits = n + static_cast<size_t>(type.scale);
    if (s_.size() < digits) return Corrupt("truncated DECIMAL");
    if (negative) out->push_back('-');
    if (n == 0) out->push_back('0');
    for (size_t i = 0; i < digits; ++i) {
      if (i == n) out->push_back('.');
      const int d = negative ? 9 - s_[i] : s_[i];
      if (d < 0 || d > 9) return Corrupt("bad DECIMAL digit");
      out->push_back(static_cast<char>('0' + d));
    }
    s_.remove_prefix(digits);
    return Status::Ok();
  }

  Status ReadValue(const Type& type, Value* out) {
    uint64_t u = 0;
    switch (type.kind) {
      case TypeKind::kBoolean:
        DT_RETURN_IF_ERROR(Big(1, &u));
        out->v = u != 0;
        return Status::Ok();
      case TypeKind::kFloat: {
        DT_RETURN_IF_ERROR(Big(4, &u));
        uint32_t bits = static_cast<uint32_t>(u);
        bits = (bits & kSign32) ? bits ^ kSign32 : ~bits;
        float f;
        std::memcpy(&f, &bits, 4);
        out->v = f;
        return Status::Ok();
      }
      case TypeKind::kDouble: {
        DT_RETURN_IF_ERROR(Big(8, &u));
        u = (u & kSign64) ? u ^ kSign64 : ~u;
        double d;
        std::memcpy(&d, &u, 8);
        out->v = d;
        return Status::Ok();
      }
      case TypeKind::kDecimal: {
        std::string s;
        DT_RETURN_IF_ERROR(Decimal(type, &s));
        out->v = std::move(s);
        return Status::Ok();
      }
      case TypeKind::kString:
      case TypeKind::kVarchar:
      case TypeKind::kChar:
      case TypeKind::kBinary:
      case TypeKind::kJson: {
        std::string s;
        DT_RETURN_IF_ERROR(Escaped(&s));
        out->v = std::move(s);
        return Status::Ok();
      }
      case TypeKind::kTimestamp:
      case TypeKind::kTimestampNtz: {
        Timestamp ts;
        DT_RETURN_IF_ERROR(Big(8, &u));
        ts.seconds = static_cast<int64_t>(u ^ kSign64);
        DT_RETURN_IF_ERROR(Big(4, &u));
        if (u > 999'999'999) return Corrupt("nanoseconds out of range");
        ts.nanos = static_cast<int32_t>(u);
        out->v = ts;
        return Status::Ok();
      }
      case TypeKind::kArray:
      case TypeKind::kMap:
      case TypeKind::kStruct:
        return Corrupt("a nested type cannot be a key column");
      default:
        DT_RETURN_IF_ERROR(Big(8, &u));
        out->v = static_cast<int64_t>(u ^ kSign64);
        return Status::Ok();
    }
  }

 private:
  std::string_view s_;
};

}  // namespace

void EncodeKey(const TableSchema& schema, const Row& row, std::string* out) {
  for (int k : schema.primary_key) PutKeyValue(schema.columns[k].type, row[k], out);
}

Status DecodeKey(const TableSchema& schema, std::string_view key, Row* row) {
  if (row->size() != schema.columns.size()) row->resize(schema.columns.size());
  KeyReader r(key);
  for (int k : schema.primary_key) {
    DT_RETURN_IF_ERROR(r.ReadValue(schema.columns[k].type, &(*row)[k]));
  }
  if (!r.done()) return r.Corrupt("trailing bytes");
  return Status::Ok();
}

}  // namespace deltatunnel::proto
