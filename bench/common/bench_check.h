// What a benchmark does with an error: print it and exit 1 (a figure from a failed run is none).
#pragma once

#include <fmt/format.h>

#include <cstdlib>

#include "deltatunnel/proto/status.h"

namespace deltatunnel::bench {

template <typename T>
T Check(Result<T> r, const char* what) {
  if (!r.ok()) {
    fmt::print(stderr, "{}: {}\n", what, r.status().ToString());
    std::exit(1);
  }
  return std::move(r).value();
}

inline void Check(const Status& s, const char* what) {
  if (!s.ok()) {
    fmt::print(stderr, "{}: {}\n", what, s.ToString());
    std::exit(1);
  }
}

}  // namespace deltatunnel::bench
