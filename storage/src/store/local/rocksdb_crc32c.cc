// See rocksdb_crc32c.h.
#include "rocksdb_crc32c.h"

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "deltatunnel/proto/crc32c.h"

namespace {
std::atomic<bool> called{false};
}  // namespace

namespace rocksdb::crc32c {

// Declared in RocksDB's util/crc32c.h (not installed): the CRC32C of the data `crc` covered
// followed by `buf[0, size)`, with the standard initial value and final xor, as proto's.
uint32_t Extend(uint32_t crc, const char* buf, size_t size);

uint32_t Extend(uint32_t crc, const char* buf, size_t size) {
  if (!called.load(std::memory_order_relaxed)) called.store(true, std::memory_order_relaxed);
  return deltatunnel::proto::Crc32cExtend(crc, buf, size);
}

}  // namespace rocksdb::crc32c

namespace deltatunnel::storage {

bool RocksDbCrc32cIsOurs() { return called.load(std::memory_order_relaxed); }

}  // namespace deltatunnel::storage
