// Runs a real etcd member (Debian's etcd-server) for the cluster backend's tests: a fresh
// temporary directory (data in <dir>/data, the log in <dir>/etcd.log), free loopback ports, and a
// wait until it answers. Stop() sends SIGTERM, Kill() SIGKILL, Start() starts it again on the same
// data and ports.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace deltatunnel::testing {

class EtcdProcess {
 public:
  // The limits of one transaction it is started with (the cluster's deployment docs ask as much).
  static constexpr size_t kMaxTxnOps = 10000;
  static constexpr size_t kMaxRequestBytes = 10 << 20;

  // Starts the member; throws std::runtime_error (with the log's tail) when it does not answer
  // in time, or when no `etcd` is installed (scripts/install-deps.sh installs it).
  EtcdProcess();
  ~EtcdProcess();  // Kill() if running, then removes the directory
  EtcdProcess(const EtcdProcess&) = delete;
  EtcdProcess& operator=(const EtcdProcess&) = delete;

  void Start();
  void Stop();
  void Kill();
  bool running() const { return pid_ > 0; }
  // Its client URL, host:port.
  std::string endpoint() const;
  std::string Log() const;

 private:
  std::string dir_;
  uint16_t client_port_ = 0;
  uint16_t peer_port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace deltatunnel::testing
