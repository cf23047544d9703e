// write_guard.h: the free-space guard of the data directory; and the one table (HttpStatusOf,
// ApiErrorCode) that answers storage's classified errors.
#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <thread>

#include "api_util.h"
#include "write_guard.h"

namespace deltatunnel::server {
namespace {

using std::chrono::milliseconds;

TEST_CASE("the guard refuses writes below the threshold, with the numbers", "[write_guard]") {
  uint64_t free_bytes = 100ull << 20;
  int measured = 0;
  DiskGuard guard(
      "/data", 64ull << 20,
      [&](const std::string& dir) -> Result<uint64_t> {
        CHECK(dir == "/data");
        ++measured;
        return free_bytes;
      },
      milliseconds(0));
  CHECK(guard.CheckWritable().ok());
  free_bytes = 10ull << 20;
  Status s = guard.CheckWritable();
  CHECK(s.code() == ErrorCode::kServiceUnavailable);
  CHECK_THAT(s.message(), Catch::Contains("10.0 MiB free") &&
                              Catch::Contains("storage.min_free_bytes (64.0 MiB)") &&
                              Catch::Contains("reads go on"));
  CHECK(HttpStatusOf(s.code()) == 503);
  free_bytes = 64ull << 20;  // exactly the threshold is enough
  CHECK(guard.CheckWritable().ok());
  CHECK(measured == 3);
}

TEST_CASE("the guard measures at most once per recheck interval", "[write_guard]") {
  int measured = 0;
  DiskGuard guard(
      "/data", 1000,
      [&](const std::string&) -> Result<uint64_t> {
        ++measured;
        return uint64_t{10};
      },
      std::chrono::hours(1));
  for (int i = 0; i < 5; ++i) CHECK(guard.CheckWritable().code() == ErrorCode::kServiceUnavailable);
  CHECK(measured == 1);
}

TEST_CASE("threshold 0 is off; an unmeasurable filesystem lets writes go on", "[write_guard]") {
  int measured = 0;
  DiskGuard off("/data", 0, [&](const std::string&) -> Result<uint64_t> {
    ++measured;
    return uint64_t{0};
  });
  CHECK(off.CheckWritable().ok());
  CHECK(measured == 0);
  DiskGuard unknown(
      "/data", 1, [](const std::string&) -> Result<uint64_t> { return Internal("statvfs failed"); },
      milliseconds(0));
  CHECK(unknown.CheckWritable().ok());
}

TEST_CASE("the real filesystem: statvfs of a directory", "[write_guard]") {
  const std::string dir = std::filesystem::temp_directory_path().string();
  Result<uint64_t> free = DiskGuard::FilesystemFreeBytes(dir);
  REQUIRE(free.ok());
  CHECK(*free > 0);
  CHECK_FALSE(DiskGuard::FilesystemFreeBytes("/no/such/directory/here").ok());
  CHECK(DiskGuard(dir, 1, DiskGuard::FilesystemFreeBytes).CheckWritable().ok());
  CHECK(DiskGuard(dir, *free * 1024, DiskGuard::FilesystemFreeBytes).CheckWritable().code() ==
        ErrorCode::kServiceUnavailable);
}

TEST_CASE("the guard is safe to share between threads", "[write_guard]") {
  std::atomic<int> measured{0};
  DiskGuard guard(
      "/data", 100,
      [&](const std::string&) -> Result<uint64_t> {
        ++measured;
        return uint64_t{50};
      },
      milliseconds(0));
  std::atomic<int> refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        if (guard.CheckWritable().code() == ErrorCode::kServiceUnavailable) ++refused;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(refused == 4000);
  CHECK(measured == 4000);
}

TEST_CASE(
    "storage's classified errors are answered by one table: 503 for what passes, 500 "
    "for corruption, with the API's code names",
    "[write_guard]") {
  Request req;
  req.request_id = "r1";
  struct Case {
    ErrorCode code;
    int status;
    const char* api_code;
  };
  for (const Case& c : {Case{ErrorCode::kNoSpace, 503, "ServiceUnavailable"},
                        Case{ErrorCode::kIoError, 503, "ServiceUnavailable"},
                        Case{ErrorCode::kBusy, 503, "ServiceUnavailable"},
                        Case{ErrorCode::kCorruption, 500, "InternalServerError"},
                        Case{ErrorCode::kInternalServerError, 500, "InternalServerError"}}) {
    INFO(ErrorCodeName(c.code));
    Response r = Answer(req, [&]() -> Result<Response> { return Status(c.code, "why"); });
    CHECK(r.status == c.status);
    auto body = nlohmann::json::parse(r.body);
    CHECK(body["Code"] == c.api_code);
    CHECK(body["Message"] == "why");
    if (c.status == 503)
      CHECK(r.headers["retry-after"] == std::to_string(kStorageRetryAfterSeconds));
    if (c.code != ErrorCode::kInternalServerError) CHECK(ApiErrorCode(c.code) != c.code);
  }
  // API codes pass unchanged.
  CHECK(ApiErrorCode(ErrorCode::kSlotExceeded) == ErrorCode::kSlotExceeded);
  CHECK(HttpStatusOf(ErrorCode::kNoSpace) == 503);
}

TEST_CASE("a 503 from a handler carries the storage Retry-After", "[write_guard]") {
  Request req;
  req.request_id = "r1";
  Response r = Answer(
      req, []() -> Result<Response> { return Status(ErrorCode::kServiceUnavailable, "full"); });
  CHECK(r.status == 503);
  CHECK(r.headers["retry-after"] == std::to_string(kStorageRetryAfterSeconds));
  r = Answer(req, []() -> Result<Response> { return Status(ErrorCode::kSlotExceeded, "busy"); });
  CHECK(r.status == 429);
  CHECK(r.headers["retry-after"] == "1");
}

}  // namespace
}  // namespace deltatunnel::server
