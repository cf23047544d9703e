// The `deltatunnel` tool end to end: the built binary run as a subprocess against the server.
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include "client_fixture.h"

using deltatunnel::testing::ClientFixture;
using deltatunnel::testing::KvTable;
using deltatunnel::testing::ParseNdjson;

namespace {

struct Run {
  int exit_code;
  std::string out, err;
};

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs the tool with `args` (shell words, already quoted where needed).
Run Tool(const std::string& args, const std::string& env = "") {
  const std::string dir = std::filesystem::temp_directory_path().string();
  const std::string out = dir + "/dt-tool-out-" + std::to_string(getpid());
  const std::string err = dir + "/dt-tool-err-" + std::to_string(getpid());
  const std::string cmd =
      env + " " + DT_TOOL_BINARY + " " + args + " >" + out + " 2>" + err + " </dev/null";
  const int status = std::system(cmd.c_str());
  Run r{WIFEXITED(status) ? WEXITSTATUS(status) : -1, Slurp(out), Slurp(err)};
  std::remove(out.c_str());
  std::remove(err.c_str());
  return r;
}

std::string WriteFile(const std::string& name, const std::string& text) {
  const std::string path =
      std::filesystem::temp_directory_path().string() + "/" + std::to_string(getpid()) + "-" + name;
  std::ofstream(path) << text;
  return path;
}

// The tool running in the background (`changes --follow`), its stdout read through a pipe as it
// comes, its stderr kept in a file.
class Background {
 public:
  explicit Background(const std::string& args) {
    static int serial = 0;
    err_path_ = std::filesystem::temp_directory_path().string() + "/dt-tool-bg-err-" +
                std::to_string(getpid()) + "-" + std::to_string(++serial);
    int fds[2];
    REQUIRE(pipe2(fds, O_CLOEXEC) == 0);
    posix_spawn_file_actions_t files;
    posix_spawn_file_actions_init(&files);
    posix_spawn_file_actions_addopen(&files, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&files, fds[1], 1);
    posix_spawn_file_actions_addopen(&files, 2, err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
    // exec: the signals sent to pid_ reach the tool itself.
    const std::string cmd = std::string("exec ") + DT_TOOL_BINARY + " " + args;
    const char* argv[] = {"/bin/sh", "-c", cmd.c_str(), nullptr};
    const int spawned =
        posix_spawn(&pid_, "/bin/sh", &files, &attr, const_cast<char**>(argv), environ);
    posix_spawn_file_actions_destroy(&files);
    posix_spawnattr_destroy(&attr);
    close(fds[1]);
    out_ = fds[0];
    REQUIRE(spawned == 0);
  }
  ~Background() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    close(out_);
    std::remove(err_path_.c_str());
  }

  // Reads stdout until `done(lines)`, the end of the output, or `timeout_ms`; answers done(lines).
  bool ReadUntil(const std::function<bool(const std::vector<nlohmann::json>&)>& done,
                 int timeout_ms = 10000) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (!done(lines_) && !ended_) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      pollfd p{out_, POLLIN, 0};
      if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
      char buf[65536];
      const ssize_t n = read(out_, buf, sizeof buf);
      if (n <= 0) {
        ended_ = true;
        break;
      }
      text_.append(buf, static_cast<size_t>(n));
      size_t end;
      while ((end = text_.find('\n', parsed_)) != std::string::npos) {
        lines_.push_back(nlohmann::json::parse(text_.substr(parsed_, end - parsed_)));
        parsed_ = end + 1;
      }
    }
    return done(lines_);
  }
  // Until a checkpoint of version `v` was printed (a failure shows what was).
  void RequireCheckpoint(int64_t v) {
    const bool printed = ReadUntil([v](const std::vector<nlohmann::json>& lines) {
      return !lines.empty() && lines.back() == nlohmann::json({{"checkpoint", v}});
    });
    INFO("waiting for checkpoint " << v << "; stdout:\n" << text_ << "stderr:\n" << err());
    REQUIRE(printed);
  }
  bool running() { return !Exited(); }
  // Sends `signal` (none: 0) and waits up to 10 s for the exit: its code, 128 + signal when killed
  // by one, -1 when it did not exit.
  int End(int signal = 0) {
    if (signal != 0 && pid_ > 0) kill(pid_, signal);
    for (int i = 0; i < 1000 && !Exited(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (!Exited()) return -1;
    ReadUntil([](const auto&) { return false; }, 1000);  // what is left in the pipe
    return WIFEXITED(status_) ? WEXITSTATUS(status_) : 128 + WTERMSIG(status_);
  }
  const std::vector<nlohmann::json>& lines() const { return lines_; }
  const std::string& text() const { return text_; }
  std::string err() const { return Slurp(err_path_); }

 private:
  bool Exited() {
    if (pid_ > 0 && waitpid(pid_, &status_, WNOHANG) == pid_) pid_ = -1;
    return pid_ <= 0;
  }

  pid_t pid_ = -1;
  int status_ = 0;
  int out_ = -1;
  std::string err_path_, text_;
  size_t parsed_ = 0;
  bool ended_ = false;
  std::vector<nlohmann::json> lines_;
};

// The records among a feed's lines (not its checkpoints), each as its JSON text.
std::vector<std::string> Records(const std::vector<nlohmann::json>& lines) {
  std::vector<std::string> out;
  for (const auto& l : lines) {
    if (!l.contains("checkpoint")) out.push_back(l.dump());
  }
  return out;
}

void LoadRow(deltatunnel::client::Client& c, const std::string& row) {
  auto r = c.Load("p", "t", row + "\n", {});
  INFO(r.status().ToString());
  REQUIRE(r.ok());
}

}  // namespace

