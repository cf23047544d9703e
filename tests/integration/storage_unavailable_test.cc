// When storage cannot take writes (wire-format.md section 6): 503 ServiceUnavailable with
// Retry-After on the write paths, while reads go on. The causes: the data directory's filesystem
// below `[storage] min_free_bytes`; the engine failing to write (a file size limit on the server
// process); a really full disk (a small tmpfs); faults injected at each write point (--test-hooks'
// /_test/fault). The server never aborts, and writes and /readyz come back by themselves once the
// cause is gone.
#include <sched.h>
#include <sys/mount.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "api_fixture.h"
#include "metrics_text.h"

using namespace deltatunnel::testing;
using nlohmann::json;

namespace {

const std::string kTable = "/api/v1/projects/p/tables/t";
const std::string kUpserts = "/projects/p/tables/t/upserts";

HttpResponse Load(HttpClient& c, const std::string& body, const std::string& table = "t") {
  return c.Send("POST", "/api/v1/projects/p/tables/" + table + "/load", body,
                {{"Content-Type", "application/x-ndjson"}});
}

HttpResponse PutStream(HttpClient& c, const std::string& id, const std::vector<KvRow>& rows) {
  return c.Send(
      "PUT",
      fmt::format("{}?upsertid={}&bucketid=0&slotid=0&record_count={}", kUpserts, id, rows.size()),
      KvStream(rows));
}

std::string OpenSession(HttpClient& c) {
  auto r = c.Send("POST", kUpserts + "?slotnum=1");
  INFO(r.body);
  REQUIRE(r.status == 200);
  return r.Json()["id"];
}

// A 503 of storage: ServiceUnavailable, Retry-After, the request id in the body.
void CheckUnavailable(const HttpResponse& r, const std::string& message_part) {
  INFO(r.body);
  CHECK(r.status == 503);
  CHECK(r.Header("retry-after") == "5");
  json body = json::parse(r.body, nullptr, false);
  REQUIRE(body.is_object());
  CHECK(body["Code"] == "ServiceUnavailable");
  CHECK(body["RequestId"] == r.Header("x-odps-request-id"));
  CHECK_THAT(body["Message"].get<std::string>(), Catch::Contains(message_part));
}

size_t RowCount(HttpClient& c) {
  auto r = c.Get(kTable + "/data");
  INFO(r.body);
  REQUIRE(r.status == 200);
  return NdjsonRows(r.body).size();
}

}  // namespace

