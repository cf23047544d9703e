// The open connections, so that shutdown can reach them: first asking each to finish its request
// in flight and close (idle ones close at once), then, past the grace period, closing the rest.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>

namespace deltatunnel::server {

class Connection {
 public:
  virtual ~Connection() = default;
  // Finish the request in flight, if any, answer it with `Connection: close`, then close.
  // Callable from any thread.
  virtual void Shutdown() = 0;
  // Close now, whatever is in flight. Callable from any thread.
  virtual void ForceClose() = 0;
};

class ConnectionRegistry {
 public:
  // Registers a live connection; after ShutdownAll the connection is asked to shut down at once.
  uint64_t Add(std::weak_ptr<Connection> connection);
  void Remove(uint64_t id);
  size_t size() const;

  void ShutdownAll();
  void ForceCloseAll();
  // True when no connection is left by `deadline`.
  bool WaitEmpty(std::chrono::steady_clock::time_point deadline);

 private:
  mutable std::mutex mu_;
  std::condition_variable empty_;
  std::map<uint64_t, std::weak_ptr<Connection>> connections_;  // guarded by mu_
  uint64_t next_id_ = 0;                                       // guarded by mu_
  bool shutting_down_ = false;                                 // guarded by mu_
};

}  // namespace deltatunnel::server
