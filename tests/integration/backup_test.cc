// Online backups through real HTTP (docs/api.md, "Backups") and `deltatunnel-server --restore` /
// `--verify-backup`: a backup holds each table at one version; a restored server answers the data
// of those versions; a server killed in the middle of a backup keeps only whole backups.
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "api_fixture.h"

using namespace deltatunnel::testing;
using nlohmann::json;

namespace {

const std::string kKv = "/api/v1/projects/p/tables/kv";

struct BackupDir {
  std::string path;
  BackupDir() {
    char tmpl[] = "/tmp/dt_backup_test_XXXXXX";
    path = std::string(mkdtemp(tmpl)) + "/backups";
  }
  ~BackupDir() { std::filesystem::remove_all(std::filesystem::path(path).parent_path()); }
};

ServerOptions WithBackups(const BackupDir& dir) {
  ServerOptions o;
  o.args = {"--backup-dir", dir.path};
  return o;
}

HttpResponse Load(HttpClient& c, int64_t from, int64_t count, const std::string& tag) {
  std::string body;
  for (int64_t k = from; k < from + count; ++k) {
    body += fmt::format(R"({{"k": {}, "s": "{}{}"}})", k, tag, k) + "\n";
  }
  return c.Send("POST", kKv + "/load", body, {{"Content-Type", "application/x-ndjson"}});
}

// Waits for the running backup to end; answers GET /api/v1/backups then.
json AwaitBackup(HttpClient& c) {
  for (int i = 0; i < 1200; ++i) {
    auto r = c.Send("GET", "/api/v1/backups");
    REQUIRE(r.status == 200);
    json list = r.Json();
    if (list["running"].is_null()) return list;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  FAIL("the backup did not end");
  return {};
}

// deltatunnel-server with these flags, to its exit; answers its exit code and output.
std::pair<int, std::string> RunServer(const std::string& flags) {
  const std::string out = std::filesystem::temp_directory_path() / "dt_backup_test_out.txt";
  const int rc = std::system((ServerBinary() + " " + flags + " > " + out + " 2>&1").c_str());
  std::string text;
  if (FILE* f = std::fopen(out.c_str(), "r")) {
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
    std::fclose(f);
  }
  std::filesystem::remove(out);
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, text};
}

}  // namespace

TEST_CASE("backup: off without backup.dir", "[native][backup]") {
  ServerProcess server;
  auto c = server.Client();
  auto r = c.Send("POST", "/api/v1/backups");
  CHECK(r.status == 503);
  CHECK(r.Json()["Code"] == "ServiceUnavailable");
  CHECK(r.body.find("backup.dir") != std::string::npos);
}

