// Load progress: a bar with rows, MB/s and ETA redrawn on a terminal, or nothing until the summary.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace deltatunnel::tool {

class Progress {
 public:
  Progress(uint64_t total_bytes, bool draw);
  void Add(uint64_t rows, uint64_t bytes);
  void Finish();  // ends the bar's line
  // "loaded 1000 rows in 3 chunks, 1.2 MB in 0.5 s (2.4 MB/s), version 7"
  std::string Summary(uint64_t rows, uint64_t chunks, int64_t version) const;

 private:
  double Seconds() const;
  void Draw();

  uint64_t total_;
  bool draw_;
  bool drawn_ = false;
  uint64_t rows_ = 0, bytes_ = 0;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

}  // namespace deltatunnel::tool
