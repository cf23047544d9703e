// A Bloom filter over the encoded keys of one run, built by Append and kept with the run's record
// (and in memory in the manifest, ~10 bits a row). A lookup asks every visible run of the key's
// bucket, newest first, and seeks only those that may hold the key: until compaction folds a
// bucket's runs, there can be many, and a Seek into each costs tens of microseconds.
//
// Format: bit array (LSB-first bytes) followed by one byte k (the number of probes). Probes use
// double hashing over a 64-bit hash of the key (FNV-1a, then a murmur finaliser), stable across
// builds because filters are persisted.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace deltatunnel::storage {

inline uint64_t KeyHash(std::string_view key) {
  uint64_t h = 1469598103934665603ull;
  for (char c : key) {
    h ^= static_cast<uint8_t>(c);
    h *= 1099511628211ull;
  }
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h;
}

inline std::string BuildKeyFilter(const std::vector<uint64_t>& hashes) {
  constexpr int kProbes = 6;
  const size_t bits = std::max<size_t>(64, hashes.size() * 10);
  std::string filter((bits + 7) / 8, '\0');
  const uint64_t nbits = filter.size() * 8;
  for (uint64_t h : hashes) {
    const uint64_t delta = (h >> 32) | (h << 32);
    for (int i = 0; i < kProbes; ++i, h += delta) {
      const uint64_t bit = h % nbits;
      filter[bit / 8] = static_cast<char>(filter[bit / 8] | (1 << (bit % 8)));
    }
  }
  filter.push_back(static_cast<char>(kProbes));
  return filter;
}

// True if the run may hold the key; an empty filter (none recorded) always may.
inline bool KeyFilterMayContain(std::string_view filter, uint64_t h) {
  if (filter.size() < 2) return true;
  const int probes = static_cast<uint8_t>(filter.back());
  const uint64_t nbits = (filter.size() - 1) * 8;
  const uint64_t delta = (h >> 32) | (h << 32);
  for (int i = 0; i < probes; ++i, h += delta) {
    const uint64_t bit = h % nbits;
    if ((static_cast<uint8_t>(filter[bit / 8]) & (1 << (bit % 8))) == 0) return false;
  }
  return true;
}

}  // namespace deltatunnel::storage