TEST_CASE("tool: tables, loads and reads end to end", "[tool]") {
  ClientFixture f;
  const std::string ep = "--endpoint " + f.endpoint() + " ";
  const std::string table_file = WriteFile("t.json", KvTable("t", true, 4).dump());

  Run created = Tool(ep + "table create --project p --file " + table_file);
  REQUIRE(created.exit_code == 0);
  CHECK(nlohmann::json::parse(created.out)["name"] == "t");
  CHECK(Tool(ep + "table create --project p --file " + table_file).exit_code == 1);

  // The endpoint also comes from the environment.
  Run listed = Tool("table list --project p", "DELTATUNNEL_ENDPOINT=" + f.endpoint());
  REQUIRE(listed.exit_code == 0);
  CHECK(listed.out == "t\n");

  Run described = Tool(ep + "table describe --project p --table t");
  REQUIRE(described.exit_code == 0);
  CHECK(nlohmann::json::parse(described.out)["properties"]["write.bucket.num"] == "4");

  // A CSV file with a quoted newline, loaded in small chunks, each its own commit (idempotent).
  std::string csv = "id,v,n\n";
  for (int i = 0; i < 3000; ++i) {
    csv += std::to_string(i) + "," + (i == 7 ? "\"two\nlines\"" : "v" + std::to_string(i)) + "," +
           std::to_string(i) + "\n";
  }
  const std::string csv_path = WriteFile("rows.csv", csv);
  Run loaded = Tool(
      ep + "load --project p --table t --partition ds=1 --chunk-size 4kb --commit-every-chunk " +
      csv_path);
  REQUIRE(loaded.exit_code == 0);
  CHECK_THAT(loaded.out, Catch::StartsWith("loaded 3000 rows in "));

  std::string nd;
  for (int i = 0; i < 10; ++i)
    nd += R"({"id": )" + std::to_string(i) +
          R"(, "v": "x"})"
          "\n";
  nd += R"({"id": 9, "__op": "delete"})"
        "\n";
  const std::string nd_path = WriteFile("rows.ndjson", nd);
  Run loaded2 = Tool(ep + "load --project p --table t --partition ds=2 " + nd_path);
  REQUIRE(loaded2.exit_code == 0);
  CHECK_THAT(loaded2.out, Catch::Contains("11 rows"));

  Run got = Tool(ep + "get --project p --table t --partition ds=1");
  REQUIRE(got.exit_code == 0);
  auto rows = ParseNdjson(got.out);
  CHECK(rows.size() == 3000);
  bool two_lines = false;
  for (auto& r : rows) two_lines |= r["v"] == "two\nlines";
  CHECK(two_lines);

  Run csv_out = Tool(ep + "get --project p --table t --partition ds=2 --format csv");
  REQUIRE(csv_out.exit_code == 0);
  CHECK(std::count(csv_out.out.begin(), csv_out.out.end(), '\n') == 10);  // header + 9 rows

  Run versions = Tool(ep + "versions --project p --table t");
  REQUIRE(versions.exit_code == 0);
  auto vs = nlohmann::json::parse(versions.out)["versions"];
  REQUIRE(vs.size() >= 2);
  const int64_t latest = vs[0]["version"].get<int64_t>();

  // The first version holds only the first chunk of the CSV.
  Run old = Tool(ep + "get --project p --table t --version 1");
  REQUIRE(old.exit_code == 0);
  CHECK(ParseNdjson(old.out).size() < 3000);

  Run looked = Tool(
      ep + "lookup --project p --table t --partition ds=2 --keys '[{\"id\": 3}, {\"id\": 9}]'");
  REQUIRE(looked.exit_code == 0);
  CHECK(nlohmann::json::parse(looked.out)["rows"].size() == 1);

  Run history = Tool(ep + "history --project p --table t --partition ds=2 --key 3 --limit 5");
  REQUIRE(history.exit_code == 0);
  auto states = nlohmann::json::parse(history.out)["history"];
  REQUIRE(states.size() == 1);
  CHECK(states[0]["op"] == "upsert");
  CHECK(states[0]["row"]["id"] == 3);
  CHECK(Tool(ep + "history --project p --table t --partition ds=2 --key x").exit_code != 0);

  Run changes =
      Tool(ep + "changes --project p --table t --from-version " + std::to_string(latest - 1));
  REQUIRE(changes.exit_code == 0);
  CHECK(ParseNdjson(changes.out).size() == 10);
  // The full form: a record per key the version changed (the net form's 10 less key 9, inserted
  // and deleted by the same session: absent before and after, so nothing changed), then the
  // checkpoint.
  Run full = Tool(ep + "changes --project p --table t --full --include-before --from-version " +
                  std::to_string(latest - 1));
  REQUIRE(full.exit_code == 0);
  auto full_lines = ParseNdjson(full.out);
  REQUIRE(full_lines.size() == 10);
  CHECK(full_lines[0].contains("op"));
  CHECK(full_lines[0].contains("before"));
  CHECK(full_lines.back() == nlohmann::json({{"checkpoint", latest}}));

  // A consumer: created at the version before the last, its changes, acknowledged, listed, dropped.
  auto consumer_cmd = [&](const std::string& verb, const std::string& more = "") {
    return Tool(ep + "consumer " + verb + " --project p --table t --name etl" + more);
  };
  Run made = consumer_cmd("create", " --from-version " + std::to_string(latest - 1));
  REQUIRE(made.exit_code == 0);
  CHECK(nlohmann::json::parse(made.out)["lag_versions"] == 1);
  Run pending = consumer_cmd("changes");
  REQUIRE(pending.exit_code == 0);
  CHECK(ParseNdjson(pending.out).size() == 10);
  Run acked = consumer_cmd("ack", " --version " + std::to_string(latest));
  REQUIRE(acked.exit_code == 0);
  CHECK(nlohmann::json::parse(acked.out)["lag_versions"] == 0);
  CHECK(ParseNdjson(consumer_cmd("changes").out).size() == 1);  // only the checkpoint
  Run consumers = Tool(ep + "consumer list --project p --table t");
  REQUIRE(consumers.exit_code == 0);
  CHECK(nlohmann::json::parse(consumers.out)["consumers"].size() == 1);
  CHECK(consumer_cmd("ack", " --version 0").exit_code == 1);  // backwards: the server says no
  CHECK(consumer_cmd("drop").exit_code == 0);
  CHECK(consumer_cmd("changes").exit_code == 1);

  Run sessions = Tool(ep + "sessions --project p --table t");
  REQUIRE(sessions.exit_code == 0);
  CHECK(nlohmann::json::parse(sessions.out).contains("sessions"));

  Run compact = Tool(ep + "compact --project p --table t");
  CHECK(compact.exit_code == 0);
  CHECK_FALSE(compact.out.empty());
  Run compactions = Tool(ep + "compact --list");
  REQUIRE(compactions.exit_code == 0);
  CHECK(nlohmann::json::parse(compactions.out).contains("compactions"));

  Run truncated = Tool(ep + "table truncate --project p --table t --partition ds=2");
  REQUIRE(truncated.exit_code == 0);
  CHECK(nlohmann::json::parse(truncated.out)["versions"][0]["operation"] == "truncate");
  CHECK(Tool(ep + "get --project p --table t --partition ds=2").out.empty());
  Run dropped = Tool(ep + "table drop-partition --project p --table t --partition ds=2");
  REQUIRE(dropped.exit_code == 0);
  CHECK(nlohmann::json::parse(dropped.out)["versions"][0]["operation"] == "drop_partition");
  Run missing = Tool(ep + "table drop-partition --project p --table t --partition ds=2");
  CHECK(missing.exit_code == 1);
  CHECK_THAT(missing.err, Catch::Contains("NoSuchPartition"));
  CHECK(Tool(ep + "table drop-partition --project p --table t --partition ds=2 --if-exists")
            .exit_code == 0);

  Run altered =
      Tool(ep + "table alter --project p --table t --set comment=hello --set lifecycle=7");
  REQUIRE(altered.exit_code == 0);
  CHECK(nlohmann::json::parse(altered.out)["properties"]["lifecycle"] == "7");
  Run fixed = Tool(ep + "table alter --project p --table t --set write.bucket.num=2");
  CHECK(fixed.exit_code == 1);
  CHECK_THAT(fixed.err, Catch::Contains("only while the table is empty"));
  CHECK(Tool(ep + "table alter --project p --table t --set novalue").exit_code == 2);

  // Schema evolution: rows written before read the default.
  Run added = Tool(ep +
                   "table add-columns --project p --table t --column qty=INT --column tag=STRING "
                   "--default qty=5 --comment tag=label");
  INFO(added.err);
  REQUIRE(added.exit_code == 0);
  auto added_json = nlohmann::json::parse(added.out);
  CHECK(added_json["schema_version"] == 1);
  CHECK(added_json["columns"][3]["name"] == "qty");
  CHECK(added_json["columns"][3]["default"] == 5);
  CHECK(added_json["columns"][4]["comment"] == "label");
  Run with_default = Tool(ep + "get --project p --table t --partition ds=1");
  CHECK_THAT(with_default.out, Catch::Contains("\"qty\":5"));
  REQUIRE(Tool(ep + "table change-column-type --project p --table t --column qty --type BIGINT")
              .exit_code == 0);
  Run renamed = Tool(ep + "table rename-column --project p --table t --from tag --to label");
  REQUIRE(renamed.exit_code == 0);
  CHECK(nlohmann::json::parse(renamed.out)["columns"][4]["name"] == "label");
  Run narrowed =
      Tool(ep + "table change-column-type --project p --table t --column qty --type INT");
  CHECK(narrowed.exit_code == 1);
  CHECK_THAT(narrowed.err, Catch::Contains("only widenings"));
  CHECK(
      Tool(ep + "table add-columns --project p --table t --column x=INT --default y=1").exit_code ==
      2);
  CHECK(Tool(ep + "table add-columns --project p --table t --column x").exit_code == 2);

  REQUIRE(Tool(ep + "table drop --project p --table t").exit_code == 0);
  Run gone = Tool(ep + "table describe --project p --table t");
  CHECK(gone.exit_code == 1);
  CHECK_THAT(gone.err, Catch::Contains("NoSuchTable"));
}

