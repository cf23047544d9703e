#include "deltatunnel/server/memory_budget.h"

#include <unistd.h>

namespace deltatunnel::server {
namespace {

uint64_t HalfOfPhysicalMemory() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page = sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page <= 0) return 4ull << 30;  // unknown: a modest default
  return static_cast<uint64_t>(pages) * static_cast<uint64_t>(page) / 2;
}

}  // namespace

MemoryBudget::MemoryBudget(uint64_t limit) : limit_(limit != 0 ? limit : HalfOfPhysicalMemory()) {}

bool MemoryBudget::TryReserve(uint64_t bytes) {
  uint64_t used = used_.load(std::memory_order_relaxed);
  do {
    if (bytes > limit_ || used > limit_ - bytes) return false;
  } while (!used_.compare_exchange_weak(used, used + bytes, std::memory_order_relaxed));
  return true;
}

bool MemoryBudget::Grant::Grow(MemoryBudget* budget, uint64_t more) {
  if (budget_ != nullptr && budget_ != budget) return false;
  if (!budget->TryReserve(more)) return false;
  budget_ = budget;
  bytes_ += more;
  return true;
}

}  // namespace deltatunnel::server
