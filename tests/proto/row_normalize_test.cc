#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <limits>

#include "deltatunnel/proto/row_codec.h"
#include "test_values.h"

using namespace deltatunnel;
using namespace deltatunnel::proto;
using deltatunnel::proto::testing::T;

namespace {

// The canonical text of `text` as DECIMAL `type`, or the error message.
std::string Dec(std::string_view type, std::string text) {
  Value v(std::move(text));
  Status s = NormalizeValue(T(type), &v);
  if (!s.ok()) return "error: " + s.message();
  return v.as_string();
}

bool Refused(std::string_view type, Value v) {
  Status s = NormalizeValue(T(type), &v);
  return s.code() == ErrorCode::kInvalidArgument && !s.message().empty();
}

TableSchema Orders() {
  TableSchema s;
  s.columns = {{"id", T("BIGINT"), false, ""},
               {"amount", T("DECIMAL(18,2)"), true, ""},
               {"qty", T("INT"), false, ""},
               {"note", T("VARCHAR(3)"), true, ""}};
  s.primary_key = {0};
  return s;
}

}  // namespace

TEST_CASE("DECIMAL text is normalised to exactly scale digits", "[normalize]") {
  CHECK(Dec("DECIMAL(18,2)", "12.34") == "12.34");
  CHECK(Dec("DECIMAL(18,2)", "12.3") == "12.30");
  CHECK(Dec("DECIMAL(18,2)", "12") == "12.00");
  CHECK(Dec("DECIMAL(18,2)", "+12.") == "12.00");
  CHECK(Dec("DECIMAL(18,2)", ".5") == "0.50");
  CHECK(Dec("DECIMAL(18,2)", "-.5") == "-0.50");
  CHECK(Dec("DECIMAL(18,2)", "0007.10") == "7.10");
  CHECK(Dec("DECIMAL(18,0)", "7") == "7");
  CHECK(Dec("DECIMAL(18,0)", "7.5") == "8");
  CHECK(Dec("DECIMAL(18,0)", "-7.5") == "-8");
  CHECK(Dec("DECIMAL(18,0)", "-7.49") == "-7");
}

TEST_CASE("DECIMAL rounds half-up, away from zero, with carries", "[normalize]") {
  CHECK(Dec("DECIMAL(18,2)", "1.005") == "1.01");
  CHECK(Dec("DECIMAL(18,2)", "1.00499999") == "1.00");
  CHECK(Dec("DECIMAL(18,2)", "-1.005") == "-1.01");
  CHECK(Dec("DECIMAL(18,2)", "9.995") == "10.00");
  CHECK(Dec("DECIMAL(18,2)", "-99.999") == "-100.00");
  CHECK(Dec("DECIMAL(4,2)", "99.994") == "99.99");
  CHECK(Dec("DECIMAL(4,2)", "99.995").rfind("error: ", 0) == 0);  // carries into a third digit
  CHECK(Dec("DECIMAL(2,2)", "0.999").rfind("error: ", 0) == 0);
  CHECK(Dec("DECIMAL(2,2)", "0.994") == "0.99");
}

TEST_CASE("DECIMAL zero has no sign", "[normalize]") {
  CHECK(Dec("DECIMAL(18,2)", "-0.00") == "0.00");
  CHECK(Dec("DECIMAL(18,2)", "-0") == "0.00");
  CHECK(Dec("DECIMAL(18,2)", "-0.004") == "0.00");
  CHECK(Dec("DECIMAL(18,0)", "+0") == "0");
}

TEST_CASE("DECIMAL refuses too many integer digits and non-plain text", "[normalize]") {
  const std::string msg = Dec("DECIMAL(5,2)", "1234.5");
  CHECK(msg.find("allows 3 integer digits") != std::string::npos);
  CHECK(Dec("DECIMAL(5,2)", "999.99") == "999.99");
  CHECK(Dec("DECIMAL(38,0)", std::string(38, '9')) == std::string(38, '9'));
  CHECK(Dec("DECIMAL(38,0)", std::string(39, '9')).rfind("error: ", 0) == 0);
  CHECK(Dec("DECIMAL(38,0)", std::string(500, '1')).rfind("error: ", 0) == 0);
  CHECK(Dec("DECIMAL(38,37)", "9.9999999999999999999999999999999999999") ==
        "9.9999999999999999999999999999999999999");
  for (const char* bad :
       {"", "-", "+", ".", "1e3", "1.2.3", " 1", "1 ", "0x10", "--1", "+-1", "1,5", "NaN", "inf"}) {
    CAPTURE(bad);
    CHECK(Dec("DECIMAL(18,2)", bad).rfind("error: ", 0) == 0);
  }
}