TEST_CASE("tool: a file loads in one session: one version, the whole file or nothing", "[tool]") {
  ClientFixture f;
  const std::string ep = "--endpoint " + f.endpoint() + " ";
  REQUIRE(Tool(ep + "table create --project p --file " +
               WriteFile("t.json", KvTable("t", false, 4).dump()))
              .exit_code == 0);
  auto version = [&] {
    return nlohmann::json::parse(Tool(ep + "table describe --project p --table t").out)["version"]
        .get<int>();
  };
  // 3000 lines in ~30 chunks; every key written twice, the later line wins.
  std::string nd;
  for (int pass = 0; pass < 2; ++pass) {
    for (int i = 0; i < 1500; ++i) {
      nd += R"({"id": )" + std::to_string(i) + R"(, "v": "p)" + std::to_string(pass) + "\"}\n";
    }
  }
  Run loaded =
      Tool(ep + "load --project p --table t --chunk-size 4kb " + WriteFile("twice.ndjson", nd));
  REQUIRE(loaded.exit_code == 0);
  CHECK_THAT(loaded.out,
             Catch::StartsWith("loaded 3000 rows in ") && Catch::Contains("version 1, one commit"));
  CHECK(version() == 1);
  auto rows = ParseNdjson(Tool(ep + "get --project p --table t").out);
  REQUIRE(rows.size() == 1500);
  for (const auto& r : rows) CHECK(r["v"] == "p1");

  // A bad row in a later chunk: nothing of the file is committed.
  std::string bad = nd;
  bad += "{\"id\": \"not a number\"}\n";
  Run refused =
      Tool(ep + "load --project p --table t --chunk-size 4kb " + WriteFile("bad.ndjson", bad));
  CHECK(refused.exit_code == 1);
  CHECK_THAT(refused.err, Catch::Contains("nothing of the file was committed"));
  CHECK(version() == 1);

  // The server killed halfway through a file: after its restart nothing of the file is visible.
  std::string big;
  for (int i = 0; i < 100000; ++i) {
    big += R"({"id": )" + std::to_string(10000 + i) + R"(, "v": "big"})" + "\n";
  }
  const std::string big_path = WriteFile("big.ndjson", big);
  Run killed_run;
  std::thread loader([&] {
    killed_run = Tool(ep + "--retries 0 load --project p --table t --chunk-size 4kb " + big_path);
  });
  // Once the session holds rows, and long before its last chunk.
  auto http = f.server.Client();
  bool writing = false;
  std::string polled;
  int polls = 0, poll_errors = 0;
  for (int i = 0; i < 2000 && !writing; ++i) {
    try {
      auto r = http.Get("/api/v1/projects/p/tables/t/sessions");
      polled = r.body;
      if (r.status == 200) {
        const nlohmann::json sessions = nlohmann::json::parse(r.body)["sessions"];
        for (const auto& s : sessions) {
          writing |= s["status"] == "normal" && s["rows"].get<int64_t>() > 0;
        }
      }
    } catch (const std::exception& e) {
      polled = e.what();
      ++poll_errors;
    }
    ++polls;
    if (!writing) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  f.server.Kill();
  loader.join();
  INFO("the load: " << killed_run.exit_code << " " << killed_run.out << killed_run.err << "; polls "
                    << polls << ", errors " << poll_errors << ", last: " << polled);
  REQUIRE(writing);
  CHECK(killed_run.exit_code != 0);
  f.server.Start();
  const std::string ep2 = "--endpoint http://127.0.0.1:" + std::to_string(f.server.port()) + " ";
  Run after = Tool(ep2 + "table describe --project p --table t");
  REQUIRE(after.exit_code == 0);
  CHECK(nlohmann::json::parse(after.out)["version"] == 1);
  CHECK(ParseNdjson(Tool(ep2 + "get --project p --table t").out).size() == 1500);
}

