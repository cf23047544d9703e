#include "store/cluster/run_object.h"

#include <fmt/format.h>

#include <algorithm>

#include "coding.h"

namespace deltatunnel::storage::cluster {

std::string RunObjectName(std::string_view prefix, uint64_t run_id) {
  return fmt::format("{}{:016x}", prefix, run_id);
}

void RunObjectBuilder::Add(std::string_view last_key, std::string_view chunk) {
  data_.append(chunk);
  PutLengthPrefixed(&index_, last_key);
  PutVarint(&index_, chunk.size());
  ++count_;
}

std::string RunObjectBuilder::Finish() {
  std::string out = std::move(data_);
  std::string index;
  PutVarint(&index, count_);
  index.append(index_);
  out.append(index);
  PutBigEndian64(&out, index.size());
  out.append(kRunObjectMagic);
  return out;
}

size_t RunIndex::Find(std::string_view key) const {
  auto it = std::lower_bound(chunks.begin(), chunks.end(), key,
                             [](const Chunk& c, std::string_view k) { return c.last_key < k; });
  return static_cast<size_t>(it - chunks.begin());
}

Result<uint64_t> ParseRunFooter(std::string_view footer, uint64_t object_size) {
  if (footer.size() != kRunObjectFooterBytes || object_size < kRunObjectFooterBytes ||
      footer.substr(8) != kRunObjectMagic) {
    return Corruption("a run object without a run's footer");
  }
  const uint64_t index_size = GetBigEndian64(footer);
  if (index_size > object_size - kRunObjectFooterBytes) {
    return Corruption("a run object's index is larger than the object");
  }
  return index_size;
}

Result<RunIndex> ParseRunIndex(std::string_view index, uint64_t object_size) {
  RunIndex out;
  out.bytes = object_size;
  const uint64_t data_end = object_size - kRunObjectFooterBytes - index.size();
  uint64_t count = 0;
  if (!GetVarint(&index, &count) || count > index.size()) {
    return Corruption("a run object's index is cut short");
  }
  out.chunks.reserve(count);
  uint64_t offset = 0;
  for (uint64_t i = 0; i < count; ++i) {
    std::string_view last_key;
    uint64_t size = 0;
    if (!GetLengthPrefixed(&index, &last_key) || !GetVarint(&index, &size)) {
      return Corruption("a run object's index is cut short");
    }
    if (size > data_end - offset) return Corruption("a run object's chunks pass its index");
    out.chunks.push_back({std::string(last_key), offset, size});
    offset += size;
  }
  if (!index.empty() || offset != data_end) {
    return Corruption("a run object's index does not match its chunks");
  }
  return out;
}

}  // namespace deltatunnel::storage::cluster
