#include "request_ids.h"

#include <fmt/format.h>

#include <ctime>
#include <random>

namespace deltatunnel::server {

RequestIds::RequestIds() : process_tag_(std::random_device{}()) {}

std::string RequestIds::Next() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  uint32_t n = counter_.fetch_add(1, std::memory_order_relaxed);
  return fmt::format("{:04}{:02}{:02}{:02}{:02}{:02}{:08x}{:08x}", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, process_tag_, n);
}

}  // namespace deltatunnel::server