TEST_CASE("below storage.min_free_bytes writes answer 503 with Retry-After, reads go on",
          "[storage_unavailable]") {
  // A threshold of one byte: writes go on.
  ServerOptions options;
  options.config_toml = "[storage]\nmin_free_bytes = 1\n";
  ServerProcess server(options);
  auto c = server.Client();
  CreateTable(c, "p", KvTableJson("t"));
  CreateTable(c, "p", KvTableJson("dropme"));
  REQUIRE(Load(c, "{\"k\": 1, \"s\": \"a\"}\n{\"k\": 2, \"s\": \"b\"}\n").status == 200);
  const std::string open = OpenSession(c);
  REQUIRE(PutStream(c, open, {{3, "c"}}).status == 200);
  const std::string idem_body = "{\"k\": 9, \"s\": \"once\"}\n";
  REQUIRE(c.Send("POST", kTable + "/load", idem_body,
                 {{"Content-Type", "application/x-ndjson"}, {"Idempotency-Key", "k1"}})
              .status == 200);

  // The same data, restarted with a threshold far above any disk's free space: the server is
  // not ready (writes cannot succeed) but serves.
  server.Stop();
  server.options().ready_path = "/healthz";
  std::ofstream(server.dir() + "/config.toml", std::ios::trunc)
      << "[storage]\nmin_free_bytes = 4611686018427387904\n";
  server.Start();
  c = server.Client();

  // Reads go on, the POST lookup too.
  CHECK(RowCount(c) == 3);
  CHECK(c.Get(kTable).status == 200);
  CHECK(c.Get(kTable + "/versions").status == 200);
  auto lookup = c.Send("POST", kTable + "/lookup", R"({"keys": [{"k": 1}]})");
  CHECK(lookup.status == 200);
  auto ready = c.Get("/readyz");
  CHECK(ready.status == 503);
  CHECK_THAT(ready.body, Catch::Contains("storage.min_free_bytes"));

  // Requests that add data are refused before they touch storage.
  CheckUnavailable(Load(c, "{\"k\": 4}\n"), "storage.min_free_bytes");
  CheckUnavailable(c.Send("POST", "/api/v1/projects/p/tables", KvTableJson("t2")),
                   "storage.min_free_bytes");
  CheckUnavailable(c.Send("POST", kUpserts + "?slotnum=1"), "storage.min_free_bytes");
  CheckUnavailable(PutStream(c, open, {{4, "d"}}), "storage.min_free_bytes");
  auto nd = c.Send("PUT", kUpserts + "?upsertid=" + open, "{\"k\": 4}\n",
                   {{"Content-Type", "application/x-ndjson"}});
  CheckUnavailable(nd, "storage.min_free_bytes");
  // A retried load whose key was committed answers its first result: it adds nothing.
  auto retried = c.Send("POST", kTable + "/load", idem_body,
                        {{"Content-Type", "application/x-ndjson"}, {"Idempotency-Key", "k1"}});
  INFO(retried.body);
  CHECK(retried.status == 200);
  CHECK(retried.Json()["duplicate"] == true);

  // Commits, aborts and drops finish or free what is there: they go on.
  auto commit = c.Send("POST", kUpserts + "?upsertid=" + open);
  INFO(commit.body);
  CHECK(commit.status == 200);
  CHECK(RowCount(c) == 4);
  CHECK(c.Send("DELETE", "/api/v1/projects/p/tables/dropme").status == 204);

  // The refusals are counted as throttled requests.
  auto metrics = ParseMetricsText(c.Get("/metrics").body);
  CHECK(metrics["deltatunnel_throttled_requests_total{code=\"ServiceUnavailable\"}"] >= 5);
}

TEST_CASE("storage write failures answer 503 with Retry-After, not 500; reads go on",
          "[storage_unavailable]") {
  ServerOptions options;
  options.config_toml = "[storage]\nmin_free_bytes = 0\n";  // no guard: storage itself fails
  ServerProcess server(options);
  auto c = server.Client();
  CreateTable(c, "p", KvTableJson("t"));
  // 1 MB in the write-ahead log, far more than the engine's info log (LOG) holds after a start.
  std::string body;
  const std::string big(100000, 'x');
  for (int k = 1; k <= 10; ++k) body += fmt::format("{{\"k\": {}, \"s\": \"{}\"}}\n", k, big);
  REQUIRE(Load(c, body).status == 200);
  const std::string id = OpenSession(c);
  REQUIRE(PutStream(c, id, {{11, "b"}}).status == 200);

  // No file of the server may grow past 256 KiB any more: the write-ahead log cannot take another
  // byte (its writes fail with EFBIG, as on a full disk), while RocksDB's info log still can.
  struct rlimit limit {};
  REQUIRE(prlimit(server.pid(), RLIMIT_FSIZE, nullptr, &limit) == 0);
  limit.rlim_cur = 256 << 10;
  if (prlimit(server.pid(), RLIMIT_FSIZE, &limit, nullptr) != 0) {
    WARN("cannot set RLIMIT_FSIZE of the server (" << std::strerror(errno) << "): skipped");
    return;
  }

  auto failed = Load(c, "{\"k\": 12, \"s\": \"c\"}\n");
  CheckUnavailable(failed, "IO error");
  CheckUnavailable(PutStream(c, id, {{13, "d"}}), "IO error");
  CheckUnavailable(c.Send("POST", kUpserts + "?upsertid=" + id), "IO error");
  CheckUnavailable(c.Send("POST", kUpserts + "?slotnum=1"), "IO error");
  // Reads go on, and see what was committed.
  CHECK(RowCount(c) == 10);
  CHECK(c.Get(kTable + "/versions").status == 200);
  CHECK(c.Get("/healthz").status == 200);
  auto metrics = ParseMetricsText(c.Get("/metrics").body);
  CHECK(metrics["deltatunnel_throttled_requests_total{code=\"ServiceUnavailable\"}"] >= 4);
}

