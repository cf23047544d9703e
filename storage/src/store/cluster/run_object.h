// A run in object storage: one object holding the run's chunks in key order, then an index of
// them (each chunk's last key and size), the index's size and a magic number:
//
//   chunk 0 | chunk 1 | ... | index | index size (fixed64, big-endian) | "DTRUN001"
//   index = varint count, then per chunk: length-prefixed last key, varint size
//
// A reader fetches the object's tail (the index, in one request for all but huge runs), then the
// chunks it needs by byte range. Runs never change once written, so an index read once is good
// for the run's life.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "deltatunnel/proto/status.h"

namespace deltatunnel::storage::cluster {

inline constexpr std::string_view kRunObjectMagic = "DTRUN001";
inline constexpr size_t kRunObjectFooterBytes = 8 + kRunObjectMagic.size();

// The object of run `run_id` under `prefix`: the id in 16 hex digits, so names sort as ids do.
std::string RunObjectName(std::string_view prefix, uint64_t run_id);

// Builds a run's object from its chunks, given in ascending last-key order.
class RunObjectBuilder {
 public:
  void Add(std::string_view last_key, std::string_view chunk);
  bool empty() const { return count_ == 0; }
  // The object; the builder is spent.
  std::string Finish();

 private:
  std::string data_;
  std::string index_;
  uint64_t count_ = 0;
};

struct RunIndex {
  struct Chunk {
    std::string last_key;
    uint64_t offset = 0;
    uint64_t size = 0;
  };
  std::vector<Chunk> chunks;  // in key order
  uint64_t bytes = 0;         // the object's size

  // The first chunk whose last key is at or after `key` (chunks.size() when none is).
  size_t Find(std::string_view key) const;
};

// The index's size from an object's footer (its last kRunObjectFooterBytes bytes); Corruption
// when they are not a run object's footer.
Result<uint64_t> ParseRunFooter(std::string_view footer, uint64_t object_size);
// The index from its bytes; Corruption when it does not describe an object of `object_size`.
Result<RunIndex> ParseRunIndex(std::string_view index, uint64_t object_size);

}  // namespace deltatunnel::storage::cluster
