#include <catch2/catch.hpp>

#include "deltatunnel/proto/row_codec.h"
#include "test_values.h"

using namespace deltatunnel;
using namespace deltatunnel::proto;
using deltatunnel::proto::testing::RandomValue;
using deltatunnel::proto::testing::T;

namespace {

const char* const kAllTypes[] = {
    "BOOLEAN",
    "TINYINT",
    "SMALLINT",
    "INT",
    "BIGINT",
    "FLOAT",
    "DOUBLE",
    "DECIMAL(18,2)",
    "DECIMAL(38,10)",
    "DECIMAL(5,0)",
    "STRING",
    "VARCHAR(10)",
    "CHAR(4)",
    "BINARY",
    "JSON",
    "DATE",
    "DATETIME",
    "TIMESTAMP",
    "TIMESTAMP_NTZ",
    "ARRAY<INT>",
    "ARRAY<ARRAY<STRING>>",
    "MAP<STRING,DOUBLE>",
    "MAP<BIGINT,ARRAY<DECIMAL(10,3)>>",
    "STRUCT<a:INT,b:STRING,c:DATE>",
    "STRUCT<x:ARRAY<STRUCT<y:BOOLEAN,z:TIMESTAMP>>,m:MAP<INT,STRING>>"};

TableSchema AllTypes() {
  TableSchema s;
  s.columns.push_back({"k", T("BIGINT"), false, ""});
  int i = 0;
  for (const char* type : kAllTypes) s.columns.push_back({"c" + std::to_string(i++), T(type)});
  s.primary_key = {0};
  return s;
}

}  // namespace

TEST_CASE("rows of every type round trip, nulls included", "[row_codec]") {
  const TableSchema s = AllTypes();
  REQUIRE(s.Validate().ok());
  std::mt19937_64 rng(42);
  std::string bytes;
  Row back;
  for (int n = 0; n < 2000; ++n) {
    Row row;
    for (const Column& c : s.columns) row.push_back(RandomValue(rng, c.type, c.nullable));
    const Status normalized = NormalizeRow(s, false, &row);
    INFO(normalized.ToString());
    REQUIRE(normalized.ok());
    bytes.clear();
    EncodeRow(s, row, &bytes);
    REQUIRE(DecodeRow(s, bytes, &back).ok());
    REQUIRE(back == row);
  }
}

TEST_CASE("an all-null row and a wide row", "[row_codec]") {
  TableSchema s;
  for (int i = 0; i < 20; ++i) s.columns.push_back({"c" + std::to_string(i), T("INT")});
  Row row(20);
  std::string bytes;
  EncodeRow(s, row, &bytes);
  CHECK(bytes == std::string("\xff\xff\x0f", 3));
  Row back;
  REQUIRE(DecodeRow(s, bytes, &back).ok());
  CHECK(back == row);
  row[9] = Value(int64_t{-1});
  bytes.clear();
  EncodeRow(s, row, &bytes);
  CHECK(bytes == std::string("\xff\xfd\x0f\x01", 4));  // zigzag(-1) = 1
}

TEST_CASE("corrupt row bytes are refused, never read past the end", "[row_codec]") {
  const TableSchema s = AllTypes();
  std::mt19937_64 rng(7);
  Row back;
  for (int n = 0; n < 300; ++n) {
    Row row;
    for (const Column& c : s.columns) row.push_back(RandomValue(rng, c.type, c.nullable));
    const Status normalized = NormalizeRow(s, false, &row);
    INFO(normalized.ToString());
    REQUIRE(normalized.ok());
    std::string bytes;
    EncodeRow(s, row, &bytes);
    // Every strict prefix is refused (the encoding is self-delimiting).
    for (size_t cut = 0; cut < bytes.size(); cut += 1 + bytes.size() / 16) {
      Status st = DecodeRow(s, std::string_view(bytes).substr(0, cut), &back);
      REQUIRE(st.code() == ErrorCode::kInternalServerError);
    }
    CHECK(DecodeRow(s, bytes + "x", &back).code() == ErrorCode::kInternalServerError);
    // Random byte flips either decode to something or are refused; they never crash.
    for (int f = 0; f < 4; ++f) {
      std::string flipped = bytes;
      flipped[rng() % flipped.size()] ^= static_cast<char>(1 + rng() % 255);
      (void)DecodeRow(s, flipped, &back);
    }
  }
}

TEST_CASE("a huge element count is refused without allocating it", "[row_codec]") {
  TableSchema s;
  s.columns = {{"a", T("ARRAY<INT>"), true, ""}};
  // bitmap 0x00 (not null), count varint 2^40.
  const std::string bytes("\x00\x80\x80\x80\x80\x80\x20", 7);
  Row back;
  CHECK(DecodeRow(s, bytes, &back).code() == ErrorCode::kInternalServerError);
}
