// parse(write(row)) == row for random rows of every type, in every body format and a few zones.
#include <catch2/catch.hpp>

#include <bit>
#include <cmath>
#include <random>

#include "deltatunnel/proto/civil_date.h"
#include "deltatunnel/server/format_row_writer.h"
#include "format_test_util.h"

namespace deltatunnel::server {
namespace {

using proto::List;
using proto::Type;
using proto::TypeKind;
using proto::Value;

class RandomValues {
 public:
  explicit RandomValues(uint64_t seed) : rng_(seed) {}

  Value Of(const Type& t, bool nullable = true) {
    if (nullable && Int(0, 5) == 0) return Value();
    switch (t.kind) {
      case TypeKind::kBoolean:
        return Value(Int(0, 1) == 1);
      case TypeKind::kTinyint:
        return Value(Int(INT8_MIN, INT8_MAX));
      case TypeKind::kSmallint:
        return Value(Int(INT16_MIN, INT16_MAX));
      case TypeKind::kInt:
        return Value(Int(INT32_MIN, INT32_MAX));
      case TypeKind::kBigint:
        return Value(Int(INT64_MIN, INT64_MAX));
      case TypeKind::kFloat: {
        float f;
        do {
          f = std::bit_cast<float>(static_cast<uint32_t>(rng_()));
        } while (std::isnan(f));
        return Value(f);
      }
      case TypeKind::kDouble: {
        double d;
        do {
          d = std::bit_cast<double>(static_cast<uint64_t>(rng_()));
        } while (std::isnan(d));
        return Value(d);
      }
      case TypeKind::kDecimal:
        return Value(Decimal(t.precision, t.scale));
      case TypeKind::kString:
      case TypeKind::kJson:
        return Value(Text(Int(0, 30)));
      case TypeKind::kVarchar:
      case TypeKind::kChar:
        return Value(Text(Int(0, t.length)));
      case TypeKind::kBinary: {
        std::string s(static_cast<size_t>(Int(0, 20)), '\0');
        for (char& c : s) c = static_cast<char>(rng_());
        return Value(s);
      }
      case TypeKind::kDate:
        return Value(Int(proto::kMinDateDays, proto::kMaxDateDays));
      case TypeKind::kDatetime:
        return Value(
            Int(proto::kMinDateDays * 86'400'000, (proto::kMaxDateDays + 1) * 86'400'000 - 1));
      case TypeKind::kTimestamp:
      case TypeKind::kTimestampNtz: {
        const int64_t s = Int(proto::kMinDateDays * 86400, (proto::kMaxDateDays + 1) * 86400 - 1);
        const int64_t scale[] = {0, 1'000'000, 1000, 1};  // whole, ms, us, ns
        const int64_t unit = scale[Int(0, 3)];
        return Value(proto::Timestamp{
            s, static_cast<int32_t>(unit == 0 ? 0 : Int(0, 999'999'999) / unit * unit)});
      }
      case TypeKind::kArray: {
        List l;
        for (int64_t i = Int(0, 3); i > 0; --i) l.push_back(Of(t.children[0]));
        return Value(std::move(l));
      }
      case TypeKind::kMap: {
        List l;
        for (int64_t i = Int(0, 3); i > 0; --i) {
          Value k = Of(t.children[0], false);
          bool dup = false;
          for (size_t j = 0; j < l.size(); j += 2) dup = dup || l[j] == k;
          if (dup) continue;
          l.push_back(std::move(k));
          l.push_back(Of(t.children[1]));
        }
        return Value(std::move(l));
      }
      case TypeKind::kStruct: {
        List l;
        for (const Type& c : t.children) l.push_back(Of(c));
        return Value(std::move(l));
      }
    }
    return Value();
  }

  int64_t Int(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng_);
  }

 private:
  std::string Decimal(int precision, int scale) {
    std::string digits;
    const int64_t int_digits = Int(0, precision - scale);
    for (int64_t i = 0; i < int_digits; ++i) {
      digits.push_back(static_cast<char>('0' + Int(i == 0 ? 1 : 0, 9)));
    }
    if (digits.empty()) digits.push_back('0');
    if (scale > 0) digits.push_back('.');
    for (int i = 0; i < scale; ++i) digits.push_back(static_cast<char>('0' + Int(0, 9)));
    const bool zero = digits.find_first_not_of("0.") == std::string::npos;
    return (Int(0, 1) == 1 && !zero ? "-" : "") + digits;
  }

  // ASCII with the characters formats must escape, plus 2-, 3- and 4-byte UTF-8.
  std::string Text(int64_t chars) {
    static const char* const kPieces[] = {"a",
                                          "Z",
                                          "0",
                                          " ",
                                          ",",
                                          "\"",
                                          "\\",
                                          "\n",
                                          "\r",
                                          "\t",
                                          "\x01",
                                          "/",
                                          "\xC3\xA9",
                                          "\xE4\xB8\xAD",
                                          "\xF0\x9F\x98\x80",
                                          "'"};
    std::string s;
    for (int64_t i = 0; i < chars; ++i) s += kPieces[Int(0, std::size(kPieces) - 1)];
    return s;
  }