namespace {

// Polls /readyz until it answers `status` (bounded); answers the last answer.
HttpResponse WaitReady(HttpClient& c, int status) {
  HttpResponse r;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  do {
    r = c.Get("/readyz");
    if (r.status == status) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  } while (std::chrono::steady_clock::now() < deadline);
  return r;
}

// NDJSON of `n` rows with keys from `first`, each with a value of `width` bytes.
std::string Rows(int64_t first, int n, size_t width) {
  const std::string value(width, 'v');
  std::string body;
  body.reserve(static_cast<size_t>(n) * (width + 32));
  for (int64_t k = first; k < first + n; ++k) {
    body += fmt::format("{{\"k\": {}, \"s\": \"{}\"}}\n", k, value);
  }
  return body;
}

// A data directory on its own tmpfs of `size_mb`, in a mount namespace private to this process
// (and the servers it starts), so nothing outlives the test. Needs CAP_SYS_ADMIN (CI runs as root);
// false when the mount is refused.
bool MountTmpfs(const std::string& dir, int size_mb) {
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string opts = "size=" + std::to_string(size_mb) + "m";
  return unshare(CLONE_NEWNS) == 0 &&
         mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0 &&
         mount("tmpfs", dir.c_str(), "tmpfs", 0, opts.c_str()) == 0;
}

// The recipe that aborted the server on Debian's RocksDB 7.8: the guard off, no compaction, the
// data directory on a 64 MiB tmpfs filled by a file to its last 6 MiB, twelve NDJSON loads of
// 20,000 rows back to back. Every load answers 200 or 503 (never 500, never a dropped
// connection), the server stays up, and once the filler is deleted writes and /readyz come back
// without a restart; after a restart every acknowledged load is there.
void FullTmpfsRecipe() {
  ServerOptions options;
  options.config_toml =
      "[storage]\nmin_free_bytes = 0\nblock_cache_mb = 8\n[compaction]\nthreads = 0\n";
  ServerProcess server(options);
  server.Stop();
  const std::string data = server.data_dir();
  if (!MountTmpfs(data, 64)) {
    WARN("cannot mount a tmpfs (" << std::strerror(errno) << "): skipped");
    return;
  }
  struct Unmount {
    std::string dir;
    ServerProcess* server;
    ~Unmount() {
      if (server->running()) server->Kill();
      umount2(dir.c_str(), MNT_DETACH);
    }
  } unmount{data, &server};
  const std::string filler = data + "/filler.bin";
  {
    std::ofstream f(filler, std::ios::binary);
    const std::string mib(1 << 20, '\0');
    for (int i = 0; i < 58; ++i) f << mib;
    REQUIRE(f.good());
  }
  server.Start();
  auto c = server.Client();
  CreateTable(c, "p", KvTableJson("t"));
  size_t acknowledged = 0;
  int refused = 0;
  for (int i = 0; i < 12; ++i) {
    auto r = Load(c, Rows(i * 20000, 20000, 100));
    INFO("load " << i << ": " << r.status << " " << r.body.substr(0, 300));
    REQUIRE((r.status == 200 || r.status == 503));
    if (r.status == 200) acknowledged += 20000;
    if (r.status == 503) {
      CheckUnavailable(r, "No space");
      ++refused;
    }
  }
  CHECK(refused > 0);
  CHECK(c.Get("/healthz").status == 200);
  // Not ready while storage is stopped; RocksDB's own recovery may already have made room (the
  // memtables flushed, their WAL files freed: 1 run in 50 here), and then it is ready again.
  const int ready_status = c.Get("/readyz").status;
  CHECK((ready_status == 503 || ready_status == 200));
  CHECK(RowCount(c) == acknowledged);  // reads go on

  // Space freed: writes resume by themselves, and readiness with them.
  std::filesystem::remove(filler);
  auto ready = WaitReady(c, 200);
  INFO(ready.body);
  REQUIRE(ready.status == 200);
  auto after = Load(c, Rows(1'000'000, 1000, 100));
  INFO(after.body);
  REQUIRE(after.status == 200);
  acknowledged += 1000;
  CHECK(RowCount(c) == acknowledged);
  server.Restart();
  auto again = server.Client();  // a new port
  CHECK(RowCount(again) == acknowledged);
}

}  // namespace

