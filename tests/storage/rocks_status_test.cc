// rocks_status.h: RocksDB's errors classified by code and subcode, never by text.
#include <catch2/catch.hpp>

#include <rocksdb/io_status.h>

#include "store/local/rocks_status.h"

namespace deltatunnel::storage {
namespace {

TEST_CASE("each RocksDB error class maps to one engine code", "[rocks_status]") {
  using rocksdb::IOStatus;
  using rocksdb::Status;
  struct Case {
    Status status;
    ErrorCode code;
  };
  const Case cases[] = {
      {Status::NoSpace("disk"), ErrorCode::kNoSpace},
      {IOStatus::NoSpace("disk"), ErrorCode::kNoSpace},
      {Status::SpaceLimit("quota"), ErrorCode::kNoSpace},
      {Status::IOError("device"), ErrorCode::kIoError},
      {IOStatus::PathNotFound("gone"), ErrorCode::kIoError},
      {Status::Busy("lock"), ErrorCode::kBusy},
      {Status::TryAgain("later"), ErrorCode::kBusy},
      {Status::TimedOut("slow"), ErrorCode::kBusy},
      {Status::Incomplete("stall"), ErrorCode::kBusy},
      {Status::Aborted("stop"), ErrorCode::kBusy},
      {Status::ShutdownInProgress("bye"), ErrorCode::kBusy},
      {Status::Corruption("bad block"), ErrorCode::kCorruption},
      {Status::NotFound("key"), ErrorCode::kInternalServerError},
      {Status::InvalidArgument("ours"), ErrorCode::kInternalServerError},
      {Status::NotSupported("never"), ErrorCode::kInternalServerError},
  };
  for (const Case& c : cases) {
    INFO(c.status.ToString());
    CHECK(ClassifyRocks(c.status) == c.code);
    deltatunnel::Status s = FromRocks(c.status, "appending");
    CHECK(s.code() == c.code);
    CHECK(s.message() == "appending: " + c.status.ToString());
  }
  CHECK(FromRocks(Status::OK(), "x").ok());
  // The text says nothing: an IO error whose message reads like a corruption is still an IO error.
  CHECK(ClassifyRocks(Status::IOError("Corruption: no space, busy")) == ErrorCode::kIoError);
}

}  // namespace
}  // namespace deltatunnel::storage
