// The binary's own handling of its command line and config: refusals exit 2 with a message.
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "server_process.h"

namespace {

struct Run {
  int exit_code = -1;
  std::string output;
};

Run RunServer(const std::string& args) {
  std::string command = deltatunnel::testing::ServerBinary() + " " + args + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  Run run;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0) run.output.append(buf, n);
  int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return run;
}

std::string WriteFile(const std::string& name, const std::string& text) {
  auto path = std::filesystem::temp_directory_path() / name;
  std::ofstream(path) << text;
  return path.string();
}

}  // namespace

TEST_CASE("an unknown config key stops the binary with exit code 2", "[command_line]") {
  auto run = RunServer("--config " + WriteFile("dt-unknown-key.toml", "[storage]\nsync = true\n"));
  CHECK(run.exit_code == 2);
  CHECK_THAT(run.output, Catch::Contains("unknown config key 'storage.sync'"));
}

TEST_CASE("a bad value stops the binary with the key and the reason", "[command_line]") {
  auto run = RunServer("--config " + WriteFile("dt-bad-value.toml", "io_threads = 0\n"));
  CHECK(run.exit_code == 2);
  CHECK_THAT(run.output, Catch::Contains("'io_threads'") && Catch::Contains("not in [1, 256]"));
  auto bad_flag = RunServer("--listen nowhere");
  CHECK(bad_flag.exit_code == 2);
  CHECK_THAT(bad_flag.output, Catch::Contains("'listen'"));
}

TEST_CASE("--help exits 0 and lists the fixed flags", "[command_line]") {
  auto run = RunServer("--help");
  CHECK(run.exit_code == 0);
  CHECK_THAT(run.output, Catch::Contains("--config") && Catch::Contains("--listen") &&
                             Catch::Contains("--data-dir"));
}

TEST_CASE("every file in conf/ starts the server", "[command_line]") {
  // docker.toml and production.toml take secrets from the environment.
  setenv("DT_ACCESS_KEY_ID", "test-id", 1);
  setenv("DT_ACCESS_KEY_SECRET", "test-secret", 1);
  setenv("DT_BEARER_TOKEN", "test-token", 1);
  for (const auto& entry : std::filesystem::directory_iterator(DT_CONF_DIR)) {
    if (entry.path().extension() != ".toml") continue;
    INFO(entry.path());
    std::ifstream in(entry.path());
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    deltatunnel::testing::ServerOptions options;
    options.config_toml = text;  // --listen and --data-dir from the harness override the file
    deltatunnel::testing::ServerProcess server(options);
    CHECK(server.Client().Get("/healthz").status == 200);
    CHECK(server.Stop() == 0);
  }
}
