#include "progress.h"

#include <algorithm>
#include <cstdio>

namespace deltatunnel::tool {

Progress::Progress(uint64_t total_bytes, bool draw) : total_(total_bytes), draw_(draw) {}

double Progress::Seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Progress::Add(uint64_t rows, uint64_t bytes) {
  rows_ += rows;
  bytes_ = std::min(total_ ? total_ : bytes_ + bytes, bytes_ + bytes);
  if (draw_) Draw();
}

void Progress::Draw() {
  const double secs = std::max(Seconds(), 1e-3);
  const double mbs = static_cast<double>(bytes_) / 1e6 / secs;
  const double frac = total_ ? static_cast<double>(bytes_) / static_cast<double>(total_) : 0;
  const int width = 30;
  const int filled = static_cast<int>(frac * width);
  std::string bar(static_cast<size_t>(filled), '#');
  bar.resize(width, '.');
  const double eta = frac > 0 ? secs * (1 - frac) / frac : 0;
  std::fprintf(stderr, "\r[%s] %3.0f%%  %llu rows  %.1f MB/s  ETA %.0fs   ", bar.c_str(),
               frac * 100, static_cast<unsigned long long>(rows_), mbs, eta);
  std::fflush(stderr);
  drawn_ = true;
}

void Progress::Finish() {
  if (drawn_) std::fputc('\n', stderr);
  drawn_ = false;
}

std::string Progress::Summary(uint64_t rows, uint64_t chunks, int64_t version) const {
  const double secs = std::max(Seconds(), 1e-3);
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "loaded %llu rows in %llu chunks, %.1f MB in %.2f s (%.1f MB/s), version %lld",
                static_cast<unsigned long long>(rows), static_cast<unsigned long long>(chunks),
                static_cast<double>(bytes_) / 1e6, secs, static_cast<double>(bytes_) / 1e6 / secs,
                static_cast<long long>(version));
  return buf;
}

}  // namespace deltatunnel::tool
