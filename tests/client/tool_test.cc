// The `deltatunnel` tool end to end: the built binary run as a subprocess against the server.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
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
