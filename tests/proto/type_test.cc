#include "deltatunnel/proto/type.h"

#include <catch2/catch.hpp>

using namespace deltatunnel;
using namespace deltatunnel::proto;

namespace {

std::string RoundTrip(std::string_view text) {
  Result<Type> t = Type::Parse(text);
  INFO(text << ": " << t.status().ToString());
  REQUIRE(t.ok());
  return t->ToString();
}

}  // namespace

TEST_CASE("every scalar type parses and prints canonically", "[type]") {
  for (const char* name :
       {"BOOLEAN", "TINYINT", "SMALLINT", "INT", "BIGINT", "FLOAT", "DOUBLE", "STRING", "BINARY",
        "JSON", "DATE", "DATETIME", "TIMESTAMP", "TIMESTAMP_NTZ"}) {
    CHECK(RoundTrip(name) == name);
  }
  CHECK(RoundTrip("bigint") == "BIGINT");
  CHECK(RoundTrip("  timestamp_ntz ") == "TIMESTAMP_NTZ");
  CHECK(Type::Parse("int")->IsInteger());
  CHECK(Type::Parse("json")->IsStringLike());
  CHECK(Type::Parse("date")->IsScalar());
}

TEST_CASE("DECIMAL arguments and defaults", "[type]") {
  CHECK(RoundTrip("decimal(18, 2)") == "DECIMAL(18,2)");
  CHECK(RoundTrip("DECIMAL") == "DECIMAL(38,18)");
  CHECK(RoundTrip("DECIMAL(10)") == "DECIMAL(10,0)");
  CHECK(RoundTrip("DECIMAL(1,1)") == "DECIMAL(1,1)");
  CHECK(RoundTrip("DECIMAL(38,38)") == "DECIMAL(38,38)");
  Type t = Type::Parse("DECIMAL(20,4)").value();
  CHECK(t.kind == TypeKind::kDecimal);
  CHECK(t.precision == 20);
  CHECK(t.scale == 4);
  for (const char* bad : {"DECIMAL(0,0)", "DECIMAL(39,2)", "DECIMAL(5,6)", "DECIMAL(5,-1)",
                          "DECIMAL(5,", "DECIMAL()", "DECIMAL(a,b)", "DECIMAL(99999999999,1)"}) {
    CAPTURE(bad);
    CHECK(Type::Parse(bad).status().code() == ErrorCode::kInvalidArgument);
  }
}

TEST_CASE("VARCHAR and CHAR need a length of 1 to 65535", "[type]") {
  CHECK(RoundTrip("varchar(10)") == "VARCHAR(10)");
  CHECK(RoundTrip("CHAR( 65535 )") == "CHAR(65535)");
  CHECK(Type::Parse("CHAR(3)")->length == 3);
  for (const char* bad : {"VARCHAR", "VARCHAR(0)", "VARCHAR(65536)", "CHAR()", "CHAR(x)"}) {
    CAPTURE(bad);
    CHECK_FALSE(Type::Parse(bad).ok());
  }
}

TEST_CASE("nested types", "[type]") {
  CHECK(RoundTrip("array<map<string, int>>") == "ARRAY<MAP<STRING,INT>>");
  CHECK(RoundTrip("STRUCT<a:INT, b : STRING>") == "STRUCT<a:INT,b:STRING>");
  CHECK(RoundTrip("MAP<BIGINT,STRUCT<x:ARRAY<DECIMAL(5,2)>,y:DATE>>") ==
        "MAP<BIGINT,STRUCT<x:ARRAY<DECIMAL(5,2)>,y:DATE>>");
  Type t = Type::Parse("STRUCT<Name:STRING,tags:ARRAY<STRING>>").value();
  REQUIRE(t.kind == TypeKind::kStruct);
  CHECK(t.field_names == std::vector<std::string>{"Name", "tags"});
  CHECK(t.children[1].kind == TypeKind::kArray);
  CHECK(t.children[1].children[0].kind == TypeKind::kString);
  CHECK_FALSE(t.IsScalar());
  CHECK(Type::Parse("MAP<STRING,INT>")->children.size() == 2);
}

TEST_CASE("malformed types are refused with a message", "[type]") {
  for (const char* bad :
       {"", "  ", "TEXT", "ARRAY", "ARRAY<>", "ARRAY<INT", "ARRAY<INT>>", "MAP<INT>",
        "MAP<ARRAY<INT>,INT>", "STRUCT<>", "STRUCT<a INT>", "STRUCT<a:INT,a:STRING>",
        "STRUCT<A:INT,a:STRING>", "STRUCT<1a:INT>", "BIGINT BIGINT", "INT(3)", "BIGINTX"}) {
    CAPTURE(bad);
    Result<Type> t = Type::Parse(bad);
    REQUIRE_FALSE(t.ok());
    CHECK(t.status().code() == ErrorCode::kInvalidArgument);
    CHECK(t.status().message().find("invalid type") != std::string::npos);
  }
}

TEST_CASE("nesting is bounded", "[type]") {
  std::string deep;
  for (int i = 0; i < 40; ++i) deep += "ARRAY<";
  deep += "INT";
  for (int i = 0; i < 40; ++i) deep += ">";
  CHECK_FALSE(Type::Parse(deep).ok());
  std::string ok;
  for (int i = 0; i < 10; ++i) ok += "ARRAY<";
  ok += "INT";
  for (int i = 0; i < 10; ++i) ok += ">";
  CHECK(RoundTrip(ok) == ok);
}