TEST_CASE("tool: exit codes for usage, server and connection errors", "[tool]") {
  CHECK(Tool("--help").exit_code == 0);
  CHECK_THAT(Tool("load --help").out, Catch::Contains("--partition"));
  CHECK(Tool("table describe --table t").exit_code == 2);  // --project missing
  CHECK(Tool("frobnicate").exit_code == 2);
  CHECK(Tool("get --project p --table t --format xml").exit_code == 2);
  CHECK(Tool("--endpoint https://x:1 table list --project p").exit_code == 2);
  CHECK(Tool("--endpoint http://127.0.0.1:1 table list --project p --retries 0").exit_code == 3);
  CHECK(
      Tool("--endpoint http://127.0.0.1:1 load --project p --table t /nonexistent.csv").exit_code ==
      4);
  ClientFixture f;
  Run missing = Tool("--endpoint " + f.endpoint() + " table describe --project p --table nope");
  CHECK(missing.exit_code == 1);
  CHECK_THAT(missing.err, Catch::Contains("NoSuch"));
}

TEST_CASE("tool: backup create, list, verify, delete", "[tool]") {
  char tmpl[] = "/tmp/dt_tool_backup_XXXXXX";
  const std::string backups = std::string(mkdtemp(tmpl)) + "/b";
  {
    ClientFixture f("[backup]\ndir = \"" + backups + "\"\n");
    const std::string ep = "--endpoint " + f.endpoint() + " ";
    REQUIRE(f.client->CreateTable("p", KvTable("t", false, 2)).ok());
    const std::string rows = WriteFile("b.ndjson", "{\"id\": 1, \"v\": \"a\"}\n{\"id\": 2}\n");
    REQUIRE(Tool(ep + "load --project p --table t --format ndjson " + rows).exit_code == 0);
    std::remove(rows.c_str());

    Run made = Tool(ep + "backup create");
    INFO(made.err);
    REQUIRE(made.exit_code == 0);
    auto job = nlohmann::json::parse(made.out);
    CHECK(job["state"] == "done");
    CHECK(job["backup"]["tables"] ==
          nlohmann::json::parse(R"([{"project": "p", "table": "t", "version": 1}])"));
    Run listed = Tool(ep + "backup list");
    REQUIRE(listed.exit_code == 0);
    CHECK(nlohmann::json::parse(listed.out)["backups"].size() == 1);
    Run verified = Tool(ep + "backup verify 1");
    REQUIRE(verified.exit_code == 0);
    CHECK(nlohmann::json::parse(verified.out)["tables"][0]["version"] == 1);
    Run missing = Tool(ep + "backup verify 5");
    CHECK(missing.exit_code == 1);
    CHECK(missing.err.find("NoSuchObject") != std::string::npos);
    CHECK(Tool(ep + "backup delete 1").exit_code == 0);
    CHECK(nlohmann::json::parse(Tool(ep + "backup list").out)["backups"].empty());
    CHECK(Tool(ep + "backup").exit_code == 2);  // a subcommand is required
  }
  {
    ClientFixture off;  // no backup.dir: refused, with the key to set
    Run refused = Tool("--endpoint " + off.endpoint() + " --retries 0 backup create");
    CHECK(refused.exit_code == 1);
    CHECK(refused.err.find("backup.dir") != std::string::npos);
  }
  std::filesystem::remove_all(std::filesystem::path(backups).parent_path());
}

