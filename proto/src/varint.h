// Base-128 varints (protobuf's encoding) and zigzag, for the row encoding and the record stream.
// Private to proto. The readers never read past `end`.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

namespace deltatunnel::proto {

inline uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
inline int64_t UnZigZag(uint64_t v) {
  return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
}

// Stored at p, which has room for kMaxVarint bytes; answers the end.
inline constexpr size_t kMaxVarint = 10;
inline char* StoreVarint(char* p, uint64_t v) {
  while (v >= 0x80) {
    *p++ = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<char>(v);
  return p;
}
inline void PutVarint(std::string* out, uint64_t v) {
  char buf[kMaxVarint];
  out->append(buf, static_cast<size_t>(StoreVarint(buf, v) - buf));
}

// Reads a varint of at most 10 bytes at *p; false if truncated or overlong. Advances *p.
inline bool GetVarint(const char** p, const char* end, uint64_t* v) {
  const auto* s = reinterpret_cast<const uint8_t*>(*p);
  const auto* e = reinterpret_cast<const uint8_t*>(end);
  if (s < e && *s < 0x80) {  // the common one-byte case
    *v = *s;
    *p += 1;
    return true;
  }
  uint64_t result = 0;
  for (int shift = 0; shift < 70; shift += 7) {
    if (s >= e) return false;
    const uint8_t b = *s++;
    if (shift == 63 && b > 1) return false;  // more than 64 bits
    result |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (b < 0x80) {
      *v = result;
      *p = reinterpret_cast<const char*>(s);
      return true;
    }
  }
  return false;
}

// Little-endian, stored at p; answer the end.
inline char* StoreFixed32(char* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>(v >> (8 * i));
  return p + 4;
}
inline char* StoreFixed64(char* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<char>(v >> (8 * i));
  return p + 8;
}
inline void PutFixed32(std::string* out, uint32_t v) {
  char buf[4];
  out->append(buf, static_cast<size_t>(StoreFixed32(buf, v) - buf));
}
inline void PutFixed64(std::string* out, uint64_t v) {
  char buf[8];
  out->append(buf, static_cast<size_t>(StoreFixed64(buf, v) - buf));
}
inline uint32_t LoadFixed32(const char* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}
inline uint64_t LoadFixed64(const char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

}  // namespace deltatunnel::proto
