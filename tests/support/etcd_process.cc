#include "etcd_process.h"

#include <fmt/format.h>
#include <signal.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "http_client.h"
#include "process_spawn.h"

namespace deltatunnel::testing {

EtcdProcess::EtcdProcess() {
  std::string pattern = (std::filesystem::temp_directory_path() / "dt-etcd-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = pattern;
  client_port_ = FreePort();
  peer_port_ = FreePort();
  Start();
}

EtcdProcess::~EtcdProcess() {
  Kill();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string EtcdProcess::endpoint() const { return fmt::format("127.0.0.1:{}", client_port_); }

std::string EtcdProcess::Log() const {
  std::ifstream in(dir_ + "/etcd.log");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string log = ss.str();
  return log.size() > 4000 ? log.substr(log.size() - 4000) : log;
}

void EtcdProcess::Start() {
  const std::string client = fmt::format("http://127.0.0.1:{}", client_port_);
  const std::string peer = fmt::format("http://127.0.0.1:{}", peer_port_);
  pid_ = Spawn({"etcd",
                "--name",
                "m",
                "--data-dir",
                dir_ + "/data",
                "--listen-client-urls",
                client,
                "--advertise-client-urls",
                client,
                "--listen-peer-urls",
                peer,
                "--initial-advertise-peer-urls",
                peer,
                "--initial-cluster",
                "m=" + peer,
                "--log-outputs",
                "stderr",
                "--max-txn-ops",
                std::to_string(kMaxTxnOps),
                "--max-request-bytes",
                std::to_string(kMaxRequestBytes)},
               dir_ + "/etcd.log");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (true) {
    try {
      HttpClient c("127.0.0.1", client_port_);
      if (c.Post("/v3/maintenance/status", "{}").status == 200) return;
    } catch (const std::exception&) {
      // not answering yet
    }
    int code = 0;
    if (Reap(pid_, std::chrono::milliseconds(0), &code)) {
      pid_ = -1;
      throw std::runtime_error(fmt::format("etcd exited with {} at start:\n{}", code, Log()));
    }
    if (std::chrono::steady_clock::now() > deadline) {
      Kill();
      throw std::runtime_error("etcd did not answer in time:\n" + Log());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void EtcdProcess::Stop() {
  if (!running()) return;
  kill(pid_, SIGTERM);
  int code = 0;
  if (!Reap(pid_, std::chrono::seconds(20), &code)) {
    kill(pid_, SIGKILL);
    Reap(pid_, std::chrono::seconds(20), &code);
  }
  pid_ = -1;
}

void EtcdProcess::Kill() {
  if (!running()) return;
  kill(pid_, SIGKILL);
  int code = 0;
  Reap(pid_, std::chrono::seconds(20), &code);
  pid_ = -1;
}

}  // namespace deltatunnel::testing
