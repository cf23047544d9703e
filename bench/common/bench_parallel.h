// Runs fn(thread, item) for items 0..items-1 on `threads` threads, each taking the next item.
#pragma once

#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace deltatunnel::bench {

template <typename Fn>
void Parallel(int threads, size_t items, Fn&& fn) {
  std::atomic<size_t> next{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (size_t i = next++; i < items; i = next++) fn(t, i);
    });
  }
  for (auto& th : pool) th.join();
}

}  // namespace deltatunnel::bench
