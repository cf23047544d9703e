// Answers: values as text, NDJSON lines, CSV records, JSON arrays, projection, changes.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "deltatunnel/server/format_row_writer.h"
#include "deltatunnel/server/format_value_writer.h"
#include "format_test_util.h"

namespace deltatunnel::server {
namespace {

using proto::List;
using proto::Timestamp;
using proto::Type;
using proto::Value;
using testing::MakeSchema;

std::string Json(const std::string& type, const Value& v, const TimeZone& zone = TimeZone()) {
  std::string out;
  AppendJsonValue(Type::Parse(type).value(), v, zone, &out);
  return out;
}

std::string Csv(const std::string& type, const Value& v) {
  std::string out;
  AppendCsvValue(Type::Parse(type).value(), v, TimeZone(), &out);
  return out;
}

TEST_CASE("values as JSON") {
  CHECK(Json("BIGINT", Value()) == "null");
  CHECK(Json("BOOLEAN", Value(true)) == "true");
  CHECK(Json("BIGINT", Value(INT64_MIN)) == "-9223372036854775808");
  CHECK(Json("DOUBLE", Value(0.1)) == "0.1");
  CHECK(Json("DOUBLE", Value(1e300)) == "1e+300");
  CHECK(Json("FLOAT", Value(0.1f)) == "0.1");
  CHECK(Json("DOUBLE", Value(std::nan(""))) == "\"NaN\"");
  CHECK(Json("FLOAT", Value(-std::numeric_limits<float>::infinity())) == "\"-Infinity\"");
  CHECK(Json("DECIMAL(18,2)", Value("12.30")) == "\"12.30\"");
  CHECK(Json("STRING", Value("a\"b\\c\n\x01 \xC3\xA9")) == "\"a\\\"b\\\\c\\n\\u0001 \xC3\xA9\"");
  // Bytes of no valid UTF-8 sequence, each as a lone low surrogate escape (surrogateescape), the
  // valid sequences around them kept: the bytes come back exactly.
  CHECK(Json("STRING", Value("bad \xFF\xC3 end")) == "\"bad \\udcff\\udcc3 end\"");
  CHECK(Json("STRING", Value("\xC3\xA9\xE9\xF0\x9F\x98\x80\xED\xA0\x80")) ==
        "\"\xC3\xA9\\udce9\xF0\x9F\x98\x80\\udced\\udca0\\udc80\"");
  CHECK(Json("BINARY", Value(std::string("\x00\xFF", 2))) == "\"AP8=\"");
  CHECK(Json("DATE", Value(int64_t{0})) == "\"1970-01-01\"");
  CHECK(Json("DATETIME", Value(int64_t{-1})) == "\"1969-12-31 23:59:59.999\"");
  CHECK(Json("TIMESTAMP_NTZ", Value(Timestamp{0, 1000})) == "\"1970-01-01 00:00:00.000001\"");
  CHECK(Json("TIMESTAMP", Value(Timestamp{0, 0})) == "\"1970-01-01T00:00:00Z\"");
  CHECK(Json("TIMESTAMP", Value(Timestamp{0, 0}), TimeZone::Parse("Asia/Shanghai").value()) ==
        "\"1970-01-01T08:00:00+08:00\"");
  CHECK(Json("ARRAY<INT>", Value(List{Value(int64_t{1}), Value()})) == "[1,null]");
  CHECK(Json("MAP<INT,DATE>", Value(List{Value(int64_t{1}), Value(int64_t{0})})) ==
        "{\"1\":\"1970-01-01\"}");
  CHECK(Json("STRUCT<a:STRING,b:ARRAY<BOOLEAN>>", Value(List{Value("x"), Value(List{})})) ==
        "{\"a\":\"x\",\"b\":[]}");
}

TEST_CASE("values as CSV fields") {
  CHECK(Csv("STRING", Value()) == "");
  CHECK(Csv("STRING", Value("")) == "\"\"");
  CHECK(Csv("STRING", Value("plain")) == "plain");
  CHECK(Csv("STRING", Value("a,b")) == "\"a,b\"");
  CHECK(Csv("STRING", Value("say \"hi\"")) == "\"say \"\"hi\"\"\"");
  CHECK(Csv("STRING", Value("two\nlines")) == "\"two\nlines\"");
  CHECK(Csv("DECIMAL(5,2)", Value("-1.50")) == "-1.50");
  CHECK(Csv("DATETIME", Value(int64_t{1500})) == "1970-01-01 00:00:01.500");
  CHECK(Csv("DOUBLE", Value(std::nan(""))) == "NaN");
  CHECK(Csv("ARRAY<STRING>", Value(List{Value("a"), Value("b")})) == "\"[\"\"a\"\",\"\"b\"\"]\"");
}

const proto::TableSchema& Orders() {
  static const proto::TableSchema s = MakeSchema(
      {{"id", "BIGINT"}, {"Amount", "DECIMAL(18,2)"}, {"note", "STRING"}}, 1, {{"ds", "STRING"}});
  return s;
}

std::string Write(const RowWriterOptions& options, const std::vector<proto::Row>& rows) {
  Result<RowWriter> w = RowWriter::Create(Orders(), options);
  REQUIRE(w.ok());
  std::string out;
  w->Begin(&out);
  for (const auto& r : rows) w->Write(r, {Value("20261125")}, &out);
  w->End(&out);
  return out;
}

const std::vector<proto::Row> kRows = {{Value(int64_t{1}), Value("12.30"), Value("a,b")},
                                       {Value(int64_t{2}), Value(), Value()}};

TEST_CASE("NDJSON, CSV and JSON array answers, partition columns last") {
  CHECK(Write({}, kRows) ==
        "{\"id\":1,\"Amount\":\"12.30\",\"note\":\"a,b\",\"ds\":\"20261125\"}\n"
        "{\"id\":2,\"Amount\":null,\"note\":null,\"ds\":\"20261125\"}\n");
  CHECK(Write({.format = BodyFormat::kCsv}, kRows) ==
        "id,Amount,note,ds\r\n1,12.30,\"a,b\",20261125\r\n2,,,20261125\r\n");
  CHECK(Write({.format = BodyFormat::kJson}, kRows) ==
        "[\n{\"id\":1,\"Amount\":\"12.30\",\"note\":\"a,b\",\"ds\":\"20261125\"},\n"
        "{\"id\":2,\"Amount\":null,\"note\":null,\"ds\":\"20261125\"}\n]\n");
  CHECK(Write({.format = BodyFormat::kJson}, {}) == "[]\n");
}

TEST_CASE("columns= projects in the order given, any case") {
  CHECK(Write({.columns = "NOTE, ds,amount"}, kRows) ==
        "{\"note\":\"a,b\",\"ds\":\"20261125\",\"Amount\":\"12.30\"}\n"
        "{\"note\":null,\"ds\":\"20261125\",\"Amount\":null}\n");
  CHECK(Write({.format = BodyFormat::kCsv, .columns = "id"}, kRows) == "id\r\n1\r\n2\r\n");
  CHECK(RowWriter::Create(Orders(), {.columns = "id,colour"}).status().message() ==
        "columns= names unknown column 'colour'");
  CHECK(RowWriter::Create(Orders(), {.columns = "id,ID"}).status().message() ==
        "columns= names 'id' twice");
  CHECK(RowWriter::Create(Orders(), {.columns = "id,,note"}).status().message() ==
        "columns= has an empty column name");
}

TEST_CASE("changes carry __op and __version; a delete only its key") {
  for (BodyFormat f : {BodyFormat::kNdjson, BodyFormat::kCsv}) {
    Result<RowWriter> w = RowWriter::Create(Orders(), {.format = f, .changes = true});
    REQUIRE(w.ok());
    std::string out;
    w->Begin(&out);
    w->WriteChange(kRows[0], {Value("20261125")}, proto::RowOp::kUpsert, 7, &out);
    w->WriteChange({Value(int64_t{2}), Value(), Value()}, {Value("20261125")},
                   proto::RowOp::kDelete, 9, &out);
    w->End(&out);
    if (f == BodyFormat::kNdjson) {
      CHECK(out ==
            "{\"id\":1,\"Amount\":\"12.30\",\"note\":\"a,b\",\"ds\":\"20261125\","
            "\"__op\":\"upsert\",\"__version\":7}\n"
            "{\"id\":2,\"ds\":\"20261125\",\"__op\":\"delete\",\"__version\":9}\n");
    } else {
      CHECK(out ==
            "id,Amount,note,ds,__op,__version\r\n"
            "1,12.30,\"a,b\",20261125,upsert,7\r\n"
            "2,,,20261125,delete,9\r\n");
    }
  }
}

TEST_CASE("body formats by name and Content-Type") {
  CHECK(ParseBodyFormat("NDJSON").value() == BodyFormat::kNdjson);
  CHECK(ParseBodyFormat("csv").value() == BodyFormat::kCsv);
  CHECK(ParseBodyFormat("json").value() == BodyFormat::kJson);
  CHECK(ParseBodyFormat("xml").status().code() == ErrorCode::kInvalidArgument);
  CHECK(BodyFormatFromContentType("application/x-ndjson").value() == BodyFormat::kNdjson);
  CHECK(BodyFormatFromContentType("text/CSV; charset=utf-8").value() == BodyFormat::kCsv);
  CHECK(BodyFormatFromContentType("application/json").value() == BodyFormat::kJson);
  CHECK(BodyFormatFromContentType("text/plain").status().code() ==
        ErrorCode::kUnsupportedMediaType);
  CHECK(ContentTypeOf(BodyFormat::kNdjson) == "application/x-ndjson");
}

TEST_CASE("row errors as JSON") {
  const nlohmann::json j = RowErrorsJson({{17, "amount", "bad"}, {3, "", "worse"}});
  CHECK(
      j.dump() ==
      "[{\"column\":\"amount\",\"line\":17,\"reason\":\"bad\"},{\"line\":3,\"reason\":\"worse\"}]");
}

}  // namespace
}  // namespace deltatunnel::server
