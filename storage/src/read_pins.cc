#include "read_pins.h"

namespace deltatunnel::storage {

ReadPins::Pin ReadPins::Take() {
  uint64_t epoch = 0;
  {
    MutexLock lock(&mu_);
    epoch = epoch_;
    ++live_[epoch];
  }
  // The pin's pointer is never dereferenced; its deleter unregisters the reader.
  return Pin(this, [epoch](ReadPins* pins) { pins->Release(epoch); });
}

void ReadPins::Release(uint64_t epoch) {
  MutexLock lock(&mu_);
  auto it = live_.find(epoch);
  if (it != live_.end() && --it->second == 0) live_.erase(it);
}

uint64_t ReadPins::Mark() {
  MutexLock lock(&mu_);
  return ++epoch_;
}

bool ReadPins::NoneBefore(uint64_t mark) const {
  MutexLock lock(&mu_);
  return live_.empty() || live_.begin()->first >= mark;
}

}  // namespace deltatunnel::storage
