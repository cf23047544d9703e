// Two implementations behind one function pointer, chosen once: the SSE4.2 crc32 instruction, 8
// bytes a step, compiled with a target attribute so the build needs no -msse4.2; and table-driven
// slicing-by-8 for other CPUs. Both work on the un-inverted register (~crc).
#include "deltatunnel/proto/crc32c.h"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace deltatunnel::proto {
namespace {

constexpr uint32_t kPoly = 0x82F63B78;

struct Tables {
  std::array<std::array<uint32_t, 256>, 8> t{};
  constexpr Tables() {
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c >> 1) ^ ((c & 1) ? kPoly : 0);
      t[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; ++i) {
      for (size_t s = 1; s < 8; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xff];
    }
  }
};
constexpr Tables kTables;

uint32_t ExtendPortable(uint32_t l, const uint8_t* p, size_t n) {
  const auto& t = kTables.t;
  while (n >= 8) {
    uint32_t lo, hi;
    std::memcpy(&lo, p, 4);
    std::memcpy(&hi, p + 4, 4);
    lo ^= l;  // little-endian hosts only, like the rest of the wire code
    l = t[7][lo & 0xff] ^ t[6][(lo >> 8) & 0xff] ^ t[5][(lo >> 16) & 0xff] ^ t[4][lo >> 24] ^
        t[3][hi & 0xff] ^ t[2][(hi >> 8) & 0xff] ^ t[1][(hi >> 16) & 0xff] ^ t[0][hi >> 24];
    p += 8;
    n -= 8;
  }
  while (n-- > 0) l = (l >> 8) ^ t[0][(l ^ *p++) & 0xff];
  return l;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) uint32_t ExtendSse42(uint32_t l, const uint8_t* p, size_t n) {
  uint64_t l64 = l;
  while (n >= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    l64 = _mm_crc32_u64(l64, v);
    p += 8;
    n -= 8;
  }
  auto l32 = static_cast<uint32_t>(l64);
  if (n >= 4) {
    uint32_t v;
    std::memcpy(&v, p, 4);
    l32 = _mm_crc32_u32(l32, v);
    p += 4;
    n -= 4;
  }
  while (n-- > 0) l32 = _mm_crc32_u8(l32, *p++);
  return l32;
}
#endif

using ExtendFn = uint32_t (*)(uint32_t, const uint8_t*, size_t);

ExtendFn Choose() {
#if defined(__x86_64__)
  if (__builtin_cpu_supports("sse4.2")) return ExtendSse42;
#endif
  return ExtendPortable;
}

// A function-local static, so that callers from other static initialisers find it ready.
ExtendFn Extend() {
  static const ExtendFn fn = Choose();
  return fn;
}

}  // namespace

uint32_t Crc32cExtend(uint32_t crc, const void* data, size_t n) {
  return ~Extend()(~crc, static_cast<const uint8_t*>(data), n);
}

uint32_t Crc32cExtendPortable(uint32_t crc, const void* data, size_t n) {
  return ~ExtendPortable(~crc, static_cast<const uint8_t*>(data), n);
}

bool Crc32cHardware() { return Extend() != ExtendPortable; }

}  // namespace deltatunnel::proto