TEST_CASE("tool: changes --follow prints each commit as it comes, until a signal or the end",
          "[tool]") {
  ClientFixture f;
  auto& c = *f.client;
  const std::string ep = "--endpoint " + f.endpoint() + " ";
  REQUIRE(c.CreateTable("p", KvTable("t", false, 2)).ok());
  LoadRow(c, R"({"id": 1, "v": "a"})");  // v1, before the follow

  Background follower(ep + "changes --project p --table t --follow --from-version 0 --heartbeat 1");
  follower.RequireCheckpoint(1);
  // Each commit is printed while the tool keeps running: v2 updates key 1, v3 inserts key 2, v4
  // deletes key 1.
  const std::vector<std::string> rows = {R"({"id": 1, "v": "b"})", R"({"id": 2, "v": "c"})",
                                         R"({"id": 1, "__op": "delete"})"};
  for (int v = 2; v <= 4; ++v) {
    LoadRow(c, rows[v - 2]);
    follower.RequireCheckpoint(v);
    CHECK(follower.running());
  }
  std::vector<std::string> seen;
  for (const auto& l : follower.lines()) {
    seen.push_back(l.contains("checkpoint")
                       ? "cp" + l["checkpoint"].dump()
                       : l["version"].dump() + l["op"].get<std::string>() + l["row"]["id"].dump());
  }
  CHECK(seen == std::vector<std::string>{"1insert1", "cp1", "2update1", "cp2", "3insert2", "cp3",
                                         "4delete1", "cp4"});
  // Idle: the server's heartbeats (every second) are not printed.
  const size_t printed = follower.lines().size();
  follower.ReadUntil([](const auto&) { return false; }, 2500);
  CHECK(follower.lines().size() == printed);
  CHECK(follower.running());
  // SIGINT ends it cleanly, after whole lines.
  CHECK(follower.End(SIGINT) == 0);
  CHECK(follower.lines().size() == printed);
  CHECK(follower.text().back() == '\n');

  // A consumer's feed, from its offset (2), with the rows before; the server's shutdown ends it
  // cleanly (exit 0).
  REQUIRE(c.CreateConsumer("p", "t", "etl", 2).ok());
  Background consumer(
      ep + "consumer changes --project p --table t --name etl --follow --include-before");
  consumer.RequireCheckpoint(4);
  auto records = Records(consumer.lines());
  REQUIRE(records.size() == 2);
  CHECK(nlohmann::json::parse(records[0])["version"] == 3);
  CHECK(nlohmann::json::parse(records[1])["before"]["v"] == "b");
  CHECK(f.server.Stop() == 0);
  CHECK(consumer.End() == 0);
}

