// What is on disk is not what was written: a table file's block changed while the server was down.
// The engine classifies RocksDB's checksum failure once (Corruption,
// storage/src/store/local/rocks_status.cc) and the server answers it by its one table: 500
// InternalServerError with the request id, never a 200 with wrong rows, never an abort. The server
// stays up and answers what it still can.
#include <algorithm>
#include <filesystem>
#include <fstream>

#include "api_fixture.h"

using namespace deltatunnel::testing;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// The largest table file of the data directory: after a restart the rows loaded before it are
// in one (RocksDB writes the recovered memtables to level 0).
fs::path LargestTableFile(const std::string& dir) {
  fs::path best;
  uintmax_t best_size = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file() || e.path().extension() != ".sst") continue;
    if (e.file_size() > best_size) {
      best = e.path();
      best_size = e.file_size();
    }
  }
  return best;
}

// Inverts `n` bytes from `at`. A table file begins with its data blocks (the index, filter and
// footer are at its end): the file still opens, and a read of those rows fails its block checksum.
void FlipBytes(const fs::path& file, std::streamoff at, size_t n) {
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  REQUIRE(f);
  std::string bytes(n, '\0');
  f.seekg(at);
  f.read(bytes.data(), static_cast<std::streamsize>(n));
  for (char& b : bytes) b = static_cast<char>(~b);
  f.seekp(at);
  f.write(bytes.data(), static_cast<std::streamsize>(n));
  REQUIRE(f);
}

}  // namespace

TEST_CASE(
    "a table file corrupted on disk: reads answer 500 InternalServerError, the server stays up",
    "[storage_corruption]") {
  ServerProcess server;
  auto c = server.Client();
  CreateTable(c, "p", KvTableJson("t"));
  std::string ndjson;
  for (int k = 0; k < 4000; ++k) {
    ndjson += fmt::format("{{\"k\": {}, \"s\": \"{}\"}}\n", k, std::string(100, 'a' + k % 26));
  }
  auto load = c.Send("POST", "/api/v1/projects/p/tables/t/load", ndjson,
                     {{"Content-Type", "application/x-ndjson"}});
  INFO(load.body);
  REQUIRE(load.status == 200);

  // Twice: the first restart writes the recovered rows to a table file, the second reads them
  // from it with an empty block cache.
  server.Restart();
  c = server.Client();
  REQUIRE(c.Get("/api/v1/projects/p/tables/t/data").status == 200);
  REQUIRE(server.Stop() == 0);
  const fs::path sst = LargestTableFile(server.data_dir());
  REQUIRE_FALSE(sst.empty());
  INFO(sst.string() << ", " << fs::file_size(sst) << " bytes");
  REQUIRE(fs::file_size(sst) > 16 * 1024);  // several data blocks (compressed)
  // The first data block: the scan fails before its first chunk is out, so the status line can
  // still say so (an error later in a long answer ends the stream early instead, as a truncated
  // chunked body: server/src/native/read.cc).
  FlipBytes(sst, 64, 64);
  server.Start();
  c = server.Client();

  auto read = c.Get("/api/v1/projects/p/tables/t/data");
  INFO(read.body);
  CHECK(read.status == 500);
  json body = json::parse(read.body, nullptr, false);
  REQUIRE(body.is_object());
  CHECK(body["Code"] == "InternalServerError");
  CHECK(body["RequestId"] == read.Header("x-odps-request-id"));
  CHECK_THAT(body["Message"].get<std::string>(), Catch::Contains("Corruption"));

  // Still serving: health, the catalog, and a new table's writes and reads.
  CHECK(c.Get("/healthz").status == 200);
  CHECK(c.Get("/api/v1/projects/p/tables/t").status == 200);
  CreateTable(c, "p", KvTableJson("fresh"));
  auto fresh = c.Send("POST", "/api/v1/projects/p/tables/fresh/load", "{\"k\": 1, \"s\": \"x\"}\n",
                      {{"Content-Type", "application/x-ndjson"}});
  CHECK(fresh.status == 200);
  CHECK(server.running());
}
