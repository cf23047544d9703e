// CSV loads (RFC 4180): quoting, line breaks, the header, nulls, line numbers.
#include <catch2/catch.hpp>

#include "format_test_util.h"

namespace deltatunnel::server {
namespace {

using proto::RowOp;
using proto::Value;
using testing::FirstError;
using testing::Load;
using testing::MakeSchema;

const proto::TableSchema& Table() {
  static const proto::TableSchema s = MakeSchema({{"id", "BIGINT"},
                                                  {"note", "STRING"},
                                                  {"amount", "DECIMAL(10,2)"},
                                                  {"ok", "BOOLEAN"},
                                                  {"ts", "TIMESTAMP"},
                                                  {"tags", "ARRAY<STRING>"}});
  return s;
}

testing::Loaded Csv(std::string_view body, LoadOptions options = {}) {
  return Load(Table(), BodyFormat::kCsv, body, options);
}

TEST_CASE("header in any case and order; missing columns and empty fields are null") {
  const auto l = Csv("NOTE,Id,amount\r\nhello,1,2.5\r\n,2,\r\n\"\",3,\"7\"\r\n");
  REQUIRE_FALSE(l.result.refused);
  REQUIRE(l.rows.size() == 3);
  CHECK(l.rows[0] ==
        proto::Row{Value(int64_t{1}), Value("hello"), Value("2.50"), Value(), Value(), Value()});
  CHECK(l.rows[1][1].is_null());
  CHECK(l.rows[1][2].is_null());
  CHECK(l.rows[2][1] == Value(""));  // a quoted empty field is the empty string
  CHECK(l.rows[2][2] == Value("7.00"));
}

TEST_CASE("quotes, doubled quotes, separators and line breaks inside quotes") {
  const auto l =
      Csv("id,note\n"
          "1,\"a, b\"\n"
          "2,\"say \"\"hi\"\"\"\n"
          "3,\"two\nlines\r\nhere\"\n"
          "4,plain \"quote\" inside\n"
          "5,\"\"\"\"\n"
          "6,\"last\"");
  REQUIRE_FALSE(l.result.refused);
  REQUIRE(l.rows.size() == 6);
  CHECK(l.rows[0][1] == Value("a, b"));
  CHECK(l.rows[1][1] == Value("say \"hi\""));
  CHECK(l.rows[2][1] == Value("two\nlines\r\nhere"));
  CHECK(l.rows[3][1] == Value("plain \"quote\" inside"));
  CHECK(l.rows[4][1] == Value("\""));
  CHECK(l.rows[5][1] == Value("last"));
}

TEST_CASE("a record's line is where it starts, counting line breaks inside quotes") {
  const auto l =
      Csv("id,note\n"        // 1
          "1,\"a\nb\nc\"\n"  // 2-4
          "\n"               // 5, blank: skipped
          "x,d\n"            // 6
          "3,\"e\"junk\n"    // 7
          "4,f,extra\n");    // 8
  REQUIRE(l.result.refused);
  REQUIRE(l.result.errors.size() == 3);
  CHECK(l.result.errors[0] == RowError{6, "id", "'x' is not an integer"});
  CHECK(l.result.errors[1].line == 7);
  CHECK_THAT(l.result.errors[1].reason, Catch::Contains("after the closing quote of field 2"));
  CHECK(l.result.errors[2] == RowError{8, "", "the record has 3 fields, the header 2"});
}

TEST_CASE("values as text: booleans, timestamps in the zone, __op") {
  const TimeZone zone = TimeZone::Parse("+08:00").value();
  LoadOptions options;
  options.time_zone = &zone;
  const auto l =
      Csv("id,ok,ts,__op\n"
          "1,TRUE,2026-11-25 18:00:00,\n"
          "2,false,1795600800000,upsert\n"
          "3,,,delete\n",
          options);
  REQUIRE_FALSE(l.result.refused);
  CHECK(l.rows[0][3] == Value(true));
  CHECK(l.rows[0][4] == Value(proto::Timestamp{1795600800, 0}));
  CHECK(l.rows[1][4] == Value(proto::Timestamp{1795600800, 0}));
  CHECK(l.ops[2] == RowOp::kDelete);
  CHECK(l.result.deletes == 1);
}

TEST_CASE("a bad header refuses the body") {
  auto l = Csv("id,colour\n1,red\n");
  REQUIRE(l.result.refused);
  CHECK(l.result.errors[0] == RowError{1, "colour", "the header names unknown column 'colour'"});
  l = Csv("id,ID\n1,1\n");
  REQUIRE(l.result.refused);
  CHECK(l.result.errors[0].reason == "the header names 'id' twice");
  l = Csv("id,tags\n1,\"[]\"\n");
  REQUIRE(l.result.refused);
  CHECK(l.result.errors[0].column == "tags");
  CHECK_THAT(l.result.errors[0].reason, Catch::Contains("ARRAY<STRING> columns cannot be loaded"));
  l = Csv("id,\n1,2\n");
  REQUIRE(l.result.refused);
  CHECK_THAT(FirstError(l), Catch::Contains("header field 2 is empty"));
  LoadOptions lenient;
  lenient.max_bad_rows = 100;
  l = Csv("id,colour\n1,red\n", lenient);
  CHECK(l.result.refused);  // whatever max_bad_rows says
}

TEST_CASE("an unterminated quote refuses the body") {
  LoadOptions lenient;
  lenient.max_bad_rows = 100;
  const auto l = Csv("id,note\n1,ok\n2,\"never\nclosed\n", lenient);
  REQUIRE(l.result.refused);
  CHECK(l.result.errors[0].line == 3);
  CHECK(l.result.errors[0].reason == "a quoted field opened on line 3 is never closed");
}

TEST_CASE("header only, empty body, BOM, invalid UTF-8") {
  CHECK(Csv("").result.rows == 0);
  CHECK_FALSE(Csv("").result.refused);
  CHECK(Csv("id,note\r\n").result.rows == 0);
  CHECK(Csv("\xEF\xBB\xBFid\n5\n").rows.at(0)[0] == Value(int64_t{5}));
  const auto l = Csv("id,note\n1,\"\xC3\x28\"\n");
  REQUIRE(l.result.refused);
  CHECK(l.result.errors[0] == RowError{2, "note", "the text is not valid UTF-8"});
}

TEST_CASE("partial update from the CSV header") {
  LoadOptions options;
  options.partial_update = true;
  const auto l = Csv("id,amount\n1,\n2,3.5\n", options);
  REQUIRE_FALSE(l.result.refused);
  REQUIRE(l.masks.size() == 2);
  CHECK(l.masks[0] == std::string(1, '\x05'));  // id and amount, even where amount is null
  CHECK(l.masks[1] == std::string(1, '\x05'));
}

}  // namespace
}  // namespace deltatunnel::server
