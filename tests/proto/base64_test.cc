// proto/base64.h: RFC 4648's test vectors, every byte value round-tripped, and what is refused.
#include <catch2/catch.hpp>

#include "deltatunnel/proto/base64.h"

using namespace deltatunnel::proto;

namespace {
std::string Encode(std::string_view bytes) {
  std::string out = "prefix:";
  AppendBase64(bytes, &out);
  return out.substr(7);
}
}  // namespace

TEST_CASE("base64: RFC 4648's vectors, appended", "[base64]") {
  CHECK(Encode("") == "");
  CHECK(Encode("f") == "Zg==");
  CHECK(Encode("fo") == "Zm8=");
  CHECK(Encode("foo") == "Zm9v");
  CHECK(Encode("foob") == "Zm9vYg==");
  CHECK(Encode("fooba") == "Zm9vYmE=");
  CHECK(Encode("foobar") == "Zm9vYmFy");
}

TEST_CASE("base64: every byte value round-trips, padded or not", "[base64]") {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (size_t n = 0; n <= all.size(); n += 37) {
    const std::string bytes = all.substr(0, n);
    std::string text = Encode(bytes), back;
    REQUIRE(DecodeBase64(text, &back));
    CHECK(back == bytes);
    while (!text.empty() && text.back() == '=') text.pop_back();
    REQUIRE(DecodeBase64(text, &back));
    CHECK(back == bytes);
  }
}

TEST_CASE("base64: not base64 is refused", "[base64]") {
  std::string out;
  CHECK_FALSE(DecodeBase64("Zg=", &out));    // 3 characters and one pad
  CHECK_FALSE(DecodeBase64("Z", &out));      // one character cannot hold a byte
  CHECK_FALSE(DecodeBase64("Zm 9v", &out));  // whitespace
  CHECK_FALSE(DecodeBase64("Zm-_", &out));   // the URL-safe alphabet
  CHECK_FALSE(DecodeBase64("QR==", &out));   // leftover bits not zero
}
