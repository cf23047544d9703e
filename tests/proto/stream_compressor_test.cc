// StreamCompressor and ChooseDownloadEncoding
// (proto/include/deltatunnel/proto/stream_compressor.h).
#include <catch2/catch.hpp>

#include <random>

#include "deltatunnel/proto/compression.h"
#include "deltatunnel/proto/stream_compressor.h"

namespace deltatunnel::proto {
namespace {

// Text that compresses, with some noise, about `n` bytes.
std::string Sample(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s;
  while (s.size() < n) {
    s += "row " + std::to_string(rng() % 1000) + " value ";
    if (rng() % 7 == 0) s.push_back(static_cast<char>(rng()));
  }
  s.resize(n);
  return s;
}

TEST_CASE("a stream compressed piece by piece decompresses whole, in every encoding",
          "[compression]") {
  for (const char* encoding :
       {"", "identity", "deflate", "gzip", "x-snappy-framed", "x-lz4-frame", "zstd", "ZSTD"}) {
    for (const std::vector<size_t>& pieces : std::vector<std::vector<size_t>>{
             {}, {0}, {1}, {100, 0, 5}, {70000, 1, 200000}, {65536, 65536, 3}}) {
      INFO(encoding << ", " << pieces.size() << " pieces");
      auto c = StreamCompressor::Make(encoding);
      REQUIRE(c.ok());
      std::string data, out;
      uint64_t seed = 1;
      for (size_t n : pieces) {
        const std::string piece = Sample(n, seed++);
        data += piece;
        (*c)->Update(piece, &out);
      }
      (*c)->Finish(&out);
      auto back = Decompress(encoding, out, 1 << 24);
      INFO(back.status().ToString());
      REQUIRE(back.ok());
      CHECK(*back == data);
      if (data.size() > 100000 && !IsIdentityEncoding(encoding)) CHECK(out.size() < data.size());
    }
  }
  CHECK(StreamCompressor::Make("brotli").status().code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("the download encoding follows Accept-Encoding", "[compression]") {
  CHECK(ChooseDownloadEncoding("") == "");
  CHECK(ChooseDownloadEncoding("deflate") == "deflate");
  CHECK(ChooseDownloadEncoding("gzip, deflate") == "deflate");
  CHECK(ChooseDownloadEncoding("gzip") == "");
  CHECK(ChooseDownloadEncoding("identity") == "");
  CHECK(ChooseDownloadEncoding("X-Snappy-Framed") == "x-snappy-framed");
  CHECK(ChooseDownloadEncoding("zstd;q=0.5, x-lz4-frame") == "zstd");
  CHECK(ChooseDownloadEncoding("zstd;q=0, x-lz4-frame") == "x-lz4-frame");
  CHECK(ChooseDownloadEncoding("deflate; q=0.0") == "");
  CHECK(ChooseDownloadEncoding(" br , zstd ") == "zstd");
}

}  // namespace
}  // namespace deltatunnel::proto