TEST_CASE("DECIMAL from an integer value", "[normalize]") {
  Value v(int64_t{-42});
  REQUIRE(NormalizeValue(T("DECIMAL(10,3)"), &v).ok());
  CHECK(v.as_string() == "-42.000");
}

TEST_CASE("integers are range checked by width", "[normalize]") {
  CHECK_FALSE(Refused("TINYINT", Value(int64_t{127})));
  CHECK(Refused("TINYINT", Value(int64_t{128})));
  CHECK(Refused("TINYINT", Value(int64_t{-129})));
  CHECK_FALSE(Refused("SMALLINT", Value(int64_t{-32768})));
  CHECK(Refused("SMALLINT", Value(int64_t{32768})));
  CHECK_FALSE(Refused("INT", Value(int64_t{INT32_MIN})));
  CHECK(Refused("INT", Value(int64_t{INT32_MAX} + 1)));
  CHECK_FALSE(Refused("BIGINT", Value(INT64_MIN)));
  CHECK(Refused("BIGINT", Value("1")));
  CHECK(Refused("BIGINT", Value(1.0)));
  Value v(int64_t{300});
  Status s = NormalizeValue(T("TINYINT"), &v);
  CHECK(s.message() == "300 is out of range for TINYINT (-128 to 127)");
}

TEST_CASE("kinds are checked, with lossless widening of numbers", "[normalize]") {
  CHECK(Refused("BOOLEAN", Value(int64_t{1})));
  CHECK_FALSE(Refused("BOOLEAN", Value(true)));
  Value f(2.5);
  REQUIRE(NormalizeValue(T("FLOAT"), &f).ok());
  CHECK(f.as_float() == 2.5f);
  CHECK(Refused("FLOAT", Value(1e300)));
  Value d(1.5f);
  REQUIRE(NormalizeValue(T("DOUBLE"), &d).ok());
  CHECK(d.as_double() == 1.5);
  Value i(int64_t{7});
  REQUIRE(NormalizeValue(T("DOUBLE"), &i).ok());
  CHECK(i.as_double() == 7.0);
  CHECK(Refused("DOUBLE", Value("7")));
  CHECK(Refused("STRING", Value(int64_t{7})));
  CHECK(Refused("TIMESTAMP", Value(int64_t{7})));
  CHECK(Refused("ARRAY<INT>", Value("x")));
  Value s("x");
  CHECK(NormalizeValue(T("BIGINT"), &s).message() == "expected BIGINT, got a string");
}

TEST_CASE("VARCHAR and CHAR lengths count characters", "[normalize]") {
  CHECK_FALSE(Refused("VARCHAR(3)", Value("abc")));
  CHECK(Refused("VARCHAR(3)", Value("abcd")));
  CHECK_FALSE(Refused("VARCHAR(3)", Value("\xc3\xa9\xc3\xa9\xc3\xa9")));  // 3 characters, 6 bytes
  CHECK(Refused("CHAR(2)", Value("\xc3\xa9\xc3\xa9\xc3\xa9")));
}

