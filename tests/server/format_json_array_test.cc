// JSON array loads: each element a row; its 1-based index is its "line".
#include <catch2/catch.hpp>

#include "format_test_util.h"

namespace deltatunnel::server {
namespace {

using proto::Value;
using testing::Load;
using testing::MakeSchema;

const proto::TableSchema& Table() {
  static const proto::TableSchema s = MakeSchema({{"id", "BIGINT"}, {"v", "MAP<STRING,INT>"}});
  return s;
}

testing::Loaded Arr(std::string_view body, LoadOptions options = {}) {
  return Load(Table(), BodyFormat::kJson, body, options);
}

TEST_CASE("elements are rows") {
  const auto l = Arr(" [ {\"id\": 1, \"v\": {\"a\": 1}}, {\"id\": 2, \"__op\": \"delete\"} ] \n");
  REQUIRE_FALSE(l.result.refused);
  CHECK(l.result.upserts == 1);
  CHECK(l.result.deletes == 1);
  CHECK(l.rows[0][1] == Value(proto::List{Value("a"), Value(int64_t{1})}));
  CHECK(Arr("[]").result.rows == 0);
  CHECK(Arr("  ").result.rows == 0);
  CHECK_FALSE(Arr("").result.refused);
}

TEST_CASE("a bad element is reported by its index and can be skipped") {
  const std::string body =
      "[{\"id\": 1}, {\"id\": 2, \"v\": {\"a\": \"x\", \"b\": [1, {\"deep\": 2}]}}, 7, "
      "{\"id\": 4, \"w\": 1}, {\"id\": 5}]";
  auto l = Arr(body);
  REQUIRE(l.result.refused);
  REQUIRE(l.result.errors.size() == 3);
  CHECK(l.result.errors[0].line == 2);
  CHECK(l.result.errors[0].column == "v");
  CHECK(l.result.errors[0].reason == "value of key 'a': 'x' is not an integer");
  CHECK(l.result.errors[1] == RowError{3, "", "the element is not a JSON object"});
  CHECK(l.result.errors[2] == RowError{4, "w", "unknown column 'w'"});
  LoadOptions options;
  options.max_bad_rows = 3;
  l = Arr(body, options);
  REQUIRE_FALSE(l.result.refused);
  REQUIRE(l.rows.size() == 2);
  CHECK(l.rows[1][0] == Value(int64_t{5}));
  CHECK(l.result.skipped.size() == 3);
}

TEST_CASE("malformed JSON refuses the body whatever max_bad_rows says") {
  LoadOptions options;
  options.max_bad_rows = 100;
  auto l = Arr("[{\"id\": 1}, {\"id\": 2,, }, {\"id\": 3}]", options);
  REQUIRE(l.result.refused);
  CHECK(l.result.errors.back().line == 2);
  CHECK_THAT(l.result.errors.back().reason, Catch::Contains("malformed JSON"));
  l = Arr("{\"id\": 1}", options);
  REQUIRE(l.result.refused);
  CHECK(l.result.errors[0].reason == "the body is not a JSON array of row objects");
  l = Arr("[{\"id\": 1}] [", options);
  CHECK(l.result.refused);
  l = Arr("[{\"id\": 1}", options);
  CHECK(l.result.refused);
}

}  // namespace
}  // namespace deltatunnel::server