  std::mt19937_64 rng_;
};

const proto::TableSchema& AllTypes() {
  static const proto::TableSchema s =
      testing::MakeSchema({{"id", "BIGINT"},
                           {"b", "BOOLEAN"},
                           {"i8", "TINYINT"},
                           {"i16", "SMALLINT"},
                           {"i32", "INT"},
                           {"i64", "BIGINT"},
                           {"f", "FLOAT"},
                           {"d", "DOUBLE"},
                           {"dec", "DECIMAL(18,3)"},
                           {"dec38", "DECIMAL(38,10)"},
                           {"dec0", "DECIMAL(5,0)"},
                           {"s", "STRING"},
                           {"vc", "VARCHAR(10)"},
                           {"ch", "CHAR(4)"},
                           {"bin", "BINARY"},
                           {"js", "JSON"},
                           {"day", "DATE"},
                           {"dt", "DATETIME"},
                           {"ts", "TIMESTAMP"},
                           {"ntz", "TIMESTAMP_NTZ"},
                           {"arr", "ARRAY<INT>"},
                           {"m", "MAP<STRING,DOUBLE>"},
                           {"mk", "MAP<TIMESTAMP,ARRAY<DATE>>"},
                           {"st", "STRUCT<a:DECIMAL(10,2),b:ARRAY<TIMESTAMP_NTZ>,c:BINARY>"}});
  return s;
}

// The scalar columns only: CSV does not take ARRAY, MAP or STRUCT.
const proto::TableSchema& Scalars() {
  static const proto::TableSchema s = [] {
    proto::TableSchema t = AllTypes();
    while (!t.columns.back().type.IsScalar()) t.columns.pop_back();
    return t;
  }();
  return s;
}

void RoundTrip(const proto::TableSchema& schema, BodyFormat format, const TimeZone& zone,
               uint64_t seed) {
  RandomValues random(seed);
  std::vector<proto::Row> rows;
  for (int i = 0; i < 200; ++i) {
    proto::Row row;
    for (size_t c = 0; c < schema.columns.size(); ++c) {
      row.push_back(c == 0 ? Value(int64_t{i}) : random.Of(schema.columns[c].type));
    }
    rows.push_back(std::move(row));
  }
  Result<RowWriter> writer = RowWriter::Create(schema, {.format = format, .time_zone = &zone});
  REQUIRE(writer.ok());
  std::string body;
  writer->Begin(&body);
  for (const auto& r : rows) writer->Write(r, {}, &body);
  writer->End(&body);

  LoadOptions options;
  options.time_zone = &zone;
  const testing::Loaded l = testing::Load(schema, format, body, options);
  INFO("zone " << zone.name() << ", seed " << seed << ": " << testing::FirstError(l));
  REQUIRE_FALSE(l.result.refused);
  REQUIRE(l.rows.size() == rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    for (size_t c = 0; c < rows[i].size(); ++c) {
      INFO("row " << i << ", column " << schema.columns[c].name);
      REQUIRE(l.rows[i][c] == rows[i][c]);
    }
  }
}

TEST_CASE("random rows of every type survive NDJSON, JSON and CSV") {
  for (const char* zone_name : {"UTC", "America/New_York", "Asia/Kolkata", "-03:30"}) {
    const TimeZone zone = TimeZone::Parse(zone_name).value();
    for (uint64_t seed = 1; seed <= 3; ++seed) {
      RoundTrip(AllTypes(), BodyFormat::kNdjson, zone, seed);
      RoundTrip(AllTypes(), BodyFormat::kJson, zone, seed + 100);
      RoundTrip(Scalars(), BodyFormat::kCsv, zone, seed + 200);
    }
  }
}

TEST_CASE("NaN and infinities come back", "[format]") {
  const proto::TableSchema s =
      testing::MakeSchema({{"id", "BIGINT"}, {"d", "DOUBLE"}, {"f", "FLOAT"}});
  for (BodyFormat format : {BodyFormat::kNdjson, BodyFormat::kCsv}) {
    Result<RowWriter> w = RowWriter::Create(s, {.format = format});
    std::string body;
    w->Begin(&body);
    w->Write({Value(int64_t{1}), Value(std::nan("")), Value(HUGE_VALF)}, {}, &body);
    w->Write({Value(int64_t{2}), Value(-HUGE_VAL), Value(-HUGE_VALF)}, {}, &body);
    const testing::Loaded l = testing::Load(s, format, body);
    REQUIRE(l.rows.size() == 2);
    CHECK(std::isnan(l.rows[0][1].as_double()));
    CHECK(l.rows[0][2] == Value(HUGE_VALF));
    CHECK(l.rows[1][1] == Value(-HUGE_VAL));
    CHECK(l.rows[1][2] == Value(-HUGE_VALF));
  }
}

}  // namespace
}  // namespace deltatunnel::server