TEST_CASE("backup: create, list, verify, delete; restore into a new server", "[native][backup]") {
  BackupDir backups;
  ServerProcess server(WithBackups(backups));
  auto c = server.Client();
  CreateTable(c, "p", KvTableJson("kv"));
  REQUIRE(Load(c, 0, 2000, "a").status == 200);
  REQUIRE(Load(c, 1000, 2000, "b").status == 200);  // version 2

  auto started = c.Send("POST", "/api/v1/backups");
  INFO(started.body);
  REQUIRE(started.status == 202);
  CHECK(started.Json()["state"] == "running");
  json list = AwaitBackup(c);
  INFO(list.dump());
  REQUIRE(list["last"]["state"] == "done");
  json made = list["last"]["backup"];
  CHECK(made["backup_id"] == 1);
  CHECK(made["tables"] == json::parse(R"([{"project": "p", "table": "kv", "version": 2}])"));
  REQUIRE(list["backups"].size() == 1);
  const std::string at_2 = c.Send("GET", kKv + "/data?version=2&format=ndjson").body;

  REQUIRE(Load(c, 0, 10, "c").status == 200);  // version 3, in the second backup only
  REQUIRE(c.Send("POST", "/api/v1/backups").status == 202);
  list = AwaitBackup(c);
  REQUIRE(list["last"]["state"] == "done");
  CHECK(list["last"]["backup"]["tables"][0]["version"] == 3);
  // Incremental: the second copied only what changed.
  CHECK(list["last"]["bytes_copied"].get<uint64_t>() < made["size_bytes"].get<uint64_t>() / 2);
  REQUIRE(list["backups"].size() == 2);

  auto verified = c.Send("POST", "/api/v1/backups/1/verify");
  REQUIRE(verified.status == 200);
  CHECK(verified.Json()["tables"][0]["version"] == 2);
  CHECK(c.Send("POST", "/api/v1/backups/7/verify").status == 404);
  CHECK(c.Send("POST", "/api/v1/backups/x/verify").status == 404);

  // Offline, while the server runs: --verify-backup prints what the backup holds.
  auto [rc, out] = RunServer("--verify-backup " + backups.path + " --backup-id 1");
  INFO(out);
  CHECK(rc == 0);
  CHECK(out.find("p.kv version 2") != std::string::npos);

  // Backup 1 restored into a new server: the table as it was at version 2.
  {
    ServerOptions o;
    o.args = {"--restore", backups.path, "--backup-id", "1"};
    ServerProcess restored(o);
    auto r = restored.Client();
    json desc = r.Send("GET", kKv).Json();
    CHECK(desc["version"] == 2);
    CHECK(r.Send("GET", kKv + "/data?format=ndjson").body == at_2);
    // Writes go on from there.
    REQUIRE(Load(r, 0, 1, "d").status == 200);
    CHECK(r.Send("GET", kKv).Json()["version"] == 3);
    // A restore never writes over a database: the server refuses to start.
    restored.Stop();
    auto [again, why] = RunServer("--listen 127.0.0.1:0 --data-dir " + restored.data_dir() +
                                  " --restore " + backups.path);
    CHECK(again == 1);
    CHECK(why.find("already holds a database") != std::string::npos);
  }

  CHECK(c.Send("DELETE", "/api/v1/backups/1").status == 204);
  CHECK(c.Send("DELETE", "/api/v1/backups/1").status == 404);
  list = c.Send("GET", "/api/v1/backups").Json();
  REQUIRE(list["backups"].size() == 1);
  CHECK(list["backups"][0]["backup_id"] == 2);
  CHECK(c.Send("POST", "/api/v1/backups/2/verify").status == 200);
}

TEST_CASE("backup: a server killed mid-backup keeps only whole backups", "[native][backup]") {
  BackupDir backups;
  ServerProcess server(WithBackups(backups));
  auto c = server.Client();
  CreateTable(c, "p", KvTableJson("kv"));
  REQUIRE(Load(c, 0, 1000, "a").status == 200);
  REQUIRE(c.Send("POST", "/api/v1/backups").status == 202);
  REQUIRE(AwaitBackup(c)["last"]["state"] == "done");
  for (int round = 0; round < 5; ++round) {
    REQUIRE(Load(c, round * 20000, 20000, "r" + std::to_string(round)).status == 200);
    REQUIRE(c.Send("POST", "/api/v1/backups").status == 202);
    std::this_thread::sleep_for(std::chrono::milliseconds(2 * round));
    server.Kill();
    server.Start();
    c = server.Client();
    // Whatever the kill left: every backup listed verifies, and the next one is made.
    json list = c.Send("GET", "/api/v1/backups").Json();
    INFO(list.dump());
    REQUIRE(!list["backups"].empty());
    for (const auto& b : list["backups"]) {
      auto v = c.Send("POST",
                      "/api/v1/backups/" + std::to_string(b["backup_id"].get<int>()) + "/verify");
      INFO(v.body);
      CHECK(v.status == 200);
    }
  }
  REQUIRE(c.Send("POST", "/api/v1/backups").status == 202);
  json list = AwaitBackup(c);
  REQUIRE(list["last"]["state"] == "done");
  CHECK(list["last"]["backup"]["tables"][0]["version"] == 6);
  auto [rc, out] = RunServer("--verify-backup " + backups.path);
  INFO(out);
  CHECK(rc == 0);
  CHECK(out.find("p.kv version 6") != std::string::npos);
}
