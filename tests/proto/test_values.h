// Random normalised values of any type, for the property and round-trip tests of proto.
#pragma once

#include <catch2/catch.hpp>
#include <compare>
#include <random>
#include <string>

#include "deltatunnel/proto/row_codec.h"
#include "deltatunnel/proto/type.h"
#include "deltatunnel/proto/value.h"

namespace deltatunnel::proto::testing {

inline Type T(std::string_view text) {
  Result<Type> t = Type::Parse(text);
  REQUIRE(t.ok());
  return t.value();
}

// Integers drawn mostly near zero and near the type's ends, where encodings go wrong.
inline int64_t RandomInt(std::mt19937_64& rng, int64_t lo, int64_t hi) {
  switch (rng() % 4) {
    case 0:
      return std::uniform_int_distribution<int64_t>(std::max<int64_t>(lo, -300),
                                                    std::min<int64_t>(hi, 300))(rng);
    case 1:
      return rng() % 2 ? lo + static_cast<int64_t>(rng() % 3)
                       : hi - static_cast<int64_t>(rng() % 3);
    default:
      return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  }
}

inline std::string RandomBytes(std::mt19937_64& rng, bool text) {
  static const char kAlphabet[] = {'\0', '\x01', 'a', 'b', '\xff', '\x7f', '\x80', 'z'};
  std::string s(rng() % 6, ' ');
  for (char& c : s) {
    c = text ? static_cast<char>('a' + rng() % 3) : kAlphabet[rng() % sizeof kAlphabet];
  }
  return s;
}

inline std::string RandomDecimal(std::mt19937_64& rng, const Type& t) {
  std::string s = rng() % 2 ? "-" : "";
  const int int_digits = static_cast<int>(rng() % (t.precision - t.scale + 1));
  for (int i = 0; i < int_digits; ++i) s += static_cast<char>('0' + rng() % 10);
  if (int_digits == 0) s += '0';
  if (t.scale > 0) s += '.';
  for (int i = 0; i < t.scale; ++i) s += static_cast<char>('0' + (rng() % 3 == 0 ? 0 : rng() % 10));
  Value v(s);
  REQUIRE(NormalizeValue(t, &v).ok());
  return v.as_string();
}

inline Value RandomValue(std::mt19937_64& rng, const Type& t, bool allow_null) {
  if (allow_null && rng() % 5 == 0) return Value();
  switch (t.kind) {
    case TypeKind::kBoolean:
      return Value(rng() % 2 == 0);
    case TypeKind::kTinyint:
      return Value(RandomInt(rng, INT8_MIN, INT8_MAX));
    case TypeKind::kSmallint:
      return Value(RandomInt(rng, INT16_MIN, INT16_MAX));
    case TypeKind::kInt:
      return Value(RandomInt(rng, INT32_MIN, INT32_MAX));
    case TypeKind::kBigint:
      return Value(RandomInt(rng, INT64_MIN, INT64_MAX));
    case TypeKind::kDate:
      return Value(RandomInt(rng, -719162, 2932896));
    case TypeKind::kDatetime:
      return Value(RandomInt(rng, -719162 * 86400000LL, 2932897 * 86400000LL - 1));
    case TypeKind::kFloat: {
      const float special[] = {0.0f, -0.0f, 1.5f, -1.5f, 3.4e38f, -3.4e38f, 1e-45f, -1e-45f};
      if (rng() % 3 == 0) return Value(special[rng() % 8]);
      return Value(std::uniform_real_distribution<float>(-1e6f, 1e6f)(rng));
    }
    case TypeKind::kDouble: {
      const double special[] = {0.0, -0.0, 1.5, -1.5, 1.7e308, -1.7e308, 5e-324, -5e-324};
      if (rng() % 3 == 0) return Value(special[rng() % 8]);
      return Value(std::uniform_real_distribution<double>(-1e12, 1e12)(rng));
    }
    case TypeKind::kDecimal:
      return Value(RandomDecimal(rng, t));
    case TypeKind::kString:
    case TypeKind::kBinary:
      return Value(RandomBytes(rng, false));
    case TypeKind::kVarchar:
    case TypeKind::kChar: {
      std::string s = RandomBytes(rng, true);
      if (s.size() > static_cast<size_t>(t.length)) s.resize(t.length);
      return Value(std::move(s));
    }
    case TypeKind::kJson:
      return Value(RandomBytes(rng, true));
    case TypeKind::kTimestamp:
    case TypeKind::kTimestampNtz:
      return Value(Timestamp{RandomInt(rng, -62135596800LL, 253402300799LL),
                             static_cast<int32_t>(RandomInt(rng, 0, 999'999'999))});
    case TypeKind::kArray: {
      List l(rng() % 4);
      for (Value& e : l) e = RandomValue(rng, t.children[0], true);
      return Value(std::move(l));
    }
    case TypeKind::kMap: {
      List l(2 * (rng() % 3));
      for (size_t i = 0; i < l.size(); ++i) l[i] = RandomValue(rng, t.children[i % 2], true);
      return Value(std::move(l));
    }
    case TypeKind::kStruct: {
      List l(t.children.size());
      for (size_t i = 0; i < l.size(); ++i) l[i] = RandomValue(rng, t.children[i], true);
      return Value(std::move(l));
    }
  }
  return Value();
}

// The natural order of two non-null scalar values of one type, computed independently of the
// key encoding. FLOAT and DOUBLE use IEEE totalOrder (-0 before +0).
inline std::strong_ordering CompareScalar(const Type& t, const Value& a, const Value& b) {
  switch (t.kind) {
    case TypeKind::kBoolean:
      return a.as_bool() <=> b.as_bool();
    case TypeKind::kFloat:
      return std::strong_order(a.as_float(), b.as_float());
    case TypeKind::kDouble:
      return std::strong_order(a.as_double(), b.as_double());
    case TypeKind::kDecimal: {
      __extension__ using I128 = __int128;
      auto parse = [](const std::string& s) {
        I128 v = 0;
        for (char c : s) {
          if (c >= '0' && c <= '9') v = v * 10 + (c - '0');
        }
        return s[0] == '-' ? -v : v;
      };
      const I128 x = parse(a.as_string()), y = parse(b.as_string());
      return x < y ? std::strong_ordering::less
                   : (x > y ? std::strong_ordering::greater : std::strong_ordering::equal);
    }
    case TypeKind::kTimestamp:
    case TypeKind::kTimestampNtz:
      return a.as_timestamp() <=> b.as_timestamp();
    default:
      if (t.IsStringLike()) {
        const int c = a.as_string().compare(b.as_string());
        return c <=> 0;
      }
      return a.as_int() <=> b.as_int();
  }
}

}  // namespace deltatunnel::proto::testing
