// Request ids for x-odps-request-id: unique within a process and, with high probability, across
// processes and restarts: "20261125235012" (UTC second) + 8 hex digits chosen at start + a counter
// in 8 hex digits.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace deltatunnel::server {

class RequestIds {
 public:
  RequestIds();
  std::string Next();  // thread-safe

 private:
  uint32_t process_tag_;
  std::atomic<uint32_t> counter_{0};
};

}  // namespace deltatunnel::server
