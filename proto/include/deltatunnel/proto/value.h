// One value of any column type, and a row of them. The representation by type:
//
//   null                      std::monostate
//   BOOLEAN                   bool
//   TINYINT..BIGINT           int64_t (range checked against the type)
//   FLOAT / DOUBLE            float / double
//   DECIMAL(p,s)              std::string: canonical text with exactly s fraction digits ("-12.30")
//   STRING VARCHAR CHAR JSON  std::string (UTF-8); BINARY: std::string of raw bytes
//   DATE                      int64_t epoch days
//   DATETIME                  int64_t epoch milliseconds, wall clock taken as UTC
//   TIMESTAMP, TIMESTAMP_NTZ  Timestamp (epoch seconds + nanos; NTZ is wall clock taken as UTC)
//   ARRAY / STRUCT            List: the elements / the fields in order
//   MAP                       List: k0, v0, k1, v1, ...
#pragma once

#include <compare>
#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace deltatunnel::proto {

struct Timestamp {
  int64_t seconds = 0;
  int32_t nanos = 0;  // 0..999'999'999
  friend auto operator<=>(const Timestamp&, const Timestamp&) = default;
};

struct Value;
using List = std::vector<Value>;

struct Value {
  std::variant<std::monostate, bool, int64_t, float, double, std::string, Timestamp, List> v;

  Value() = default;
  template <typename T>
  Value(T x) : v(std::move(x)) {}               // NOLINT: implicit by design
  Value(int x) : v(static_cast<int64_t>(x)) {}  // NOLINT
  Value(const char* s) : v(std::string(s)) {}   // NOLINT

  bool is_null() const { return std::holds_alternative<std::monostate>(v); }
  bool as_bool() const { return std::get<bool>(v); }
  int64_t as_int() const { return std::get<int64_t>(v); }
  float as_float() const { return std::get<float>(v); }
  double as_double() const { return std::get<double>(v); }
  const std::string& as_string() const { return std::get<std::string>(v); }
  const Timestamp& as_timestamp() const { return std::get<Timestamp>(v); }
  const List& as_list() const { return std::get<List>(v); }

  friend bool operator==(const Value& a, const Value& b) { return a.v == b.v; }
};

// A row: one value per data column of the schema, in schema order (partition columns excluded).
using Row = std::vector<Value>;

}  // namespace deltatunnel::proto
