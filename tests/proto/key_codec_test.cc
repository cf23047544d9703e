// Property tests: for random values, memcmp order of EncodeKey == the values' natural order, and
// DecodeKey inverts EncodeKey.
#include <catch2/catch.hpp>

#include "deltatunnel/proto/row_codec.h"
#include "test_values.h"

using namespace deltatunnel;
using namespace deltatunnel::proto;
using deltatunnel::proto::testing::CompareScalar;
using deltatunnel::proto::testing::RandomValue;
using deltatunnel::proto::testing::T;

namespace {

TableSchema KeySchema(const std::vector<std::string>& types) {
  TableSchema s;
  for (size_t i = 0; i < types.size(); ++i) {
    s.columns.push_back({"k" + std::to_string(i), T(types[i]), false, ""});
    s.primary_key.push_back(static_cast<int>(i));
  }
  s.columns.push_back({"v", T("STRING"), true, ""});
  return s;
}

Row RandomKeyRow(std::mt19937_64& rng, const TableSchema& s) {
  Row row(s.columns.size());
  for (int k : s.primary_key) row[k] = RandomValue(rng, s.columns[k].type, false);
  return row;
}

std::strong_ordering CompareKeys(const TableSchema& s, const Row& a, const Row& b) {
  for (int k : s.primary_key) {
    const auto c = CompareScalar(s.columns[k].type, a[k], b[k]);
    if (c != 0) return c;
  }
  return std::strong_ordering::equal;
}

void CheckOrderPreserved(const std::vector<std::string>& types, int pairs) {
  const TableSchema s = KeySchema(types);
  REQUIRE(s.Validate().ok());
  std::mt19937_64 rng(std::hash<std::string>()(types[0]) + types.size());
  Row back;
  for (int n = 0; n < pairs; ++n) {
    const Row a = RandomKeyRow(rng, s);
    // Half the time b shares a's first columns, so that later columns decide.
    Row b = RandomKeyRow(rng, s);
    if (rng() % 2 && types.size() > 1) b[0] = a[0];
    std::string ka, kb;
    EncodeKey(s, a, &ka);
    EncodeKey(s, b, &kb);
    const auto want = CompareKeys(s, a, b);
    const int got = ka.compare(kb);
    INFO("types " << types[0] << (types.size() > 1 ? ",..." : "") << " key a "
                  << Catch::Detail::stringify(ka) << " key b " << Catch::Detail::stringify(kb));
    REQUIRE((got < 0) == (want < 0));
    REQUIRE((got == 0) == (want == 0));
    REQUIRE(DecodeKey(s, ka, &back).ok());
    for (int k : s.primary_key)
      REQUIRE(std::is_eq(CompareScalar(s.columns[k].type, back[k], a[k])));
  }
}

}  // namespace

TEST_CASE("key order == value order for every scalar key type", "[key_codec]") {
  for (const char* type : {"BOOLEAN",        "TINYINT",      "SMALLINT",     "INT",
                           "BIGINT",         "FLOAT",        "DOUBLE",       "DECIMAL(18,2)",
                           "DECIMAL(38,10)", "DECIMAL(5,0)", "DECIMAL(3,3)", "DECIMAL(38,0)",
                           "STRING",         "VARCHAR(10)",  "CHAR(4)",      "BINARY",
                           "JSON",           "DATE",         "DATETIME",     "TIMESTAMP",
                           "TIMESTAMP_NTZ"}) {
    CAPTURE(type);
    CheckOrderPreserved({type}, 3000);
  }
}

TEST_CASE("key order == value order for multi-column keys", "[key_codec]") {
  CheckOrderPreserved({"STRING", "BIGINT"}, 3000);
  CheckOrderPreserved({"BINARY", "BINARY", "INT"}, 3000);
  CheckOrderPreserved({"DECIMAL(10,2)", "STRING"}, 3000);
  CheckOrderPreserved({"DECIMAL(38,5)", "DECIMAL(4,4)", "BOOLEAN"}, 3000);
  CheckOrderPreserved({"TIMESTAMP", "DOUBLE", "DATE"}, 3000);
}

TEST_CASE("key encodings: hand-checked cases", "[key_codec]") {
  const TableSchema s = KeySchema({"STRING"});
  auto key = [&](const std::string& v) {
    std::string out;
    EncodeKey(s, Row{Value(v), Value()}, &out);
    return out;
  };
  CHECK(key("") == std::string("\x00\x01", 2));
  CHECK(key(std::string("a\0b", 3)) == std::string("a\x00\xff"
                                                   "b\x00\x01",
                                                   6));
  CHECK(key("a") < key(std::string("a\0", 2)));
  CHECK(key(std::string("a\0", 2)) < key("a\x01"));
  CHECK(key("a") < key("ab"));

  const TableSchema i = KeySchema({"BIGINT"});
  std::string neg, pos;
  EncodeKey(i, Row{Value(int64_t{-1}), Value()}, &neg);
  EncodeKey(i, Row{Value(int64_t{1}), Value()}, &pos);
  CHECK(neg == std::string("\x7f\xff\xff\xff\xff\xff\xff\xff", 8));
  CHECK(pos == std::string("\x80\x00\x00\x00\x00\x00\x00\x01", 8));
}

TEST_CASE("DecodeKey refuses corrupt keys", "[key_codec]") {
  const TableSchema s = KeySchema({"STRING", "DECIMAL(10,2)"});
  Row row{Value("ab"), Value("-1.50"), Value()};
  std::string key;
  EncodeKey(s, row, &key);
  Row back;
  REQUIRE(DecodeKey(s, key, &back).ok());
  CHECK(back[0] == row[0]);
  CHECK(back[1] == row[1]);
  for (size_t cut = 0; cut < key.size(); ++cut) {
    CHECK(DecodeKey(s, key.substr(0, cut), &back).code() == ErrorCode::kInternalServerError);
  }
  CHECK(DecodeKey(s, key + "x", &back).code() == ErrorCode::kInternalServerError);
  CHECK(DecodeKey(s, std::string("ab\x00\x07", 4), &back).code() ==
        ErrorCode::kInternalServerError);
}
