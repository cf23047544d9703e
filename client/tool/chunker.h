// Splits a CSV or NDJSON file into bodies of about `chunk_bytes`, each ending at a line end that
// is outside a quoted CSV field (RFC 4180 fields may hold newlines). Every CSV body starts with
// the file's header line. Reads through a fixed buffer: memory stays about two chunks.
#pragma once

#include <cstdint>
#include <fstream>
#include <string>

namespace deltatunnel::tool {

class Chunker {
 public:
  Chunker(const std::string& path, bool csv, size_t chunk_bytes);
  bool ok() const { return in_.good() || in_.eof(); }
  uint64_t file_size() const { return file_size_; }

  // The next body; false at the end of the file. `rows` counts its data lines (records), and
  // `first_line` is the file line of its first data record (1-based).
  bool Next(std::string* body, uint64_t* rows, uint64_t* first_line);

 private:
  // Position just past the last line end outside quotes in buf_[0, limit), or 0.
  size_t SplitPoint(size_t limit, uint64_t* lines) const;

  std::ifstream in_;
  bool csv_;
  size_t chunk_bytes_;
  uint64_t file_size_ = 0;
  std::string buf_;
  std::string header_;
  bool header_read_ = false;
  uint64_t next_line_ = 1;
};

}  // namespace deltatunnel::tool
