// Every test vector of wire-format.md section 5.
#include "deltatunnel/proto/bucket_hash.h"

#include <catch2/catch.hpp>
#include <cstring>
#include <limits>

#include "deltatunnel/proto/civil_date.h"

using namespace deltatunnel::proto;

namespace {

Type T(std::string_view text) { return Type::Parse(text).value(); }

TableSchema OneKey(std::string_view type) {
  TableSchema s;
  s.columns = {{"k", T(type), false, ""}};
  s.primary_key = {0};
  return s;
}

}  // namespace

TEST_CASE("default hasher: BIGINT vectors", "[bucket_hash]") {
  const Type bigint = T("BIGINT");
  CHECK(HashValue(Hasher::kDefault, bigint, Value(int64_t{1})) == 357654460);
  CHECK(HashValue(Hasher::kDefault, bigint, Value(int64_t{-1})) == 357653185);
  CHECK(HashValue(Hasher::kDefault, bigint, Value(int64_t{10})) == -718433742);
  CHECK(HashValue(Hasher::kDefault, bigint, Value(std::numeric_limits<int64_t>::max())) ==
        -1977349188);
}

TEST_CASE("BOOLEAN hashes to the constants under both hashers", "[bucket_hash]") {
  const Type b = T("BOOLEAN");
  CHECK(HashValue(Hasher::kDefault, b, Value(true)) == 388737479);
  CHECK(HashValue(Hasher::kDefault, b, Value(true)) == 0x172ba9c7);
  CHECK(HashValue(Hasher::kDefault, b, Value(false)) == -0x3a59cb12);
  CHECK(HashValue(Hasher::kLegacy, b, Value(true)) == 0x172ba9c7);
  CHECK(HashValue(Hasher::kLegacy, b, Value(false)) == -0x3a59cb12);
}

TEST_CASE("STRING vectors, default and legacy", "[bucket_hash]") {
  for (const char* type : {"STRING", "VARCHAR(10)", "CHAR(5)", "BINARY"}) {
    CAPTURE(type);
    CHECK(HashValue(Hasher::kDefault, T(type), Value("hello")) == -1259046373);
    CHECK(HashValue(Hasher::kLegacy, T(type), Value("hello")) == 99162322);
  }
  // Bytes are added as signed chars: a byte >= 0x80 differs from its unsigned reading.
  const int32_t signed_hash = HashValue(Hasher::kLegacy, T("STRING"), Value("\xff"));
  CHECK(signed_hash == -1);
}

TEST_CASE("DECIMAL and DATE vectors", "[bucket_hash]") {
  CHECK(HashValue(Hasher::kDefault, T("DECIMAL(18,2)"), Value("12.34")) == -904458774);
  int64_t days = 0;
  REQUIRE(ParseDate("2022-12-05", &days));
  CHECK(HashValue(Hasher::kDefault, T("DATE"), Value(days)) == 903574500);
  CHECK(HashValue(Hasher::kLegacy, T("DATE"), Value(days)) == 1670198400);
}

TEST_CASE("DECIMAL with p > 18 sums the hashes of both 64-bit halves", "[bucket_hash]") {
  const Type d18 = T("DECIMAL(18,2)");
  const Type d38 = T("DECIMAL(38,2)");
  // A small value has high half 0 (or -1 if negative): basic(low) + basic(high).
  const int32_t low = HashValue(Hasher::kDefault, T("BIGINT"), Value(int64_t{1234}));
  const int32_t high = HashValue(Hasher::kDefault, T("BIGINT"), Value(int64_t{0}));
  CHECK(HashValue(Hasher::kDefault, d18, Value("12.34")) == low);
  CHECK(HashValue(Hasher::kDefault, d38, Value("12.34")) ==
        static_cast<int32_t>(static_cast<uint32_t>(low) + static_cast<uint32_t>(high)));
  const int32_t neg_low = HashValue(Hasher::kDefault, T("BIGINT"), Value(int64_t{-1234}));
  const int32_t neg_high = HashValue(Hasher::kDefault, T("BIGINT"), Value(int64_t{-1}));
  CHECK(HashValue(Hasher::kDefault, d38, Value("-12.34")) ==
        static_cast<int32_t>(static_cast<uint32_t>(neg_low) + static_cast<uint32_t>(neg_high)));
  // 2^64 scaled: low half 0, high half 1.
  const int32_t one = HashValue(Hasher::kDefault, T("BIGINT"), Value(int64_t{1}));
  CHECK(HashValue(Hasher::kDefault, d38, Value("184467440737095516.16")) ==
        static_cast<int32_t>(static_cast<uint32_t>(high) + static_cast<uint32_t>(one)));
}

