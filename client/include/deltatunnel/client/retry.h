// When and how long to wait before retrying a request. The clock and the sleeper are injectable so
// tests check the policy without waiting.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string_view>

#include "deltatunnel/client/options.h"

namespace deltatunnel::client {

// True for the HTTP statuses worth retrying: 429, 502, 503, 504.
bool IsRetryableHttpStatus(int status);

// Seconds of a Retry-After header ("3"); nullopt when absent or not a number (dates are ignored).
std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view header);

class Backoff {
 public:
  using Sleeper = std::function<void(std::chrono::milliseconds)>;
  // Uniform in [0, 1): the jitter. Defaults to a seeded generator.
  using Random = std::function<double()>;

  explicit Backoff(RetryOptions options, Sleeper sleeper = {}, Random random = {});

  // The wait before retry number `retry` (0-based): a server's Retry-After when given (capped by
  // max_backoff), else full jitter over min(max_backoff, initial_backoff * 2^retry), never below
  // a tenth of that bound so retries do not hammer.
  std::chrono::milliseconds Delay(int retry,
                                  std::optional<std::chrono::milliseconds> retry_after) const;
  void Sleep(std::chrono::milliseconds d) const { sleeper_(d); }
  int max_retries() const { return options_.max_retries; }

 private:
  RetryOptions options_;
  Sleeper sleeper_;
  Random random_;
};

}  // namespace deltatunnel::client