TEST_CASE("a full disk answers 503, never aborts, and writes resume once space is freed",
          "[storage_unavailable][full_disk]") {
  FullTmpfsRecipe();
}

TEST_CASE("the full-disk recipe, 50 times", "[.stress][full_disk]") {
  for (int i = 0; i < 50; ++i) {
    INFO("run " << i);
    FullTmpfsRecipe();
  }
}

TEST_CASE(
    "a fault at a write point answers 503 with its cause, /readyz follows, and writes "
    "resume once it is lifted, without a restart",
    "[storage_unavailable][fault]") {
  ServerOptions options;
  options.config_toml = "[storage]\nmin_free_bytes = 0\n";
  ServerProcess server(options);
  auto c = server.Client();
  CreateTable(c, "p", KvTableJson("t"));
  REQUIRE(Load(c, Rows(0, 100, 10)).status == 200);
  const std::string id = OpenSession(c);
  REQUIRE(PutStream(c, id, {{500, "open"}}).status == 200);
  size_t rows = 100;
  struct Case {
    const char* fault;
    const char* cause;
  };
  for (const Case& k : {Case{"kind=wal&op=append&error=nospace", "No space"},
                        Case{"kind=wal&op=sync&error=eio", "IO error"},
                        Case{"kind=sst&op=append&error=eio", "IO error"}}) {
    INFO(k.fault);
    REQUIRE(c.Send("POST", std::string("/_test/fault?") + k.fault).status == 200);
    // A flush (a memtable's table file) happens in the background: an sst fault is reached by
    // the write that fills the memtable, so write until refused (bounded).
    HttpResponse refused;
    for (int i = 0; i < 200; ++i) {
      refused = Load(c, Rows(10'000 + static_cast<int64_t>(rows), 2000, 1000));
      if (refused.status != 200) break;
      rows += 2000;
    }
    CheckUnavailable(refused, k.cause);
    CheckUnavailable(PutStream(c, id, {{501, "x"}}), k.cause);
    auto ready = WaitReady(c, 503);
    CHECK(ready.status == 503);
    CHECK_THAT(ready.body, Catch::Contains(k.cause));
    CHECK(RowCount(c) == rows);  // reads go on
    REQUIRE(c.Send("DELETE", "/_test/fault").status == 200);
    auto recovered = WaitReady(c, 200);
    if (recovered.status != 200) {
      const std::string log = server.Log();
      INFO("the server's log ends: " << log.substr(log.size() > 6000 ? log.size() - 6000 : 0));
      REQUIRE(recovered.status == 200);
    }
    REQUIRE(Load(c, Rows(900'000 + static_cast<int64_t>(rows), 10, 10)).status == 200);
    rows += 10;
  }
  // The session open across the faults commits whole.
  REQUIRE(PutStream(c, id, {{502, "after"}}).status == 200);
  REQUIRE(c.Send("POST", kUpserts + "?upsertid=" + id).status == 200);
  rows += 2;
  CHECK(RowCount(c) == rows);
  // Counted: writes stopped and resumed (gauges refreshed once a second).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::map<std::string, double> metrics;
  do {
    metrics = ParseMetricsText(c.Get("/metrics").body);
    if (metrics["deltatunnel_storage_recoveries_total"] >= 3) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  } while (std::chrono::steady_clock::now() < deadline);
  CHECK(metrics["deltatunnel_storage_stops_total"] >= 3);
  CHECK(metrics["deltatunnel_storage_recoveries_total"] >= 3);
  CHECK(metrics["deltatunnel_storage_writable"] == 1);
  server.Restart();
  auto again = server.Client();  // a new port
  CHECK(RowCount(again) == rows);
}