TEST_CASE(
    "tool: changes --follow --resume-file resumes after a stop or a kill, nothing missed or "
    "repeated",
    "[tool]") {
  ClientFixture f;
  auto& c = *f.client;
  const std::string ep = "--endpoint " + f.endpoint() + " ";
  REQUIRE(c.CreateTable("p", KvTable("t", false, 4)).ok());
  const std::string resume = WriteFile("follow.checkpoint", "");
  std::remove(resume.c_str());
  const std::string args = ep +
                           "changes --project p --table t --follow --include-before "
                           "--from-version 0 --resume-file " +
                           resume;
  auto resume_file_says = [&](int64_t v) {
    for (int i = 0; i < 500 && Slurp(resume) != std::to_string(v) + "\n"; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return Slurp(resume) == std::to_string(v) + "\n";
  };
  int id = 0;
  auto commit = [&] {
    std::string body;
    for (int i = 0; i < 5; ++i, ++id) {
      body += R"({"id": )" + std::to_string(id % 7) + R"(, "v": "x)" + std::to_string(id) + "\"}\n";
    }
    REQUIRE(c.Load("p", "t", body, {}).ok());
  };
  commit();
  commit();  // v2
  std::vector<std::string> kept;

  {  // From --from-version 0; stopped by SIGTERM.
    Background run(args);
    run.RequireCheckpoint(2);
    REQUIRE(resume_file_says(2));
    CHECK(run.End(SIGTERM) == 0);
    for (auto& r : Records(run.lines())) kept.push_back(r);
  }
  commit();  // v3, while nothing follows
  {          // From the file's 2; killed once the file says 4.
    Background run(args);
    run.RequireCheckpoint(3);
    CHECK(run.lines().front().contains("version"));  // nothing of version 2 again
    CHECK(run.lines().front()["version"] == 3);
    commit();  // v4
    run.RequireCheckpoint(4);
    REQUIRE(resume_file_says(4));
    CHECK(run.End(SIGKILL) == 128 + SIGKILL);
    for (auto& r : Records(run.lines())) kept.push_back(r);
  }
  commit();  // v5
  {
    Background run(args);
    run.RequireCheckpoint(5);
    CHECK(run.End(SIGTERM) == 0);
    for (auto& r : Records(run.lines())) kept.push_back(r);
  }
  auto whole = c.FullChanges("p", "t", 0, 5, true, "");
  REQUIRE(whole.ok());
  auto expected = Records(ParseNdjson(whole->body));
  CHECK(expected.size() == 25);
  std::sort(expected.begin(), expected.end());
  std::sort(kept.begin(), kept.end());
  CHECK(kept == expected);
  std::remove(resume.c_str());
}

