#include "deltatunnel/proto/compression.h"

#include <catch2/catch.hpp>
#include <random>

#include "deltatunnel/proto/crc32c.h"

using namespace deltatunnel;
using namespace deltatunnel::proto;

namespace {

const char* const kEncodings[] = {"deflate",  "gzip", "x-snappy-framed", "x-lz4-frame", "zstd",
                                  "identity", ""};

std::string Sample(size_t n, uint64_t seed, bool compressible) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) {
    const bool noise = !compressible || rng() % 50 == 0;
    s[i] = noise ? static_cast<char>(rng()) : "the quick brown fox "[(i + i / 997) % 20];
  }
  return s;
}

std::string MustCompress(std::string_view enc, std::string_view data) {
  Result<std::string> c = Compress(enc, data);
  REQUIRE(c.ok());
  return c.value();
}

}  // namespace

TEST_CASE("every encoding round trips", "[compression]") {
  for (const char* enc : kEncodings) {
    for (size_t n :
         {size_t{0}, size_t{1}, size_t{100}, size_t{65536}, size_t{65537}, size_t{300000}}) {
      for (bool compressible : {true, false}) {
        CAPTURE(enc, n, compressible);
        const std::string data = Sample(n, n + 1, compressible);
        const std::string body = MustCompress(enc, data);
        if (compressible && n >= 65536 && !IsIdentityEncoding(enc)) CHECK(body.size() < n / 2);
        Result<std::string> back = Decompress(enc, body, 1 << 20);
        INFO(back.status().ToString());
        REQUIRE(back.ok());
        CHECK(back.value() == data);
      }
    }
  }
}

TEST_CASE("encoding names", "[compression]") {
  CHECK(IsKnownEncoding("DEFLATE"));
  CHECK(IsKnownEncoding(" zstd "));
  CHECK(IsKnownEncoding(""));
  CHECK(IsIdentityEncoding("Identity"));
  CHECK_FALSE(IsIdentityEncoding("zstd"));
  CHECK_FALSE(IsKnownEncoding("br"));
  Result<std::string> d = Decompress("br", "x", 100);
  CHECK(d.status().code() == ErrorCode::kInvalidArgument);
  CHECK(d.status().message().find("'br'") != std::string::npos);
  CHECK(Compress("snappy", "x").status().code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("output over the limit is RequestTooLarge, even for a tiny bomb", "[compression]") {
  const std::string zeros(4 << 20, '\0');
  for (const char* enc : kEncodings) {
    CAPTURE(enc);
    const std::string body = MustCompress(enc, zeros);
    Result<std::string> r = Decompress(enc, body, 1 << 20);
    CHECK(r.status().code() == ErrorCode::kRequestTooLarge);
    // Exactly at the limit is fine.
    Result<std::string> exact = Decompress(enc, body, zeros.size());
    REQUIRE(exact.ok());
    CHECK(exact->size() == zeros.size());
  }
}

TEST_CASE("corrupt and truncated bodies are CorruptedDataStream", "[compression]") {
  const std::string data = Sample(200000, 3, true);
  std::mt19937_64 rng(9);
  for (const char* enc : {"deflate", "gzip", "x-snappy-framed", "x-lz4-frame", "zstd"}) {
    CAPTURE(enc);
    const std::string body = MustCompress(enc, data);
    for (size_t cut : {size_t{0}, size_t{1}, body.size() / 2, body.size() - 1}) {
      CAPTURE(cut);
      Result<std::string> r = Decompress(enc, body.substr(0, cut), 1 << 20);
      CHECK(r.status().code() == ErrorCode::kCorruptedDataStream);
    }
    CHECK(Decompress(enc, "not compressed at all", 1 << 20).status().code() ==
          ErrorCode::kCorruptedDataStream);
    // Flipped bytes: refused, or (where a format has no checksum over that byte) some output;
    // never a crash or an overrun.
    int refused = 0;
    for (int i = 0; i < 200; ++i) {
      std::string bad = body;
      bad[rng() % bad.size()] ^= static_cast<char>(1 + rng() % 255);
      Result<std::string> r = Decompress(enc, bad, 1 << 20);
      if (!r.ok()) {
        ++refused;
        CHECK(r.status().code() == ErrorCode::kCorruptedDataStream);
      }
    }
    CHECK(refused > 150);
  }
}

TEST_CASE("deflate takes the zlib format, and raw deflate too", "[compression]") {
  const std::string body = MustCompress("deflate", "hello hello hello");
  CHECK(static_cast<uint8_t>(body[0]) == 0x78);  // a zlib header (RFC 1950)
  CHECK(Decompress("deflate", body.substr(2, body.size() - 6), 100).value() ==
        "hello hello hello");  // without header and Adler-32: raw deflate
  CHECK(Decompress("deflate", body + "x", 100).status().code() == ErrorCode::kCorruptedDataStream);
}

TEST_CASE("snappy framing: identifier, CRC, chunk types", "[compression]") {
  const std::string body = MustCompress("x-snappy-framed", "abc");
  CHECK(body.substr(0, 10) == std::string("\xff\x06\x00\x00sNaPpY", 10));
  // A chunk whose masked CRC is wrong is refused.
  std::string bad = body;
  bad[14] ^= 1;
  CHECK(Decompress("x-snappy-framed", bad, 100).status().message().find("CRC") !=
        std::string::npos);
  // Padding (0xfe) and reserved skippable chunks (0x80) are skipped; 0x02 is refused.
  const std::string pad = std::string("\xfe\x02\x00\x00zz", 6);
  const std::string skip = std::string("\x80\x01\x00\x00q", 5);
  CHECK(Decompress("x-snappy-framed", body + pad + skip + body.substr(10), 100).value() ==
        "abcabc");
  CHECK(Decompress("x-snappy-framed", body + std::string("\x02\x00\x00\x00", 4), 100)
            .status()
            .code() == ErrorCode::kCorruptedDataStream);
  // An uncompressed chunk, built by hand.
  const uint32_t masked = Crc32cMask(Crc32c("xyz"));
  std::string raw = std::string("\xff\x06\x00\x00sNaPpY\x01\x07\x00\x00", 14);
  for (int i = 0; i < 4; ++i) raw.push_back(static_cast<char>(masked >> (8 * i)));
  raw += "xyz";
  CHECK(Decompress("x-snappy-framed", raw, 100).value() == "xyz");
  CHECK(Decompress("x-snappy-framed", raw.substr(10), 100).status().code() ==
        ErrorCode::kCorruptedDataStream);  // no stream identifier
}
