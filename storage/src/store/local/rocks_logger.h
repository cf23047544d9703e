// RocksDB's info log, through the daemon's log (spdlog) instead of a LOG file in the data
// directory. RocksDB 7.8 writes its LOG through a WritableFileWriter: once a line fails to write
// (a full disk), the next line hits the writer's assertion `sync_without_flush_called_` and aborts
// the process (fixed upstream in RocksDB 9, facebook/rocksdb#12448; Debian's librocksdb keeps its
// assertions). The data directory then holds only what recovery needs.
//
// Levels: RocksDB's WARN, ERROR and FATAL lines are the daemon's warnings and errors; its INFO
// and HEADER lines (every flush and compaction) are debug, formatted only when debug is on.
#pragma once

#include <rocksdb/env.h>

#include <memory>

namespace deltatunnel::storage {

std::shared_ptr<rocksdb::Logger> NewRocksLogger();

}  // namespace deltatunnel::storage