TEST_CASE("tool: changes --follow ends with the server's error, and refuses what cannot follow",
          "[tool]") {
  ClientFixture f;
  auto& c = *f.client;
  const std::string ep = "--endpoint " + f.endpoint() + " ";
  REQUIRE(c.CreateTable("p", KvTable("t", false, 2)).ok());
  LoadRow(c, R"({"id": 1, "v": "a"})");
  CHECK(Tool(ep + "changes --project p --table t --follow --from-version 0 --to-version 1")
            .exit_code == 2);
  CHECK(Tool(ep + "changes --project p --table t --from-version 0 --resume-file x").exit_code == 2);
  CHECK(Tool(ep + "changes --project p --table t --follow").exit_code == 2);
  CHECK(Tool(ep + "changes --project p --table t --follow --from-version 0 --heartbeat 0")
            .exit_code == 2);
  Run missing = Tool(ep + "changes --project p --table nope --follow --from-version 0");
  CHECK(missing.exit_code == 1);
  CHECK_THAT(missing.err, Catch::Contains("NoSuchTable"));
  CHECK_THAT(Tool("changes --help").out, Catch::Contains("--resume-file"));

  // The table dropped under a follower: the feed's error record, exit 1 with its message.
  Background follower(ep + "changes --project p --table t --follow --from-version 0");
  follower.RequireCheckpoint(1);
  REQUIRE(c.DropTable("p", "t").ok());
  CHECK(follower.End() == 1);
  CHECK_THAT(follower.err(), Catch::Contains("NoSuchTable"));
  CHECK(follower.lines().size() == 2);  // nothing more was printed
}