TEST_CASE("legacy integers fold the two halves", "[bucket_hash]") {
  const Type bigint = T("BIGINT");
  CHECK(HashValue(Hasher::kLegacy, bigint, Value(int64_t{1})) == 1);
  CHECK(HashValue(Hasher::kLegacy, bigint, Value(int64_t{-1})) == 0);
  CHECK(HashValue(Hasher::kLegacy, bigint, Value(int64_t{0x100000002})) == 3);
}

TEST_CASE("integer widths, DATETIME and TIMESTAMP hash as basic of their long", "[bucket_hash]") {
  const int32_t h = HashValue(Hasher::kDefault, T("BIGINT"), Value(int64_t{10}));
  for (const char* type : {"TINYINT", "SMALLINT", "INT", "DATETIME"}) {
    CHECK(HashValue(Hasher::kDefault, T(type), Value(int64_t{10})) == h);
  }
  const int64_t packed = (int64_t{5} << 30) | 7;
  const int32_t ts = HashValue(Hasher::kDefault, T("BIGINT"), Value(packed));
  CHECK(HashValue(Hasher::kDefault, T("TIMESTAMP"), Value(Timestamp{5, 7})) == ts);
  CHECK(HashValue(Hasher::kDefault, T("TIMESTAMP_NTZ"), Value(Timestamp{5, 7})) == ts);
}

TEST_CASE("FLOAT sign-extends its bits, DOUBLE uses its bits", "[bucket_hash]") {
  const float f = -1.5f;
  int32_t fbits;
  std::memcpy(&fbits, &f, 4);
  CHECK(HashValue(Hasher::kDefault, T("FLOAT"), Value(f)) ==
        HashValue(Hasher::kDefault, T("BIGINT"), Value(int64_t{fbits})));
  const double d = 2.25;
  int64_t dbits;
  std::memcpy(&dbits, &d, 8);
  CHECK(HashValue(Hasher::kDefault, T("DOUBLE"), Value(d)) ==
        HashValue(Hasher::kDefault, T("BIGINT"), Value(dbits)));
  CHECK(HashValue(Hasher::kLegacy, T("DOUBLE"), Value(d)) ==
        HashValue(Hasher::kLegacy, T("BIGINT"), Value(dbits)));
}

TEST_CASE("single BIGINT key 0..9: buckets for N=4 and N=16", "[bucket_hash]") {
  const TableSchema s = OneKey("BIGINT");
  const uint32_t want4[] = {0, 3, 2, 1, 0, 1, 2, 2, 3, 1};
  const uint32_t want16[] = {0, 3, 14, 9, 12, 13, 10, 14, 15, 9};
  for (int64_t k = 0; k < 10; ++k) {
    CAPTURE(k);
    const Row row = {Value(k)};
    CHECK(BucketOf(Hasher::kDefault, s, row, 4) == want4[k]);
    CHECK(BucketOf(Hasher::kDefault, s, row, 16) == want16[k]);
  }
}

TEST_CASE("CombineBucket is never negative and sums multiple key columns", "[bucket_hash]") {
  CHECK(CombineBucket(-1, 7) == static_cast<uint32_t>((-1 ^ (-1 >> 8))) % 7);
  CHECK(CombineBucket(std::numeric_limits<int32_t>::min(), 1000) < 1000);
  TableSchema s;
  s.columns = {{"a", T("BIGINT"), false, ""}, {"b", T("STRING"), false, ""}};
  s.primary_key = {0, 1};
  const Row row = {Value(int64_t{1}), Value("hello")};
  const uint32_t sum = static_cast<uint32_t>(357654460) + static_cast<uint32_t>(-1259046373);
  CHECK(BucketOf(Hasher::kDefault, s, row, 16) == CombineBucket(static_cast<int32_t>(sum), 16));
}

TEST_CASE("HasherName", "[bucket_hash]") {
  CHECK(HasherName(Hasher::kDefault) == "default");
  CHECK(HasherName(Hasher::kLegacy) == "legacy");
}
