// Feeds arbitrary bytes to Decompress under every encoding (the first byte picks one), with a
// small output limit: no crash, no output beyond the limit.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "deltatunnel/proto/compression.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const char* const kEncodings[] = {"identity",        "deflate",     "gzip",
                                           "x-snappy-framed", "x-lz4-frame", "zstd"};
  if (size < 1) return 0;
  const size_t limit = 1 << 20;
  const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  auto out = deltatunnel::proto::Decompress(kEncodings[data[0] % 6], body, limit);
  if (out.ok() && out->size() > limit) __builtin_trap();
  return 0;
}