TEST_CASE("tool: rejects list, show, rows, replay, purge: bad rows kept, fixed and replayed",
          "[tool]") {
  ClientFixture f;
  auto& c = *f.client;
  const std::string ep = "--endpoint " + f.endpoint() + " ";
  REQUIRE(c.CreateTable("p", KvTable("t", true, 2)).ok());
  const std::string where = " --project p --table t ";

  // Two bad rows among four, loaded with --max-bad-rows: two committed, two kept in set 1.
  const std::string bad1 = R"({"id": "two", "v": "b"})";
  const std::string bad2 = R"({"id": 4, "n": "four"})";
  const std::string nd = R"({"id": 1, "v": "a"})"
                         "\n" +
                         bad1 + "\n" + R"({"id": 3, "v": "c"})" + "\n" + bad2 + "\n";
  Run loaded = Tool(ep + "load" + where + "--partition ds=1 --max-bad-rows 5 " +
                    WriteFile("rejects.ndjson", nd));
  INFO(loaded.err);
  REQUIRE(loaded.exit_code == 0);
  CHECK_THAT(loaded.out, Catch::StartsWith("loaded 2 rows in 1 chunks") &&
                             Catch::Contains("2 bad rows skipped") &&
                             Catch::Contains("2 bad rows kept in reject set 1: deltatunnel "
                                             "rejects show --project p --table t --id 1"));

  Run listed = Tool(ep + "rejects list" + where);
  REQUIRE(listed.exit_code == 0);
  CHECK_THAT(listed.out, Catch::StartsWith("ID  PARTITION  FORMAT  CREATED"));
  CHECK_THAT(listed.out, Catch::Contains("ds=1") && Catch::Contains("ndjson") &&
                             Catch::Contains("1 set; held (not replayed): 2 rows"));
  Run listed_json = Tool(ep + "rejects list" + where + "--json");
  REQUIRE(listed_json.exit_code == 0);
  auto sets = nlohmann::json::parse(listed_json.out);
  REQUIRE(sets["rejects"].size() == 1);
  CHECK(sets["rejects"][0]["id"] == 1);
  CHECK(sets["rejects"][0]["rows"] == 2);
  CHECK(sets["rows"] == 2);

  Run shown = Tool(ep + "rejects show" + where + "--id 1");
  REQUIRE(shown.exit_code == 0);
  CHECK_THAT(shown.out, Catch::StartsWith("reject set 1: 2 rows, ndjson, partition ds=1"));
  CHECK_THAT(shown.out,
             Catch::Contains("line 2, column id: ") && Catch::Contains("line 4, column n: ") &&
                 Catch::Contains("    " + bad1 + "\n") && Catch::Contains("    " + bad2 + "\n"));
  Run shown_json = Tool(ep + "rejects show" + where + "--id 1 --json");
  REQUIRE(shown_json.exit_code == 0);
  auto rejected = nlohmann::json::parse(shown_json.out)["rejected"];
  REQUIRE(rejected.size() == 2);
  CHECK(rejected[0]["line"] == 2);
  CHECK(rejected[1]["text"] == bad2);
  CHECK(Tool(ep + "rejects show" + where + "--id 9").exit_code == 1);

  // The rows exactly as sent, to stdout and to a file.
  Run printed = Tool(ep + "rejects rows" + where + "--id 1");
  REQUIRE(printed.exit_code == 0);
  CHECK(printed.out == bad1 + "\n" + bad2 + "\n");
  const std::string fix = WriteFile("fix.ndjson", "");
  REQUIRE(Tool(ep + "rejects rows" + where + "--id 1 --output " + fix).exit_code == 0);
  CHECK(Slurp(fix) == bad1 + "\n" + bad2 + "\n");

  // Fixed and replayed: one commit into the set's partition.
  std::ofstream(fix, std::ios::trunc) << R"({"id": 2, "v": "b"})"
                                         "\n"
                                         R"({"id": 4, "n": 4})"
                                         "\n";
  Run replayed = Tool(ep + "rejects replay" + where + "--id 1 --file " + fix);
  INFO(replayed.err);
  REQUIRE(replayed.exit_code == 0);
  CHECK_THAT(replayed.out, Catch::StartsWith("replayed reject set 1: loaded 2 rows, version 2"));
  auto looked = c.Lookup("p", "t", {{"partition", "ds=1"}, {"keys", {{{"id", 2}}, {{"id", 4}}}}});
  REQUIRE(looked.ok());
  REQUIRE((*looked)["rows"].size() == 2);
  CHECK((*looked)["rows"][0]["v"] == "b");
  CHECK((*looked)["rows"][1]["n"] == 4);

  // Replayed once only: the second is refused with the server's message; nothing more committed.
  Run again = Tool(ep + "rejects replay" + where + "--id 1 --file " + fix);
  CHECK(again.exit_code == 1);
  CHECK_THAT(again.err, Catch::Contains("replayed already"));
  CHECK(Tool(ep + "rejects rows" + where + "--id 1").exit_code == 1);
  Run after = Tool(ep + "rejects list" + where);
  CHECK_THAT(after.out, Catch::Contains("held (not replayed): 0 rows"));
  CHECK(nlohmann::json::parse(
            Tool(ep + "rejects list" + where + "--json").out)["rejects"][0]["replayed_version"] ==
        2);

  // A replay that skips rows in turn keeps them in a new set; usage errors exit 2.
  deltatunnel::client::LoadOptions lo;
  lo.partition = "ds=1";
  lo.max_bad_rows = 1;
  REQUIRE(c.Load("p", "t", bad1 + "\n", lo).ok());  // every row bad: no version, set 2
  Run skipped = Tool(ep + "rejects replay" + where + "--id 2 --max-bad-rows 1");
  CHECK(skipped.exit_code == 0);
  CHECK_THAT(skipped.out, Catch::StartsWith("replayed reject set 2: loaded 0 rows, 1 bad rows") &&
                              Catch::Contains("1 bad rows kept in reject set 3"));
  CHECK(
      Tool(ep + "rejects replay" + where + "--id 3 --file " + WriteFile("x.txt", "{}")).exit_code ==
      2);
  CHECK(Tool(ep + "rejects purge" + where).exit_code == 2);
  CHECK(Tool(ep + "rejects purge" + where + "--id 1 --all").exit_code == 2);

  // Purged: one set, then every set.
  Run one = Tool(ep + "rejects purge" + where + "--id 1");
  REQUIRE(one.exit_code == 0);
  CHECK(one.out == "purged 1 reject set: 1\n");
  Run purged = Tool(ep + "rejects purge" + where + "--all");
  REQUIRE(purged.exit_code == 0);
  CHECK(purged.out == "purged 2 reject sets: 2, 3\n");
  CHECK(Tool(ep + "rejects list" + where).out == "no reject sets\n");
  CHECK(nlohmann::json::parse(Tool(ep + "rejects list" + where + "--json").out)["rejects"].empty());
  std::remove(fix.c_str());
}
