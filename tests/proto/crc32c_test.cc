#include "deltatunnel/proto/crc32c.h"

#include <catch2/catch.hpp>
#include <random>
#include <string>

using namespace deltatunnel::proto;

namespace {

std::string Bytes(std::initializer_list<int> b) {
  std::string s;
  for (int x : b) s.push_back(static_cast<char>(x));
  return s;
}

std::string Le32(uint32_t v) {
  return Bytes({int(v & 0xff), int(v >> 8 & 0xff), int(v >> 16 & 0xff), int(v >> 24)});
}
std::string Le64(uint64_t v) {
  return Le32(static_cast<uint32_t>(v)) + Le32(static_cast<uint32_t>(v >> 32));
}

}  // namespace

TEST_CASE("known CRC32C vectors (RFC 3720), hardware and portable", "[crc32c]") {
  std::string zeros(32, '\0'), ones(32, '\xff'), up, down;
  for (int i = 0; i < 32; ++i) {
    up.push_back(static_cast<char>(i));
    down.push_back(static_cast<char>(31 - i));
  }
  const std::pair<std::string, uint32_t> cases[] = {
      {"", 0},          {"123456789", 0xE3069283}, {zeros, 0x8A9136AA}, {ones, 0x62A8AB43},
      {up, 0x46DD794E}, {down, 0x113FDB5C}};
  for (const auto& [data, want] : cases) {
    CHECK(Crc32c(data) == want);
    CHECK(Crc32cExtendPortable(0, data.data(), data.size()) == want);
  }
  INFO("hardware CRC32C: " << Crc32cHardware());
}

TEST_CASE("the record CRCs of wire-format.md's test vector", "[crc32c]") {
  // Record 1: field 1 = 1 (int64 LE), field 2 = "a", field 5 (__operation) = 'U', field 7 (empty
  // __value_cols).
  const std::string r1 = Le32(1) + Le64(1) + Le32(2) + "a" + Le32(5) + Le64(85) + Le32(7);
  const std::string r2 = Le32(1) + Le64(1) + Le32(5) + Le64(68) + Le32(7);
  const uint32_t c1 = Crc32c(r1), c2 = Crc32c(r2);
  CHECK(c1 == 0xb4c5227a);
  CHECK(c2 == 0x63fba780);
  CHECK(Crc32c(Le32(c1) + Le32(c2)) == 0xa4283adf);
}

TEST_CASE("extending equals one pass; hardware equals portable", "[crc32c]") {
  std::mt19937_64 rng(1);
  for (int n = 0; n < 500; ++n) {
    std::string data(rng() % 300, '\0');
    for (char& c : data) c = static_cast<char>(rng());
    const size_t cut = data.empty() ? 0 : rng() % data.size();
    const uint32_t whole = Crc32c(data);
    CHECK(Crc32cExtend(Crc32c(data.data(), cut), data.data() + cut, data.size() - cut) == whole);
    CHECK(Crc32cExtendPortable(0, data.data(), data.size()) == whole);
    // Unaligned starts.
    if (data.size() > 3) {
      CHECK(Crc32c(data.data() + 3, data.size() - 3) ==
            Crc32cExtendPortable(0, data.data() + 3, data.size() - 3));
    }
  }
}

TEST_CASE("Snappy's CRC mask", "[crc32c]") {
  CHECK(Crc32cMask(0) == 0xa282ead8);
  const uint32_t c = 0x12345678;
  CHECK(Crc32cMask(c) == static_cast<uint32_t>(((c >> 15) | (c << 17)) + 0xa282ead8));
}
