// Runs the real `deltatunnel-server` binary for integration tests: a fresh temporary directory
// (data in <dir>/data, the log in <dir>/server.log, the extra config in <dir>/config.toml), a
// free port (the server binds port 0 and writes the port it got to <dir>/port), and a wait for
// /readyz. Stop() sends SIGTERM, Kill() SIGKILL, Restart() starts again on the same data.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "http_client.h"

namespace deltatunnel::testing {

struct ServerOptions {
  // Written to the config file given with --config (top-level keys first, then [sections]).
  std::string config_toml;
  // More command-line flags.
  std::vector<std::string> args;
  // --test-hooks: the test-only /_test/* routes.
  bool test_hooks = true;
  std::chrono::milliseconds ready_timeout{30000};
  // What Start() waits for a 200 from: /readyz, or /healthz for a server started not ready (a
  // data directory below storage.min_free_bytes).
  std::string ready_path = "/readyz";
};

// The server binary: $DT_SERVER_BINARY when set, else the one this build made.
std::string ServerBinary();

class ServerProcess {
 public:
  // Creates the directory and starts the server; throws std::runtime_error (with the log's tail)
  // when it does not become ready.
  explicit ServerProcess(ServerOptions options = {});
  ~ServerProcess();  // Kill() if running, then removes the directory
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  void Start();
  // SIGTERM, then waits up to `timeout` for the exit; answers the exit code (128 + signal when
  // killed by one). Past the timeout it kills the process and throws.
  int Stop(std::chrono::milliseconds timeout = std::chrono::seconds(30));
  void Kill();
  void Restart();  // Stop() (which must answer 0), then Start() on the same directory
  bool running() const { return pid_ > 0; }
  // The options the next Start() uses.
  ServerOptions& options() { return options_; }
  pid_t pid() const { return pid_; }

  std::string host() const { return "127.0.0.1"; }
  uint16_t port() const { return port_; }
  const std::string& dir() const { return dir_; }
  std::string data_dir() const { return dir_ + "/data"; }
  std::string Log() const;

  HttpClient Client() const { return HttpClient(host(), port_); }

 private:
  // Waits for the exit up to `timeout`; true with the exit code when it came.
  bool Reap(std::chrono::milliseconds timeout, int& exit_code);
  [[noreturn]] void Fail(const std::string& what);

  ServerOptions options_;
  std::string dir_;
  pid_t pid_ = -1;
  uint16_t port_ = 0;
};

}  // namespace deltatunnel::testing
