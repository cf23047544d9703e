// Shared by the codecs of compression.cc and snappy_framed.cc. Private to proto.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>

#include "deltatunnel/proto/status.h"

namespace deltatunnel::proto::compression {

// Decompressed output that grows on demand up to a limit. Codecs write into Free() and Commit().
class Output {
 public:
  explicit Output(size_t limit) : limit_(std::min(limit, size_t{1} << 40)) {}

  // Makes at least one byte (up to `want`) writable; false once the limit has been reached.
  bool Grow(size_t want) {
    if (used_ < buf_.size()) return true;
    if (used_ >= limit_ + 1) return false;
    size_t size = std::max<size_t>(buf_.size() * 2, std::max<size_t>(want, 64 * 1024));
    size = std::min(size, limit_ + 1);  // one byte past the limit detects "too large"
    buf_.resize(size);
    return true;
  }
  char* Free() { return buf_.data() + used_; }
  size_t FreeSize() const { return buf_.size() - used_; }
  void Commit(size_t n) { used_ += n; }
  bool OverLimit() const { return used_ > limit_; }
  size_t size() const { return used_; }

  // Appends whole; false if that would pass the limit.
  bool Append(std::string_view data) {
    if (data.size() > limit_ - std::min(limit_, used_)) return false;
    if (buf_.size() < used_ + data.size()) buf_.resize(used_ + data.size());
    data.copy(buf_.data() + used_, data.size());
    used_ += data.size();
    return true;
  }

  std::string Take() {
    buf_.resize(used_);
    return std::move(buf_);
  }

 private:
  std::string buf_;
  size_t used_ = 0;
  size_t limit_;
};

inline Status Corrupt(std::string_view encoding, std::string_view why) {
  return {ErrorCode::kCorruptedDataStream,
          "the " + std::string(encoding) + " body does not decompress: " + std::string(why)};
}

inline Status TooLarge(size_t limit) {
  return {ErrorCode::kRequestTooLarge,
          "the decompressed body exceeds the limit of " + std::to_string(limit) + " bytes"};
}

Result<std::string> SnappyFramedDecompress(std::string_view body, size_t limit);
std::string SnappyFramedCompress(std::string_view data);

}  // namespace deltatunnel::proto::compression
