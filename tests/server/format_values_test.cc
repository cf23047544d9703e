// Values in JSON bodies (api.md section 3 "Input"), type by type: what is accepted, what it
// becomes, and what is refused with which message.
#include <catch2/catch.hpp>

#include <cmath>

#include "format_test_util.h"

namespace deltatunnel::server {
namespace {

using proto::List;
using proto::Timestamp;
using proto::Value;
using testing::FirstError;
using testing::Load;
using testing::MakeSchema;

// Loads {"id": 1, "v": <json>} into a table whose column v has `type`.
testing::Loaded LoadOne(const std::string& type, const std::string& json,
                        const TimeZone* zone = nullptr) {
  const proto::TableSchema schema = MakeSchema({{"id", "BIGINT"}, {"v", type}});
  LoadOptions options;
  options.time_zone = zone;
  return Load(schema, BodyFormat::kNdjson, "{\"id\": 1, \"v\": " + json + "}\n", options);
}

Value Accepted(const std::string& type, const std::string& json, const TimeZone* zone = nullptr) {
  testing::Loaded l = LoadOne(type, json, zone);
  INFO(type << " " << json << ": " << FirstError(l));
  REQUIRE_FALSE(l.result.refused);
  REQUIRE(l.rows.size() == 1);
  return l.rows[0][1];
}

std::string Refused(const std::string& type, const std::string& json) {
  testing::Loaded l = LoadOne(type, json);
  INFO(type << " " << json);
  REQUIRE(l.result.refused);
  REQUIRE(l.result.errors.size() == 1);
  CHECK(l.result.errors[0].line == 1);
  CHECK(l.result.errors[0].column == "v");
  return l.result.errors[0].reason;
}

TEST_CASE("integers: numbers and decimal strings, range checked per type") {
  CHECK(Accepted("BIGINT", "42") == Value(int64_t{42}));
  CHECK(Accepted("BIGINT", "\"-42\"") == Value(int64_t{-42}));
  CHECK(Accepted("BIGINT", "\"+7\"") == Value(int64_t{7}));
  CHECK(Accepted("BIGINT", "9223372036854775807") == Value(INT64_MAX));
  CHECK(Accepted("BIGINT", "-9223372036854775808") == Value(INT64_MIN));
  CHECK(Accepted("TINYINT", "-128") == Value(int64_t{-128}));
  CHECK(Accepted("INT", "null").is_null());
  CHECK_THAT(Refused("BIGINT", "9223372036854775808"), Catch::Contains("out of range for BIGINT"));
  CHECK_THAT(Refused("TINYINT", "128"), Catch::Contains("out of range for TINYINT"));
  CHECK_THAT(Refused("SMALLINT", "\"40000\""), Catch::Contains("out of range for SMALLINT"));
  CHECK_THAT(Refused("INT", "1.5"), Catch::Contains("'1.5' is not an integer"));
  CHECK_THAT(Refused("INT", "1e3"), Catch::Contains("not an integer"));
  CHECK_THAT(Refused("INT", "\"12abc\""), Catch::Contains("'12abc' is not an integer"));
  CHECK_THAT(Refused("INT", "\"\""), Catch::Contains("not an integer"));
  CHECK_THAT(Refused("INT", "true"), Catch::Contains("expected INT, got true"));
  CHECK_THAT(Refused("INT", "[1]"), Catch::Contains("got an array"));
}

TEST_CASE("FLOAT and DOUBLE: numbers or strings, NaN and infinities as strings") {
  CHECK(Accepted("DOUBLE", "1.5") == Value(1.5));
  CHECK(Accepted("DOUBLE", "-2e-3") == Value(-2e-3));
  CHECK(Accepted("DOUBLE", "\"3.25\"") == Value(3.25));
  CHECK(Accepted("DOUBLE", "7") == Value(7.0));
  CHECK(Accepted("FLOAT", "0.1") == Value(0.1f));
  CHECK(Accepted("DOUBLE", "0.1") == Value(0.1));
  CHECK(std::isnan(Accepted("DOUBLE", "\"NaN\"").as_double()));
  CHECK(Accepted("DOUBLE", "\"-Infinity\"") == Value(-HUGE_VAL));
  CHECK(Accepted("DOUBLE", "1e-400") == Value(0.0));
  CHECK_THAT(Refused("DOUBLE", "1e400"), Catch::Contains("out of range for DOUBLE"));
  CHECK_THAT(Refused("FLOAT", "1e39"), Catch::Contains("out of range for FLOAT"));
  CHECK_THAT(Refused("DOUBLE", "\"1.5x\""), Catch::Contains("'1.5x' is not a number"));
  CHECK_THAT(Refused("DOUBLE", "false"), Catch::Contains("expected DOUBLE, got false"));
}

TEST_CASE("DECIMAL: strings or numbers, kept exact, rounded half-up to the scale") {
  CHECK(Accepted("DECIMAL(18,2)", "\"12.3\"") == Value("12.30"));
  CHECK(Accepted("DECIMAL(18,2)", "12.345") == Value("12.35"));
  CHECK(Accepted("DECIMAL(18,2)", "-12.345") == Value("-12.35"));
  CHECK(Accepted("DECIMAL(18,2)", "7") == Value("7.00"));
  CHECK(Accepted("DECIMAL(18,2)", "1.5e2") == Value("150.00"));
  CHECK(Accepted("DECIMAL(18,2)", "\"125E-2\"") == Value("1.25"));
  CHECK(Accepted("DECIMAL(38,0)", "12345678901234567890123456789012345678") ==
        Value("12345678901234567890123456789012345678"));
  // Past a double's 17 digits: the text is used, never a double.
  CHECK(Accepted("DECIMAL(38,18)", "0.123456789012345678") == Value("0.123456789012345678"));
  CHECK(Accepted("DECIMAL(38,18)", "12345678901234567890.1234567890123456789") ==
        Value("12345678901234567890.123456789012345679"));
  CHECK_THAT(Refused("DECIMAL(5,2)", "\"1234.5\""), Catch::Contains("DECIMAL(5,2)"));
  CHECK_THAT(Refused("DECIMAL(18,2)", "\"1.2.3\""), Catch::Contains("'1.2.3' is not a decimal"));
  CHECK_THAT(Refused("DECIMAL(18,2)", "\"abc\""), Catch::Contains("not a decimal"));
  CHECK_THAT(Refused("DECIMAL(18,2)", "1e99999"), Catch::Contains("out of range"));
}

TEST_CASE("BOOLEAN: true and false") {
  CHECK(Accepted("BOOLEAN", "true") == Value(true));
  CHECK(Accepted("BOOLEAN", "false") == Value(false));
  CHECK(Accepted("BOOLEAN", "\"TRUE\"") == Value(true));
  CHECK_THAT(Refused("BOOLEAN", "1"), Catch::Contains("is not a BOOLEAN (true or false)"));
  CHECK_THAT(Refused("BOOLEAN", "\"yes\""), Catch::Contains("'yes' is not a BOOLEAN"));
}

TEST_CASE("string types take strings only") {
  CHECK(Accepted("STRING", "\"h\\u00e9llo\\n\"") == Value("h\xC3\xA9llo\n"));
  CHECK(Accepted("VARCHAR(3)", "\"abc\"") == Value("abc"));
  CHECK(Accepted("JSON", "\"{\\\"a\\\": 1}\"") == Value("{\"a\": 1}"));
  CHECK(Accepted("STRING", "\"\"") == Value(""));
  CHECK_THAT(Refused("STRING", "12"),
             Catch::Contains("expected a JSON string for STRING, got the number '12'"));
  CHECK_THAT(Refused("STRING", "true"), Catch::Contains("expected STRING, got true"));
  CHECK_THAT(Refused("VARCHAR(3)", "\"abcd\""), Catch::Contains("VARCHAR(3)"));
  CHECK_THAT(Refused("STRING", "{}"), Catch::Contains("got an object"));
}

TEST_CASE("BINARY is base64") {
  CHECK(Accepted("BINARY", "\"AAEC/w==\"") == Value(std::string("\x00\x01\x02\xFF", 4)));
  CHECK(Accepted("BINARY", "\"AAEC/w\"") == Value(std::string("\x00\x01\x02\xFF", 4)));
  CHECK(Accepted("BINARY", "\"\"") == Value(""));
  CHECK_THAT(Refused("BINARY", "\"not base64!\""), Catch::Contains("is not base64"));
  CHECK_THAT(Refused("BINARY", "\"QR==\""), Catch::Contains("is not base64"));
  CHECK_THAT(Refused("BINARY", "5"), Catch::Contains("expected a JSON string for BINARY"));
}

TEST_CASE("DATE is YYYY-MM-DD from 0001-01-01 to 9999-12-31") {
  CHECK(Accepted("DATE", "\"1970-01-02\"") == Value(int64_t{1}));
  CHECK(Accepted("DATE", "\"0001-01-01\"") == Value(int64_t{-719162}));
  CHECK(Accepted("DATE", "\"9999-12-31\"") == Value(int64_t{2932896}));
  CHECK(Accepted("DATE", "\"2024-02-29\"") == Value(int64_t{19782}));
  CHECK_THAT(Refused("DATE", "\"2023-02-29\""), Catch::Contains("'2023-02-29' is not a date"));
  CHECK_THAT(Refused("DATE", "\"0000-12-31\""), Catch::Contains("not a date"));
  CHECK_THAT(Refused("DATE", "\"2026-1-5\""), Catch::Contains("not a date YYYY-MM-DD"));
  CHECK_THAT(Refused("DATE", "20261125"), Catch::Contains("expected a JSON string for DATE"));
}

TEST_CASE("DATETIME and TIMESTAMP_NTZ are wall-clock text") {
  CHECK(Accepted("DATETIME", "\"1970-01-01 00:00:01.5\"") == Value(int64_t{1500}));
  CHECK(Accepted("DATETIME", "\"1970-01-01T00:00:01\"") == Value(int64_t{1000}));
  CHECK(Accepted("DATETIME", "\"1969-12-31 23:59:59.999\"") == Value(int64_t{-1}));
  CHECK(Accepted("TIMESTAMP_NTZ", "\"2026-11-25 10:00:00.123456789\"") ==
        Value(Timestamp{1795600800, 123456789}));
  CHECK(Accepted("TIMESTAMP_NTZ", "\"0001-01-01 00:00:00\"") == Value(Timestamp{-62135596800, 0}));
  CHECK_THAT(Refused("DATETIME", "\"2026-11-25 10:00:00.1234\""),
             Catch::Contains("DATETIME keeps milliseconds"));
  CHECK_THAT(Refused("DATETIME", "\"2026-11-25 10:00:00+08:00\""),
             Catch::Contains("without a zone; remove the offset"));
  CHECK_THAT(Refused("TIMESTAMP_NTZ", "\"2026-11-25 24:00:00\""),
             Catch::Contains("outside 00:00:00 to 23:59:59"));
  CHECK_THAT(Refused("TIMESTAMP_NTZ", "\"2026-11-25 10:00:00.1234567891\""),
             Catch::Contains("more than 9 fraction digits"));
  CHECK_THAT(Refused("TIMESTAMP_NTZ", "\"2026-11-25\""), Catch::Contains("not a date and time"));
  CHECK_THAT(Refused("DATETIME", "1000"), Catch::Contains("expected a JSON string for DATETIME"));
}

TEST_CASE("TIMESTAMP: RFC 3339 with an offset, epoch milliseconds, or the request's zone") {
  const Timestamp t{1795600800, 0};  // 2026-11-25T10:00:00Z
  CHECK(Accepted("TIMESTAMP", "\"2026-11-25T10:00:00Z\"") == Value(t));
  CHECK(Accepted("TIMESTAMP", "\"2026-11-25T18:00:00+08:00\"") == Value(t));
  CHECK(Accepted("TIMESTAMP", "\"2026-11-25 05:00:00-0500\"") == Value(t));
  CHECK(Accepted("TIMESTAMP", "1795600800123") == Value(Timestamp{1795600800, 123000000}));
  CHECK(Accepted("TIMESTAMP", "-1") == Value(Timestamp{-1, 999000000}));
  CHECK(Accepted("TIMESTAMP", "\"2026-11-25 10:00:00\"") == Value(t));  // UTC by default
  const TimeZone shanghai = TimeZone::Parse("Asia/Shanghai").value();
  CHECK(Accepted("TIMESTAMP", "\"2026-11-25 18:00:00\"", &shanghai) == Value(t));
  CHECK(Accepted("TIMESTAMP", "\"2026-11-25T10:00:00Z\"", &shanghai) == Value(t));
  CHECK_THAT(Refused("TIMESTAMP", "1.5"), Catch::Contains("whole epoch milliseconds"));
  CHECK_THAT(Refused("TIMESTAMP", "\"2026-11-25T10:00:00+25:00\""),
             Catch::Contains("malformed offset '+25:00'"));
  CHECK_THAT(Refused("TIMESTAMP", "\"yesterday\""), Catch::Contains("not a date and time"));
}

TEST_CASE("ARRAY, MAP and STRUCT from JSON arrays and objects") {
  CHECK(Accepted("ARRAY<INT>", "[1, null, \"3\"]") ==
        Value(List{Value(int64_t{1}), Value(), Value(int64_t{3})}));
  CHECK(Accepted("ARRAY<INT>", "[]") == Value(List{}));
  CHECK(Accepted("MAP<INT,STRING>", "{\"1\": \"a\", \"2\": null}") ==
        Value(List{Value(int64_t{1}), Value("a"), Value(int64_t{2}), Value()}));
  CHECK(Accepted("MAP<DATE,DECIMAL(4,1)>", "{\"1970-01-01\": 1.25}") ==
        Value(List{Value(int64_t{0}), Value("1.3")}));
  CHECK(Accepted("STRUCT<a:INT,b:ARRAY<STRING>>", "{\"B\": [\"x\"], \"a\": 5}") ==
        Value(List{Value(int64_t{5}), Value(List{Value("x")})}));
  CHECK(Accepted("STRUCT<a:INT,b:STRING>", "{\"a\": 5}") ==
        Value(List{Value(int64_t{5}), Value()}));
  CHECK_THAT(Refused("ARRAY<INT>", "[1, \"x\"]"),
             Catch::Contains("element 1: 'x' is not an integer"));
  CHECK_THAT(Refused("ARRAY<TINYINT>", "[1, 300]"),
             Catch::Contains("element 1: 300 is out of range"));
  CHECK_THAT(Refused("ARRAY<INT>", "{\"a\": 1}"), Catch::Contains("expected an array"));
  CHECK_THAT(Refused("MAP<INT,STRING>", "{\"x\": \"a\"}"),
             Catch::Contains("key 'x': 'x' is not an integer"));
  CHECK_THAT(Refused("MAP<INT,STRING>", "{\"1\": \"a\", \"01\": \"b\"}"),
             Catch::Contains("appears twice"));
  CHECK_THAT(Refused("MAP<STRING,INT>", "{\"k\": \"v\"}"), Catch::Contains("value of key 'k'"));
  CHECK_THAT(Refused("STRUCT<a:INT>", "{\"c\": 1}"), Catch::Contains("unknown field 'c'"));
  CHECK_THAT(Refused("STRUCT<a:INT>", "{\"a\": 1, \"A\": 2}"), Catch::Contains("appears twice"));
  CHECK_THAT(Refused("STRUCT<a:INT>", "[1]"), Catch::Contains("expected an object"));
}

}  // namespace
}  // namespace deltatunnel::server
