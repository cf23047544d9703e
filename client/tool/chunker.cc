#include "chunker.h"

#include <filesystem>

namespace deltatunnel::tool {

Chunker::Chunker(const std::string& path, bool csv, size_t chunk_bytes)
    : in_(path, std::ios::binary), csv_(csv), chunk_bytes_(chunk_bytes) {
  std::error_code ec;
  file_size_ = std::filesystem::file_size(path, ec);
  if (ec) file_size_ = 0;
}

size_t Chunker::SplitPoint(size_t limit, uint64_t* lines) const {
  bool quoted = false;
  size_t split = 0;
  uint64_t n = 0, at_split = 0;
  for (size_t i = 0; i < limit; ++i) {
    const char c = buf_[i];
    if (csv_ && c == '"') quoted = !quoted;  // "" inside a field toggles twice: no change
    if (c == '\n' && !quoted) {
      split = i + 1;
      at_split = ++n;
    }
  }
  *lines = at_split;
  return split;
}

bool Chunker::Next(std::string* body, uint64_t* rows, uint64_t* first_line) {
  for (;;) {
    // Enough for a chunk, or the whole rest of the file.
    while (buf_.size() < chunk_bytes_ && in_) {
      const size_t old = buf_.size();
      buf_.resize(old + std::max<size_t>(chunk_bytes_ - old, 64 * 1024));
      in_.read(buf_.data() + old, static_cast<std::streamsize>(buf_.size() - old));
      buf_.resize(old + static_cast<size_t>(in_.gcount()));
    }
    const bool at_end = !in_;
    if (csv_ && !header_read_) {
      const size_t nl = buf_.find('\n');
      if (nl == std::string::npos && !at_end) {  // a header longer than the buffer
        chunk_bytes_ *= 2;
        continue;
      }
      const size_t h = nl == std::string::npos ? buf_.size() : nl + 1;
      header_ = buf_.substr(0, h);
      if (!header_.empty() && header_.back() != '\n') header_ += '\n';
      buf_.erase(0, h);
      header_read_ = true;
      next_line_ = 2;
    }
    if (buf_.empty()) return false;
    uint64_t lines = 0;
    size_t split = 0;
    if (at_end && buf_.size() <= chunk_bytes_) {
      split = buf_.size();
      SplitPoint(split, &lines);
      if (buf_.back() != '\n') ++lines;
    } else {
      split = SplitPoint(std::min(buf_.size(), chunk_bytes_), &lines);
    }
    if (split == 0) {  // one record longer than the chunk: take a bigger bite
      chunk_bytes_ *= 2;
      continue;
    }
    *body = csv_ ? header_ : std::string();
    body->append(buf_, 0, split);
    buf_.erase(0, split);
    *rows = lines;
    *first_line = next_line_;
    next_line_ += lines;
    return true;
  }
}

}  // namespace deltatunnel::tool
