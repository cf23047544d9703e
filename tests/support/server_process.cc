#include "server_process.h"

#include "process_spawn.h"

#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace deltatunnel::testing {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

std::string ServerBinary() {
  const char* env = std::getenv("DT_SERVER_BINARY");
  return env != nullptr && *env != '\0' ? env : DT_SERVER_BINARY;
}

ServerProcess::ServerProcess(ServerOptions options) : options_(std::move(options)) {
  std::string pattern = (fs::temp_directory_path() / "deltatunnel-test-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = pattern;
  std::ofstream(dir_ + "/config.toml") << options_.config_toml << "\n";
  Start();
}

ServerProcess::~ServerProcess() {
  if (running()) Kill();
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

std::string ServerProcess::Log() const {
  std::ifstream in(dir_ + "/server.log");
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void ServerProcess::Fail(const std::string& what) {
  std::string log = Log();
  if (log.size() > 4000) log = "..." + log.substr(log.size() - 4000);
  throw std::runtime_error(fmt::format("{}\n--- server log ---\n{}", what, log));
}

void ServerProcess::Start() {
  if (running()) throw std::logic_error("ServerProcess::Start: already running");
  std::string port_file = dir_ + "/port";
  fs::remove(port_file);
  std::vector<std::string> args = {ServerBinary(), "--config",    dir_ + "/config.toml",
                                   "--listen",     "127.0.0.1:0", "--data-dir",
                                   data_dir(),     "--port-file", port_file};
  if (options_.test_hooks) args.push_back("--test-hooks");
  args.insert(args.end(), options_.args.begin(), options_.args.end());
  pid_ = Spawn(std::move(args), dir_ + "/server.log");

  auto deadline = Clock::now() + options_.ready_timeout;
  port_ = 0;
  while (port_ == 0) {
    int code = 0;
    if (Reap(milliseconds(0), code)) Fail(fmt::format("the server exited with {} at start", code));
    if (Clock::now() > deadline) {
      Kill();
      Fail("the server did not bind a port in time");
    }
    std::ifstream in(port_file);
    unsigned port = 0;
    if (in >> port) port_ = static_cast<uint16_t>(port);
    if (port_ == 0) std::this_thread::sleep_for(milliseconds(10));
  }
  while (true) {
    try {
      if (Client().Get(options_.ready_path).status == 200) return;
    } catch (const std::exception&) {
      // not answering yet
    }
    int code = 0;
    if (Reap(milliseconds(0), code)) Fail(fmt::format("the server exited with {} at start", code));
    if (Clock::now() > deadline) {
      Kill();
      Fail("the server did not become ready in time");
    }
    std::this_thread::sleep_for(milliseconds(10));
  }
}

bool ServerProcess::Reap(milliseconds timeout, int& exit_code) {
  if (!running()) return false;
  if (!testing::Reap(pid_, timeout, &exit_code)) return false;
  pid_ = -1;
  return true;
}

int ServerProcess::Stop(milliseconds timeout) {
  if (!running()) throw std::logic_error("ServerProcess::Stop: not running");
  kill(pid_, SIGTERM);
  int code = 0;
  if (Reap(timeout, code)) return code;
  Kill();
  Fail(fmt::format("the server did not exit within {} ms of SIGTERM", timeout.count()));
}

void ServerProcess::Kill() {
  if (!running()) return;
  kill(pid_, SIGKILL);
  int code = 0;
  Reap(std::chrono::seconds(30), code);
}

void ServerProcess::Restart() {
  if (running()) {
    int code = Stop();
    if (code != 0) Fail(fmt::format("the server exited with {} on SIGTERM", code));
  }
  Start();
}

}  // namespace deltatunnel::testing
