// RowUpgrade: a row stored in an older schema, upgraded, is exactly the encoding of the row the
// newer schema reads (added columns' defaults or null, FLOAT widened to DOUBLE), across null
// bitmaps of every width and whether or not the values keep their bytes.
#include <random>

#include "deltatunnel/proto/row_codec.h"
#include "row_upgrade.h"
#include "schema_change.h"
#include "test_util.h"

using namespace dt_test;

namespace {

using proto::TypeKind;
using proto::Value;

// `width` data columns cycling through INT, VARCHAR(5), DECIMAL(10,2), STRING and (with_float)
// FLOAT; column 0 the BIGINT key.
proto::TableSchema Old(size_t width, bool with_float) {
  proto::TableSchema s;
  s.columns.push_back({"k", TypeOf(TypeKind::kBigint), false, ""});
  const proto::Type cycle[] = {TypeOf(TypeKind::kInt), TypeOf(TypeKind::kVarchar, 0, 0, 5),
                               TypeOf(TypeKind::kDecimal, 10, 2), TypeOf(TypeKind::kString),
                               with_float ? TypeOf(TypeKind::kFloat) : TypeOf(TypeKind::kSmallint)};
  for (size_t i = 1; i < width; ++i)
    s.columns.push_back({"c" + std::to_string(i), cycle[i % 5], true, ""});
  s.primary_key = {0};
  return s;
}

Value RandomValue(const proto::Type& t, std::mt19937& rng) {
  if (std::uniform_int_distribution<int>(0, 2)(rng) == 0) return Value();
  const int x = std::uniform_int_distribution<int>(0, 999)(rng);
  switch (t.kind) {
    case TypeKind::kFloat:
      return Value(static_cast<float>(x) / 8);
    case TypeKind::kDecimal:
      return Value(std::to_string(x) + ".25");
    case TypeKind::kVarchar:
      return Value(std::string(static_cast<size_t>(x % 6), 'v'));
    case TypeKind::kString:
      return Value("s" + std::to_string(x));
    default:
      return Value(int64_t{x});
  }
}

}  // namespace

TEST_CASE("row upgrade: the bytes of the row the new schema reads", "[storage][schema]") {
  std::mt19937 rng(2026);
  for (bool with_float : {false, true}) {
    for (size_t width : {1u, 2u, 7u, 8u, 9u, 15u, 16u, 17u}) {
      const proto::TableSchema from = Old(width, with_float);
      SchemaChange change;
      for (int a = 0; a < 10; ++a) {  // crosses bitmap bytes
        proto::Column c{"a" + std::to_string(a),
                        a % 3 == 0 ? TypeOf(TypeKind::kString) : TypeOf(TypeKind::kBigint), true,
                        ""};
        if (a % 2 == 0) {
          c.default_value =
              a % 3 == 0 ? Value(std::string("d") + std::to_string(a)) : Value(int64_t{-a});
        }
        change.add_columns.push_back(c);
      }
      for (size_t i = 1; i < width; ++i) {
        const proto::Type& t = from.columns[i].type;
        if (t.kind == TypeKind::kInt)
          change.widenings.push_back({from.columns[i].name, TypeOf(TypeKind::kBigint)});
        if (t.kind == TypeKind::kVarchar)
          change.widenings.push_back({from.columns[i].name, TypeOf(TypeKind::kString)});
        if (t.kind == TypeKind::kDecimal)
          change.widenings.push_back({from.columns[i].name, TypeOf(TypeKind::kDecimal, 20, 2)});
        if (t.kind == TypeKind::kFloat)
          change.widenings.push_back({from.columns[i].name, TypeOf(TypeKind::kDouble)});
      }
      const proto::TableSchema to = Must(ApplySchemaChange(from, change));
      RowUpgrade upgrade(from, to);
      for (int n = 0; n < 50; ++n) {
        proto::Row row;
        row.push_back(Value(int64_t{n}));
        for (size_t i = 1; i < width; ++i) row.push_back(RandomValue(from.columns[i].type, rng));
        std::string stored, upgraded, want;
        proto::EncodeRow(from, row, &stored);
        for (size_t i = 0; i < width; ++i) {
          if (!row[i].is_null() && from.columns[i].type.kind == TypeKind::kFloat) {
            row[i] = Value(static_cast<double>(row[i].as_float()));
          }
        }
        for (size_t i = width; i < to.columns.size(); ++i)
          row.push_back(to.columns[i].default_value);
        proto::EncodeRow(to, row, &want);
        MustOk(upgrade.Apply(stored, &upgraded));
        INFO("width " << width << " float " << with_float << " row " << n);
        REQUIRE(upgraded == want);
        proto::Row back;
        MustOk(proto::DecodeRow(to, upgraded, &back));
        REQUIRE(back == row);
      }
    }
  }
}
