// Column types: the closed set of api.md section 2, parsed from and printed to their SQL spelling.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "deltatunnel/proto/status.h"

namespace deltatunnel::proto {

enum class TypeKind : uint8_t {
  kBoolean,
  kTinyint,
  kSmallint,
  kInt,
  kBigint,
  kFloat,
  kDouble,
  kDecimal,
  kString,
  kVarchar,
  kChar,
  kBinary,
  kJson,
  kDate,
  kDatetime,
  kTimestamp,
  kTimestampNtz,
  kArray,
  kMap,
  kStruct,
};

struct Type {
  TypeKind kind = TypeKind::kString;
  int precision = 0;                     // DECIMAL(p,s): 1..38
  int scale = 0;                         // DECIMAL(p,s): 0..p
  int length = 0;                        // VARCHAR(n), CHAR(n): 1..65535
  std::vector<Type> children;            // ARRAY: element; MAP: key, value; STRUCT: the fields
  std::vector<std::string> field_names;  // STRUCT only, parallel to children

  // Parses "BIGINT", "decimal(18, 2)", "ARRAY<MAP<STRING,INT>>", "STRUCT<a:INT,b:STRING>" (any
  // case, spaces allowed). DECIMAL without arguments is DECIMAL(38,18).
  static Result<Type> Parse(std::string_view text);
  // The canonical upper-case spelling, "DECIMAL(18,2)", "STRUCT<a:INT,b:STRING>".
  std::string ToString() const;

  bool IsScalar() const { return kind < TypeKind::kArray; }
  bool IsInteger() const { return kind >= TypeKind::kTinyint && kind <= TypeKind::kBigint; }
  bool IsStringLike() const {
    return kind == TypeKind::kString || kind == TypeKind::kVarchar || kind == TypeKind::kChar ||
           kind == TypeKind::kBinary || kind == TypeKind::kJson;
  }
  friend bool operator==(const Type&, const Type&) = default;
};

}  // namespace deltatunnel::proto
