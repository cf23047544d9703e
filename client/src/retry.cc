#include "deltatunnel/client/retry.h"

#include <algorithm>
#include <charconv>
#include <memory>
#include <mutex>
#include <random>
#include <thread>

namespace deltatunnel::client {

bool IsRetryableHttpStatus(int status) {
  return status == 429 || status == 502 || status == 503 || status == 504;
}

std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view header) {
  while (!header.empty() && header.front() == ' ') header.remove_prefix(1);
  while (!header.empty() && header.back() == ' ') header.remove_suffix(1);
  int64_t seconds = 0;
  auto [p, ec] = std::from_chars(header.data(), header.data() + header.size(), seconds);
  if (header.empty() || ec != std::errc() || p != header.data() + header.size() || seconds < 0) {
    return std::nullopt;
  }
  return std::chrono::milliseconds(seconds * 1000);
}

Backoff::Backoff(RetryOptions options, Sleeper sleeper, Random random)
    : options_(options), sleeper_(std::move(sleeper)), random_(std::move(random)) {
  if (!sleeper_) sleeper_ = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
  if (!random_) {
    // One generator shared by the threads of a client: jitter only needs to be uncorrelated.
    auto state = std::make_shared<std::pair<std::mutex, std::mt19937_64>>();
    state->second.seed(std::random_device{}());
    random_ = [state] {
      std::lock_guard lock(state->first);
      return std::uniform_real_distribution<double>(0.0, 1.0)(state->second);
    };
  }
}

std::chrono::milliseconds Backoff::Delay(
    int retry, std::optional<std::chrono::milliseconds> retry_after) const {
  if (retry_after) return std::min(*retry_after, options_.max_backoff);
  const int shift = std::clamp(retry, 0, 30);
  const double bound = std::min<double>(static_cast<double>(options_.max_backoff.count()),
                                        static_cast<double>(options_.initial_backoff.count()) *
                                            static_cast<double>(int64_t{1} << shift));
  const double floor = bound / 10;
  return std::chrono::milliseconds(static_cast<int64_t>(floor + (bound - floor) * random_()));
}

}  // namespace deltatunnel::client
