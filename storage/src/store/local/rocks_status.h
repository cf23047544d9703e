// RocksDB's errors, classified once where they arise: by the code and subcode RocksDB's Status
// carries, never by its text, into the engine's own codes (proto/status.h):
//
//   IOError/NoSpace, IOError/SpaceLimit                       -> kNoSpace
//   IOError (any other subcode), PathNotFound                 -> kIoError
//   Busy, TryAgain, TimedOut, Incomplete (a stall), Aborted,
//   ShutdownInProgress, IOError/IOFenced while recovering     -> kBusy
//   Corruption                                                -> kCorruption
//   NotFound, InvalidArgument, NotSupported, anything else    -> kInternalServerError (the engine
//                                                                asked for something it should
//                                                                not have; callers that expect
//                                                                NotFound test IsNotFound first)
//
// The server maps these codes to HTTP in one table (HttpStatusOf); etcd and object-store errors
// will land here too.
#pragma once

#include <rocksdb/status.h>

#include <string_view>

#include "deltatunnel/proto/status.h"

namespace deltatunnel::storage {

// The engine's code for RocksDB's status `s` (not ok).
ErrorCode ClassifyRocks(const rocksdb::Status& s);

// `s` as the engine's Status: Ok, or the classified code with "<context>: <RocksDB's message>".
Status FromRocks(const rocksdb::Status& s, std::string_view context);

}  // namespace deltatunnel::storage
