// NDJSON loads: row objects, line numbers, __op, partitions, partial updates, bad rows.
#include <catch2/catch.hpp>

#include "format_test_util.h"

namespace deltatunnel::server {
namespace {

using proto::RowOp;
using proto::Value;
using testing::FirstError;
using testing::Load;
using testing::MakeSchema;

const proto::TableSchema& Orders() {
  static const proto::TableSchema s =
      MakeSchema({{"id", "BIGINT"}, {"Amount", "DECIMAL(18,2)"}, {"note", "STRING"}});
  return s;
}

testing::Loaded Nd(std::string_view body, LoadOptions options = {}) {
  return Load(Orders(), BodyFormat::kNdjson, body, options);
}

TEST_CASE("rows, any key case, nulls, blank lines and CRLF") {
  const auto l =
      Nd("{\"id\": 1, \"amount\": \"1.5\", \"note\": \"a\"}\n"
         "\n"
         "  \r\n"
         "{\"ID\": 2, \"AMOUNT\": null}\r\n"
         "{\"note\": \"c\", \"id\": 3}");
  REQUIRE_FALSE(l.result.refused);
  CHECK(l.result.rows == 3);
  CHECK(l.result.upserts == 3);
  CHECK(l.result.deletes == 0);
  CHECK(l.result.bytes > 0);
  REQUIRE(l.rows.size() == 3);
  CHECK(l.rows[0] == proto::Row{Value(int64_t{1}), Value("1.50"), Value("a")});
  CHECK(l.rows[1] == proto::Row{Value(int64_t{2}), Value(), Value()});
  CHECK(l.rows[2] == proto::Row{Value(int64_t{3}), Value(), Value("c")});
}

TEST_CASE("empty body and a byte order mark") {
  CHECK(Nd("").result.rows == 0);
  CHECK_FALSE(Nd("").result.refused);
  const auto l = Nd("\xEF\xBB\xBF{\"id\": 1}\n");
  CHECK(l.result.rows == 1);
}

TEST_CASE("__op: upsert by default, delete keeps the key only") {
  const auto l =
      Nd("{\"id\": 1, \"__op\": \"upsert\", \"note\": \"x\"}\n"
         "{\"__OP\": \"DELETE\", \"id\": 2, \"note\": \"dropped\"}\n"
         "{\"id\": 3, \"__op\": null}\n");
  REQUIRE_FALSE(l.result.refused);
  CHECK(l.result.upserts == 2);
  CHECK(l.result.deletes == 1);
  REQUIRE(l.ops.size() == 3);
  CHECK(l.ops[1] == RowOp::kDelete);
  CHECK(l.rows[1][0] == Value(int64_t{2}));
  const auto bad = Nd("{\"id\": 1, \"__op\": \"insert\"}\n");
  REQUIRE(bad.result.refused);
  CHECK(bad.result.errors[0].column == "__op");
  CHECK_THAT(FirstError(bad), Catch::Contains("'insert' is not \"upsert\" or \"delete\""));
  CHECK_THAT(FirstError(Nd("{\"id\": 1, \"__op\": 1}\n")), Catch::Contains("must be the string"));
}

TEST_CASE("keys: unknown and repeated are refused, with the column") {
  auto l = Nd("{\"id\": 1}\n{\"id\": 2, \"colour\": \"red\"}\n");
  REQUIRE(l.result.refused);
  REQUIRE(l.result.errors.size() == 1);
  CHECK(l.result.errors[0] == RowError{2, "colour", "unknown column 'colour'"});
  CHECK(l.rows.empty());  // refused whole: the batch is cleared
  l = Nd("{\"id\": 1, \"note\": \"a\", \"NOTE\": \"b\"}\n");
  REQUIRE(l.result.refused);
  CHECK(l.result.errors[0] == RowError{1, "note", "'NOTE' is given twice"});
}

TEST_CASE("row checks from the batch name their column") {
  auto l = Nd("{\"note\": \"no key\"}\n");
  REQUIRE(l.result.refused);
  CHECK(l.result.errors[0].column == "id");
  CHECK_THAT(l.result.errors[0].reason, Catch::Contains("key column cannot be null"));
  l = Nd("{\"id\": 1, \"amount\": \"12345678901234567890\"}\n");
  REQUIRE(l.result.refused);
  CHECK(l.result.errors[0].column == "Amount");
}

TEST_CASE("malformed lines are bad rows with their line") {
  auto l =
      Nd("{\"id\": 1}\n"
         "{\"id\": 2,}\n"
         "[1, 2]\n"
         "{\"id\": 4} {\"id\": 5}\n"
         "{\"id\": 6\n"
         "\"text\"\n"
         "{\"id\": 7, \"note\": \"\\x\"}\n"
         "{\"id\": 8, \"note\": \"\xff\"}\n");
  REQUIRE(l.result.refused);
  CHECK(l.result.bad_rows == 7);
  REQUIRE(l.result.errors.size() == 7);
  std::vector<uint64_t> lines;
  for (const auto& e : l.result.errors) lines.push_back(e.line);
  CHECK(lines == std::vector<uint64_t>{2, 3, 4, 5, 6, 7, 8});
  CHECK_THAT(l.result.errors[0].reason, Catch::Contains("malformed JSON"));
  CHECK(l.result.errors[1].reason == "the line is not a JSON object");
  CHECK(l.result.errors[2].reason == "unexpected text after the row's closing '}'");
  CHECK_THAT(l.result.errors[6].reason, Catch::Contains("UTF-8"));
  CHECK_THAT(l.result.ToStatus().message(), Catch::StartsWith("7 bad rows; line 2: malformed"));
}

TEST_CASE("max_bad_rows skips and lists; one more refuses the body") {
  const std::string body =
      "{\"id\": 1}\n{\"id\": \"x\"}\n{\"id\": 3}\n{\"id\": 4, \"amount\": \"y\"}\n{\"id\": 5}\n";
  LoadOptions options;
  options.max_bad_rows = 2;
  auto l = Nd(body, options);
  REQUIRE_FALSE(l.result.refused);
  CHECK(l.result.rows == 3);
  CHECK(l.result.bad_rows == 2);
  REQUIRE(l.result.skipped.size() == 2);
  CHECK(l.result.skipped[0].line == 2);
  CHECK(l.result.skipped[0].column == "id");
  CHECK(l.result.skipped[1].line == 4);
  CHECK(l.result.skipped[1].column == "Amount");
  CHECK(l.result.ToStatus().ok());
  options.max_bad_rows = 1;
  l = Nd(body, options);
  REQUIRE(l.result.refused);
  CHECK(l.result.rows == 0);
  CHECK(l.result.errors.size() == 2);
  CHECK(l.result.skipped.empty());
}

TEST_CASE("the error list is bounded and reading stops once the body is refused") {
  std::string body;
  for (int i = 0; i < 1000; ++i) body += "{\"id\": \"bad\"}\n";
  LoadOptions options;
  options.max_listed_errors = 5;
  const auto l = Nd(body, options);
  REQUIRE(l.result.refused);
  CHECK(l.result.errors.size() == 5);
  CHECK(l.result.errors.back().line == 5);
  CHECK(l.result.bad_rows == 5);
}

TEST_CASE("partition columns must equal the request's partition and are dropped") {
  const proto::TableSchema s =
      MakeSchema({{"id", "BIGINT"}, {"v", "STRING"}}, 1, {{"ds", "STRING"}, {"day", "DATE"}});
  auto l = Load(s, BodyFormat::kNdjson,
                "{\"id\": 1, \"DS\": \"20261125\", \"day\": \"2026-11-25\"}\n{\"id\": 2}\n", {},
                "ds=20261125,day=2026-11-25");
  REQUIRE_FALSE(l.result.refused);
  CHECK(l.rows.size() == 2);
  CHECK(l.rows[0] == proto::Row{Value(int64_t{1}), Value()});
  l = Load(s, BodyFormat::kNdjson, "{\"id\": 1, \"ds\": \"20261126\"}\n", {},
           "ds=20261125,day=2026-11-25");
  REQUIRE(l.result.refused);
  CHECK(l.result.errors[0].column == "ds");
  CHECK_THAT(l.result.errors[0].reason,
             Catch::Contains("differs from the request's partition ds=20261125,day=2026-11-25"));
  l = Load(s, BodyFormat::kNdjson, "{\"id\": 1, \"day\": \"2026-11-26\"}\n", {},
           "ds=20261125,day=2026-11-25");
  CHECK(l.result.refused);
  l = Load(s, BodyFormat::kNdjson, "{\"id\": 1, \"day\": \"someday\"}\n", {},
           "ds=20261125,day=2026-11-25");
  REQUIRE(l.result.refused);
  CHECK_THAT(l.result.errors[0].reason, Catch::Contains("not a date"));
  // A partitioned table needs the request to name its partition.
  proto::PartitionSpec none;
  LoadOptions options;
  options.partition = &none;
  l = Load(s, BodyFormat::kNdjson, "{\"id\": 1}\n", options);
  REQUIRE(l.result.refused);
  CHECK(l.result.errors[0].line == 0);
  CHECK_THAT(l.result.errors[0].reason, Catch::Contains("partitioned by ds,day"));
}

TEST_CASE("partial update: the keys present are the update columns") {
  LoadOptions options;
  options.partial_update = true;
  const auto l =
      Nd("{\"id\": 1, \"note\": \"n\"}\n{\"id\": 2, \"amount\": null}\n"
         "{\"id\": 3, \"__op\": \"delete\"}\n",
         options);
  REQUIRE_FALSE(l.result.refused);
  REQUIRE(l.masks.size() == 3);
  // Bit i is column i: id (0) always, note (2) in the first row, amount (1) in the second.
  CHECK(l.masks[0] == std::string(1, '\x05'));
  CHECK(l.masks[1] == std::string(1, '\x03'));
  CHECK(l.masks[2].empty());
  const auto full = Nd("{\"id\": 1, \"note\": \"n\"}\n");
  CHECK(full.masks[0].empty());
}

}  // namespace
}  // namespace deltatunnel::server