TEST_CASE("dates and times are range checked", "[normalize]") {
  CHECK_FALSE(Refused("DATE", Value(int64_t{-719162})));
  CHECK(Refused("DATE", Value(int64_t{-719163})));
  CHECK_FALSE(Refused("DATE", Value(int64_t{2932896})));
  CHECK(Refused("DATE", Value(int64_t{2932897})));
  CHECK_FALSE(Refused("DATETIME", Value(int64_t{0})));
  CHECK(Refused("DATETIME", Value(int64_t{2932897} * 86400000)));
  CHECK_FALSE(Refused("TIMESTAMP", Value(Timestamp{0, 999'999'999})));
  CHECK(Refused("TIMESTAMP", Value(Timestamp{0, 1'000'000'000})));
  CHECK(Refused("TIMESTAMP_NTZ", Value(Timestamp{0, -1})));
  CHECK(Refused("TIMESTAMP", Value(Timestamp{INT64_MAX, 0})));
}

TEST_CASE("nested values are checked element by element", "[normalize]") {
  Value a(List{Value(int64_t{1}), Value(), Value(int64_t{300})});
  Status s = NormalizeValue(T("ARRAY<TINYINT>"), &a);
  CHECK(s.message() == "element 2: 300 is out of range for TINYINT (-128 to 127)");

  Value m(List{Value("k"), Value("1.5")});
  REQUIRE(NormalizeValue(T("MAP<STRING,DECIMAL(5,2)>"), &m).ok());
  CHECK(m.as_list()[1].as_string() == "1.50");
  Value odd(List{Value("k")});
  CHECK_FALSE(NormalizeValue(T("MAP<STRING,INT>"), &odd).ok());
  Value badkey(List{Value(int64_t{1}), Value(int64_t{1})});
  CHECK(NormalizeValue(T("MAP<STRING,INT>"), &badkey).message().rfind("key 0: ", 0) == 0);

  Value st(List{Value(int64_t{1}), Value(int64_t{2})});
  CHECK(NormalizeValue(T("STRUCT<a:INT,b:STRING>"), &st).message().rfind("field 'b': ", 0) == 0);
  Value narrow(List{Value(int64_t{1})});
  CHECK_FALSE(NormalizeValue(T("STRUCT<a:INT,b:STRING>"), &narrow).ok());
}

TEST_CASE("NormalizeRow names the column", "[normalize]") {
  const TableSchema s = Orders();
  Row ok = {Value(int64_t{1}), Value("3.456"), Value(int64_t{2}), Value()};
  REQUIRE(NormalizeRow(s, false, &ok).ok());
  CHECK(ok[1].as_string() == "3.46");

  Row bad = {Value(int64_t{1}), Value("abc"), Value(int64_t{2}), Value()};
  Status st = NormalizeRow(s, false, &bad);
  CHECK(st.code() == ErrorCode::kInvalidArgument);
  CHECK(st.message().rfind("column 'amount': ", 0) == 0);

  Row notnull = {Value(int64_t{1}), Value(), Value(), Value()};
  CHECK(NormalizeRow(s, false, &notnull).message().rfind("column 'qty': ", 0) == 0);

  Row narrow = {Value(int64_t{1})};
  CHECK(NormalizeRow(s, false, &narrow).message().find("4 data columns") != std::string::npos);

  Row nullkey = {Value(), Value(), Value(int64_t{2}), Value()};
  CHECK(NormalizeRow(s, false, &nullkey).message().rfind("column 'id': ", 0) == 0);
}

TEST_CASE("a delete needs the key columns only", "[normalize]") {
  const TableSchema s = Orders();
  Row del = {Value(int64_t{1}), Value(), Value(), Value()};
  CHECK(NormalizeRow(s, true, &del).ok());
  Row extra = {Value(int64_t{1}), Value(), Value(int64_t{2}), Value()};
  CHECK(NormalizeRow(s, true, &extra).message().rfind("column 'qty': ", 0) == 0);
  Row nokey = {Value(), Value(), Value(), Value()};
  CHECK_FALSE(NormalizeRow(s, true, &nokey).ok());
}

TEST_CASE("a partial row nulls and skips the columns it does not update", "[normalize]") {
  const TableSchema s = Orders();
  Row r = {Value(int64_t{1}), Value("2"), Value(), Value("toolong")};
  REQUIRE(NormalizePartialRow(s, {1}, &r).ok());
  CHECK(r[1].as_string() == "2.00");
  CHECK(r[2].is_null());
  CHECK(r[3].is_null());
  Row r2 = {Value(int64_t{1}), Value(), Value(), Value()};
  CHECK(NormalizePartialRow(s, {2}, &r2).message().rfind("column 'qty': ", 0) == 0);
  Row r3 = {Value(int64_t{1}), Value(), Value(), Value()};
  CHECK_FALSE(NormalizePartialRow(s, {9}, &r3).ok());
}

namespace {

// Values of many kinds, for every column type below: right, convertible, wrong, out of range.
std::vector<Value> Candidates() {
  return {Value(),
          Value(true),
          Value(int64_t{7}),
          Value(int64_t{300}),
          Value(int64_t{INT64_MAX}),
          Value(int64_t{2932897}),
          Value(1.5f),
          Value(2.5),
          Value(1e300),
          Value(-std::numeric_limits<double>::quiet_NaN()),
          Value(-std::numeric_limits<float>::quiet_NaN()),
          Value("ab"),
          Value("abcd"),
          Value("12.345"),
          Value(Timestamp{0, 5}),
          Value(Timestamp{0, -1}),
          Value(List{Value(int64_t{1}), Value(2.5)})};
}

// Row equality that holds for NaNs too: floating-point values compare by their bits.
bool SameBits(const Row& a, const Row& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].v.index() != b[i].v.index()) return false;
    if (const double* x = std::get_if<double>(&a[i].v)) {
      if (std::memcmp(x, &std::get<double>(b[i].v), sizeof *x) != 0) return false;
    } else if (const float* y = std::get_if<float>(&a[i].v)) {
      if (std::memcmp(y, &std::get<float>(b[i].v), sizeof *y) != 0) return false;
    } else if (!(a[i] == b[i])) {
      return false;
    }
  }
  return true;
}

TableSchema ManyTypes() {
  TableSchema s;
  s.columns = {{"id", T("BIGINT"), false, ""},    {"b", T("BOOLEAN"), true, ""},
               {"t", T("TINYINT"), true, ""},     {"f", T("FLOAT"), true, ""},
               {"d", T("DOUBLE"), false, ""},     {"dec", T("DECIMAL(10,2)"), true, ""},
               {"vc", T("VARCHAR(3)"), true, ""}, {"dt", T("DATE"), true, ""},
               {"ts", T("TIMESTAMP"), true, ""},  {"arr", T("ARRAY<DOUBLE>"), true, ""},
               {"s", T("STRING"), true, ""}};
  s.primary_key = {0};
  return s;
}

}  // namespace

TEST_CASE("CheckRow agrees with NormalizeRow without changing the row", "[normalize]") {
  const TableSchema s = ManyTypes();
  const std::vector<Value> pool = Candidates();
  std::mt19937_64 rng(20261126);
  int as_is = 0, converts = 0, refused = 0;
  for (int i = 0; i < 20000; ++i) {
    Row row;
    // Mostly values of the column's own kind (so that whole rows pass), else any candidate.
    const Row good = {Value(int64_t{1}),
                      Value(false),
                      Value(int64_t{-3}),
                      Value(0.5f),
                      Value(4.25),
                      Value(),
                      Value("xy"),
                      Value(int64_t{18000}),
                      Value(Timestamp{1, 2}),
                      Value(),
                      Value("s")};
    for (size_t c = 0; c < s.columns.size(); ++c) {
      row.push_back(rng() % 8 == 0 ? pool[rng() % pool.size()] : good[c]);
    }
    if (rng() % 50 == 0) row.pop_back();
    const bool is_delete = rng() % 10 == 0;
    if (is_delete) {
      for (size_t c = 1; c < row.size(); ++c) {
        if (rng() % 4 != 0) row[c] = Value();
      }
    }
    const Row before = row;
    Result<bool> checked = CheckRow(s, is_delete, row);
    REQUIRE(SameBits(row, before));  // read only
    Row normalized = row;
    const Status n = NormalizeRow(s, is_delete, &normalized);
    INFO("row " << i);
    if (!checked.ok()) {
      ++refused;
      // The same refusal, word for word.
      CHECK(checked.status().code() == n.code());
      CHECK(checked.status().message() == n.message());
    } else if (*checked) {
      ++as_is;
      CHECK(n.ok());
      CHECK(SameBits(normalized, row));  // NormalizeRow would have left it as it is
    } else {
      ++converts;  // the caller normalises a copy: NormalizeRow decides
    }
  }
  CHECK(as_is > 1000);
  CHECK(converts > 1000);
  CHECK(refused > 1000);
}

TEST_CASE("a NaN of any sign or payload is stored as the one NaN", "[normalize]") {
  // A CSV body's "-nan" was stored with its sign bit and read back as "NaN", another value
  // (found by fuzz_csv_reader's write-back round trip).
  const double dnan = std::numeric_limits<double>::quiet_NaN();
  const float fnan = std::numeric_limits<float>::quiet_NaN();
  for (Value v : {Value(-dnan), Value(-fnan), Value(std::copysign(dnan, -1.0))}) {
    Value d = v, f = v;
    REQUIRE(NormalizeValue(T("DOUBLE"), &d).ok());
    REQUIRE(NormalizeValue(T("FLOAT"), &f).ok());
    const double dv = d.as_double();
    const float fv = f.as_float();
    CHECK(std::memcmp(&dv, &dnan, sizeof dnan) == 0);
    CHECK(std::memcmp(&fv, &fnan, sizeof fnan) == 0);
  }
  TableSchema s;
  s.columns = {{"k", T("BIGINT"), false, ""}, {"x", T("DOUBLE"), true, ""}};
  s.primary_key = {0};
  auto as_is = CheckRow(s, false, {Value(int64_t{1}), Value(-dnan)});
  REQUIRE(as_is.ok());
  CHECK_FALSE(*as_is);  // converted, like an integer for a DOUBLE
  as_is = CheckRow(s, false, {Value(int64_t{1}), Value(dnan)});
  REQUIRE(as_is.ok());
  CHECK(*as_is);
}

TEST_CASE("CheckRow sends converting values to NormalizeRow", "[normalize]") {
  const TableSchema s = Orders();  // amount is DECIMAL: always converted
  Row with_decimal = {Value(int64_t{1}), Value("3.4"), Value(int64_t{2}), Value()};
  auto r = CheckRow(s, false, with_decimal);
  REQUIRE(r.ok());
  CHECK_FALSE(*r);
  Row plain = {Value(int64_t{1}), Value(), Value(int64_t{2}), Value("abc")};
  r = CheckRow(s, false, plain);
  REQUIRE(r.ok());
  CHECK(*r);
  Row too_long = {Value(int64_t{1}), Value(), Value(int64_t{2}), Value("abcd")};
  CHECK(CheckRow(s, false, too_long).status().message().rfind("column 'note': ", 0) == 0);
}
