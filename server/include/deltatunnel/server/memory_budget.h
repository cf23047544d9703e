// One memory budget for the server (issue 24, finding 1): request bodies and decompressed bodies
// reserve their bytes here before they are held; a request that cannot get its share is answered
// 503 ServiceUnavailable with Retry-After instead of growing the process. Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <utility>

namespace deltatunnel::server {

class MemoryBudget {
 public:
  // `limit` 0: half the machine's physical memory.
  explicit MemoryBudget(uint64_t limit);

  // Reserves `bytes` if they fit under the limit; false (nothing reserved) otherwise.
  bool TryReserve(uint64_t bytes);
  void Release(uint64_t bytes) { used_.fetch_sub(bytes, std::memory_order_relaxed); }

  uint64_t limit() const { return limit_; }
  uint64_t used() const { return used_.load(std::memory_order_relaxed); }
  // Nine tenths or more in use: /readyz says not ready.
  bool NearlyExhausted() const { return used() >= limit_ / 10 * 9; }

  // Bytes reserved until destroyed (or Reset).
  class Grant {
   public:
    Grant() = default;
    Grant(MemoryBudget* budget, uint64_t bytes) : budget_(budget), bytes_(bytes) {}
    Grant(Grant&& o) noexcept
        : budget_(std::exchange(o.budget_, nullptr)), bytes_(std::exchange(o.bytes_, 0)) {}
    Grant& operator=(Grant&& o) noexcept {
      if (this != &o) {
        Reset();
        budget_ = std::exchange(o.budget_, nullptr);
        bytes_ = std::exchange(o.bytes_, 0);
      }
      return *this;
    }
    ~Grant() { Reset(); }
    // Reserves `more` bytes besides; false when they do not fit (the grant is unchanged).
    bool Grow(MemoryBudget* budget, uint64_t more);
    void Reset() {
      if (budget_ != nullptr && bytes_ > 0) budget_->Release(bytes_);
      budget_ = nullptr;
      bytes_ = 0;
    }
    uint64_t bytes() const { return bytes_; }

   private:
    MemoryBudget* budget_ = nullptr;
    uint64_t bytes_ = 0;
  };

 private:
  const uint64_t limit_;
  std::atomic<uint64_t> used_{0};
};

}  // namespace deltatunnel::server
