// A fault-injecting HTTP proxy for tests: it forwards each request to the server on a fresh
// connection (one request per connection, "Connection: close"), unless a fault is queued for the
// request: answer 429 or 503 with Retry-After, reset the connection before forwarding, or forward
// and then reset instead of relaying the answer (an answer lost after the server acted).
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace deltatunnel::testing {

enum class Fault { kThrottle429, kUnavailable503, kReset, kDropAnswer };

class FaultProxy {
 public:
  FaultProxy(std::string upstream_host, uint16_t upstream_port);
  ~FaultProxy();

  uint16_t port() const { return port_; }
  // The next `count` requests whose request line contains `match` (method, path or query part)
  // get `fault`. Retry-After is `retry_after_s` seconds for the 429 and 503 answers.
  void Inject(Fault fault, int count, std::string match = "", int retry_after_s = 0);
  int faults_served() const { return faults_served_; }
  int requests_seen() const { return requests_seen_; }

 private:
  struct Rule {
    Fault fault;
    int remaining;
    std::string match;
    int retry_after_s;
  };
  void Accept();
  void Serve(int fd);
  bool TakeFault(const std::string& request_line, Rule* out);

  std::string host_;
  uint16_t upstream_port_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> faults_served_{0};
  std::atomic<int> requests_seen_{0};
  std::mutex mu_;
  std::deque<Rule> rules_;  // guarded by mu_
  std::thread acceptor_;
  std::vector<std::thread> workers_;  // guarded by mu_
};

}  // namespace deltatunnel::testing
