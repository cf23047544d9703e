// RocksDB's CRC32C, computed with the CPU's crc32 instruction.
//
// Every byte an Append writes goes through RocksDB's WAL, whose records carry a CRC32C from
// `rocksdb::crc32c::Extend`. Debian's librocksdb is built for any x86-64 (no -msse4.2), so its
// Extend is a table loop: 0.62 ms a MiB on the benchmark machine, beside 0.09 ms for the crc32
// instruction (proto/crc32c.h). rocksdb_crc32c.cc defines `rocksdb::crc32c::Extend` itself; the
// linker exports that definition from any executable that links this library and librocksdb, and
// the dynamic linker then binds librocksdb's own calls to it (an executable's symbols come first),
// as it does for malloc. It computes the same CRC (tests/storage/rocksdb_crc32c_test.cc holds it
// to librocksdb's own on random input), so files written with either read with the other.
// If RocksDB's calls ever stop going through the symbol (a build with -Bsymbolic or whole-program
// optimisation), RocksDB keeps its own and only speed changes; the first Open logs which is in use.
#pragma once

namespace deltatunnel::storage {

// True once RocksDB has called the definition in rocksdb_crc32c.cc (opening a database does: its
// MANIFEST records carry CRCs).
bool RocksDbCrc32cIsOurs();

}  // namespace deltatunnel::storage
