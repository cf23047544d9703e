#include "deltatunnel/server/command_line.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <vector>

using namespace deltatunnel::server;

namespace {

deltatunnel::Result<CommandLine> Parse(std::vector<std::string> args) {
  args.insert(args.begin(), "deltatunnel-server");
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  return ParseCommandLine(static_cast<int>(argv.size()), argv.data());
}

std::string WriteConfig(const std::string& text) {
  auto path = std::filesystem::temp_directory_path() / "deltatunnel-command-line-test.toml";
  std::ofstream(path) << text;
  return path.string();
}

}  // namespace

TEST_CASE("no flags: the built-in defaults", "[command_line]") {
  auto cl = Parse({});
  REQUIRE(cl.ok());
  CHECK(cl->config.listen == "127.0.0.1:8080");
  CHECK(cl->config.data_dir == "./data");
  CHECK_FALSE(cl->config.test_hooks);
  CHECK_FALSE(cl->exit_now);
}

TEST_CASE("flags override the file", "[command_line]") {
  std::string file = WriteConfig(
      "listen = \"0.0.0.0:1\"\ndata_dir = \"/a\"\nio_threads = 3\nlog_level = \"warn\"\n"
      "worker_threads = 7\n");
  auto from_file = Parse({"--config", file});
  REQUIRE(from_file.ok());
  CHECK(from_file->config.listen == "0.0.0.0:1");
  CHECK(from_file->config.io_threads == 3);

  auto cl = Parse({"--config", file, "--listen", "127.0.0.1:0", "--data-dir", "/b", "--io-threads",
                   "5", "--log-level", "debug", "--worker-threads", "9", "--port-file", "/tmp/p",
                   "--test-hooks"});
  REQUIRE(cl.ok());
  CHECK(cl->config.listen == "127.0.0.1:0");
  CHECK(cl->config.data_dir == "/b");
  CHECK(cl->config.io_threads == 5);
  CHECK(cl->config.log_level == "debug");
  CHECK(cl->config.worker_threads == 9);
  CHECK(cl->port_file == "/tmp/p");
  CHECK(cl->config.test_hooks);
}

TEST_CASE("bad flags are refused with a message", "[command_line]") {
  auto bad_listen = Parse({"--listen", "nowhere"});
  REQUIRE_FALSE(bad_listen.ok());
  CHECK_THAT(bad_listen.status().message(), Catch::Contains("'listen'"));
  auto bad_level = Parse({"--log-level", "chatty"});
  REQUIRE_FALSE(bad_level.ok());
  CHECK_THAT(bad_level.status().message(), Catch::Contains("'log_level'"));
  auto bad_threads = Parse({"--io-threads", "many"});
  REQUIRE_FALSE(bad_threads.ok());
  CHECK_THAT(bad_threads.status().message(), Catch::Contains("--io-threads"));
  auto unknown = Parse({"--lisen", "x"});
  REQUIRE_FALSE(unknown.ok());
  CHECK_THAT(unknown.status().message(), Catch::Contains("--lisen"));
  auto missing = Parse({"--config", "/nonexistent.toml"});
  REQUIRE_FALSE(missing.ok());
  CHECK_THAT(missing.status().message(), Catch::Contains("/nonexistent.toml"));
  auto bad_file = Parse({"--config", WriteConfig("io_threads = 0\n")});
  REQUIRE_FALSE(bad_file.ok());
  CHECK_THAT(bad_file.status().message(), Catch::Contains("'io_threads'"));
}

TEST_CASE("--help and --version exit at once", "[command_line]") {
  auto help = Parse({"--help"});
  REQUIRE(help.ok());
  CHECK(help->exit_now);
  CHECK(help->exit_code == 0);
  CHECK_THAT(help->output, Catch::Contains("--data-dir") && Catch::Contains("--listen"));
  auto version = Parse({"--version"});
  REQUIRE(version.ok());
  CHECK(version->exit_now);
  CHECK_THAT(version->output, Catch::Contains("0.1.0"));
}
