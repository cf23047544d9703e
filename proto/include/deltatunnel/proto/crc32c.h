// CRC32C (Castagnoli: reflected polynomial 0x82F63B78, initial value and final xor 0xFFFFFFFF), as
// the record stream (wire-format.md section 3) and the Snappy framing format use it. Uses the
// CPU's crc32 instruction where present (chosen at run time), a table otherwise.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace deltatunnel::proto {

// The CRC of `crc`'s data followed by `data`: Crc32cExtend(Crc32c(a), b) == Crc32c(a + b).
uint32_t Crc32cExtend(uint32_t crc, const void* data, size_t n);

inline uint32_t Crc32c(const void* data, size_t n) { return Crc32cExtend(0, data, n); }
inline uint32_t Crc32c(std::string_view data) { return Crc32c(data.data(), data.size()); }

// The Snappy framing format's masked CRC: ((crc >> 15) | (crc << 17)) + 0xa282ead8.
inline uint32_t Crc32cMask(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }

// The table implementation, whatever the CPU: for tests and benchmarks.
uint32_t Crc32cExtendPortable(uint32_t crc, const void* data, size_t n);

// True if this CPU computes CRC32C with its own instruction (SSE4.2).
bool Crc32cHardware();

}  // namespace deltatunnel::proto
