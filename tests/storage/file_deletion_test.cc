// Obsolete files are freed gradually (EngineOptions::file_delete_bytes_per_sec): RocksDB renames
// them to *.trash and truncates them in steps. Trash a crash left behind is freed at the next Open.
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "test_util.h"

using namespace dt_test;

namespace {

constexpr uint64_t kTrashBytes = 48 << 20;

// A WAL file as RocksDB leaves it in trash, under the data dir.
std::filesystem::path PlantTrash(const std::string& dir) {
  std::filesystem::path p = std::filesystem::path(dir) / "000777.log.trash";
  std::ofstream(p) << std::string(kTrashBytes, 'x');
  return p;
}

// Polls `p` until it is gone (false after `limit`); `*partial` tells whether it was seen shorter
// than it was planted, i.e. freed in steps.
bool GoneWithin(const std::filesystem::path& p, std::chrono::seconds limit, bool* partial) {
  const auto end = std::chrono::steady_clock::now() + limit;
  std::error_code ec;
  for (;;) {
    const auto size = std::filesystem::file_size(p, ec);
    if (ec) return true;
    if (size < kTrashBytes) *partial = true;
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace

TEST_CASE("files: trash left by a crash is freed after Open, in steps; committed rows stay",
          "[storage][recovery]") {
  TempDir dir;
  TestClock clock;
  {
    auto e = Must(Engine::Open(Options(dir.path, clock)));
    auto info = Must(e->CreateTable(KvTable("t", false)));
    auto s = Must(e->OpenSession(SessionOn("t")));
    Batcher b(info);
    b.Upsert(1, "a").Upsert(2, "b");
    MustOk(e->Append(s.id, b.batch()));
    MustOk(e->Commit(s.id).status());
  }
  const auto trash = PlantTrash(dir.path);
  EngineOptions o = Options(dir.path, clock);
  bool partial = false;
  SECTION("gradually, 16 MiB at a time") {
    o.file_delete_bytes_per_sec = 16 << 20;
    auto e = Must(Engine::Open(o));
    CHECK(GoneWithin(trash, std::chrono::seconds(20), &partial));
    CHECK(partial);
    CHECK(ScanRows(*e, "t") == Rows{{1, {"a", 1.0}}, {2, {"b", 1.0}}});
  }
  SECTION("at once") {
    o.file_delete_bytes_per_sec = 0;
    auto e = Must(Engine::Open(o));
    CHECK(GoneWithin(trash, std::chrono::seconds(20), &partial));
    CHECK_FALSE(partial);
    CHECK(ScanRows(*e, "t") == Rows{{1, {"a", 1.0}}, {2, {"b", 1.0}}});
  }
}
