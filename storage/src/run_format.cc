#include "run_format.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "coding.h"
#include "key_filter.h"

namespace deltatunnel::storage {

void AppendEntry(std::string* chunk, const KeyWrite& e) {
  PutLengthPrefixed(chunk, e.key);
  chunk->push_back(static_cast<char>(e.op));
  PutLengthPrefixed(chunk, e.mask);
  PutLengthPrefixed(chunk, e.row);
}

bool NextEntry(std::string_view* chunk, KeyWrite* e) {
  if (!GetLengthPrefixed(chunk, &e->key) || chunk->empty()) return false;
  const char op = chunk->front();
  if (op != static_cast<char>(proto::RowOp::kUpsert) &&
      op != static_cast<char>(proto::RowOp::kDelete)) {
    return false;
  }
  e->op = static_cast<proto::RowOp>(op);
  chunk->remove_prefix(1);
  return GetLengthPrefixed(chunk, &e->mask) && GetLengthPrefixed(chunk, &e->row);
}

namespace {

KeyWrite ToWrite(const proto::RowRef& r) { return {r.key, r.op, r.update_mask, r.row}; }

class RunBuilder {
 public:
  // `rows` and `bytes`: about how many rows the run will hold, and their encoded size.
  RunBuilder(uint32_t bucket, size_t rows, size_t bytes) : bytes_hint_(bytes) {
    run_.bucket = bucket;
    hashes_.reserve(rows);
  }

  // `e.key` must stay valid until the next Add, Cut or Finish.
  void Add(const KeyWrite& e) {
    // A chunk's buffer at its target size at once (plus room for the entry that crosses it), or at
    // what is left of the run if that is less, not grown from empty by doubling.
    if (current_.value.empty()) {
      const size_t left = bytes_hint_ > run_.bytes ? bytes_hint_ - run_.bytes : 0;
      current_.value.reserve(std::min(kChunkTargetBytes + kChunkTargetBytes / 8, left));
    }
    AppendEntry(&current_.value, e);
    if (run_.rows == 0) run_.first_key.assign(e.key);
    last_key_ = e.key;
    hashes_.push_back(KeyHash(e.key));
    ++run_.rows;
    if (e.op == proto::RowOp::kDelete) {
      ++run_.deletes;
    } else {
      ++run_.upserts;
    }
    if (current_.value.size() >= kChunkTargetBytes) Cut();
  }

  PendingRun Finish() {
    if (!current_.value.empty()) Cut();
    run_.key_filter = BuildKeyFilter(hashes_);
    return std::move(run_);
  }

 private:
  void Cut() {
    current_.last_key.assign(last_key_);
    run_.bytes += current_.value.size();
    run_.chunks.push_back(std::move(current_));
    current_ = {};
  }
  PendingRun run_;
  PendingChunk current_;
  const size_t bytes_hint_;
  std::string_view last_key_;  // of the last entry added
  std::vector<uint64_t> hashes_;
};

// The first 8 bytes of `key` as a big-endian integer, zero-padded: keys whose prefixes differ
// compare as their prefixes do (a shorter key pads with zeros, below any byte the longer one has
// there, unless it is a prefix of it, which the full comparison then orders).
uint64_t KeyPrefix(std::string_view key) {
  unsigned char b[8] = {};
  std::memcpy(b, key.data(), std::min<size_t>(key.size(), 8));
  uint64_t v = 0;
  for (unsigned char c : b) v = (v << 8) | c;
  return v;
}

// Row `index` of a batch, with what sorting it needs at hand (16 bytes, no pointer chasing).
struct SortItem {
  uint32_t bucket;
  uint32_t index;
  uint64_t prefix;
};

// Below this many rows a comparison sort is as fast as the radix passes' setup.
constexpr size_t kRadixMinRows = 256;

// Stable LSD radix sort of `items` by (bucket, prefix), a byte at a time from the prefix's lowest
// byte to the bucket's highest. A byte position where every item has the same byte (the bucket, in
// a one-bucket write; a key encoding's leading byte) costs no pass. Every pass is a counting sort:
// stable, so items equal in (bucket, prefix) stay in index (arrival) order.
void RadixSortByBucketAndPrefix(std::vector<SortItem>* items) {
  constexpr int kDigits = 12;  // 8 prefix bytes, then 4 bucket bytes
  auto digit = [](const SortItem& it, int d) -> uint8_t {
    return static_cast<uint8_t>(d < 8 ? it.prefix >> (8 * d) : it.bucket >> (8 * (d - 8)));
  };
  std::vector<std::array<uint32_t, 256>> counts(kDigits);
  for (const SortItem& it : *items) {
    for (int d = 0; d < kDigits; ++d) ++counts[d][digit(it, d)];
  }
  std::vector<SortItem> scratch(items->size());
  for (int d = 0; d < kDigits; ++d) {
    if (counts[d][digit(items->front(), d)] == items->size()) continue;
    std::array<uint32_t, 256> next;
    uint32_t sum = 0;
    for (int b = 0; b < 256; ++b) {
      next[b] = sum;
      sum += counts[d][b];
    }
    for (const SortItem& it : *items) scratch[next[digit(it, d)]++] = it;
    items->swap(scratch);
  }
}

// Rows ordered by (bucket, key, arrival) give every run and its duplicates, arrival last. Sorted on
// 16-byte (bucket, index, 8-byte key prefix) items, keys read only where prefixes tie: by a stable
// radix sort on (bucket, prefix) when there are enough rows (a comparison sort mispredicted a
// branch on most comparisons of random keys: ~45 ns a row of a 1 MB write), then, within each
// group of equal (bucket, prefix) whose keys are not all the same, by (key, arrival).
std::vector<SortItem> SortedItems(const std::vector<proto::RowRef>& refs) {
  std::vector<SortItem> items(refs.size());
  for (uint32_t i = 0; i < items.size(); ++i)
    items[i] = {refs[i].bucket, i, KeyPrefix(refs[i].key)};
  auto less = [&refs](const SortItem& a, const SortItem& b) {
    if (a.bucket != b.bucket) return a.bucket < b.bucket;
    if (a.prefix != b.prefix) return a.prefix < b.prefix;
    const int c = refs[a.index].key.compare(refs[b.index].key);
    return c != 0 ? c < 0 : a.index < b.index;
  };
  if (items.size() < kRadixMinRows) {
    std::sort(items.begin(), items.end(), less);
  } else {
    RadixSortByBucketAndPrefix(&items);
    for (size_t i = 0; i < items.size();) {
      const std::string_view key = refs[items[i].index].key;
      bool same_key = true;
      size_t j = i + 1;
      for (; j < items.size() && items[j].bucket == items[i].bucket &&
             items[j].prefix == items[i].prefix;
           ++j) {
        same_key = same_key && refs[items[j].index].key == key;
      }
      if (!same_key)
        std::sort(items.begin() + static_cast<ptrdiff_t>(i),
                  items.begin() + static_cast<ptrdiff_t>(j), less);
      i = j;
    }
  }
  return items;
}

}  // namespace

std::vector<uint32_t> SortedOrder(const std::vector<proto::RowRef>& refs) {
  const std::vector<SortItem> items = SortedItems(refs);
  std::vector<uint32_t> order(items.size());
  for (size_t i = 0; i < items.size(); ++i) order[i] = items[i].index;
  return order;
}

Result<std::vector<PendingRun>> BuildRuns(const proto::TableSchema& schema,
                                          const proto::RowBatch& batch) {
  std::vector<proto::RowRef> refs(batch.size());
  for (size_t i = 0; i < refs.size(); ++i) refs[i] = batch[i];
  const std::vector<SortItem> items = SortedItems(refs);
  // Rows i and j (in sorted order) hold the same key: equal prefixes first, so most pairs of
  // different keys are told apart without reading them.
  auto same_key = [&](size_t i, size_t j) {
    return items[i].bucket == items[j].bucket && items[i].prefix == items[j].prefix &&
           refs[items[i].index].key == refs[items[j].index].key;
  };

  std::vector<PendingRun> runs;
  KeyFold fold(schema);
  std::string row, mask;
  size_t i = 0;
  while (i < items.size()) {
    const uint32_t bucket = items[i].bucket;
    size_t end = i;
    while (end < items.size() && items[end].bucket == bucket) ++end;
    // Entries are the batch's key and row bytes and a few bytes of lengths and op.
    const size_t rows = end - i;
    RunBuilder builder(bucket, rows, rows * (batch.bytes() / batch.size() + 8));
    while (i < end) {
      size_t j = i + 1;
      while (j < end && same_key(i, j)) ++j;
      const proto::RowRef& first = refs[items[i].index];
      if (j == i + 1) {
        builder.Add(ToWrite(first));
      } else {
        // Duplicates: fold from the last arrival back until the state is complete.
        DT_RETURN_IF_ERROR(fold.Start(ToWrite(refs[items[j - 1].index]), /*decode=*/false));
        for (size_t k = j - 1; k > i && !fold.complete(); --k) {
          DT_RETURN_IF_ERROR(fold.Older(ToWrite(refs[items[k - 1].index])));
        }
        fold.Encode(&row, &mask);
        builder.Add({first.key, fold.op(), mask, row});
      }
      i = j;
    }
    runs.push_back(builder.Finish());
  }
  return runs;
}

}  // namespace deltatunnel::storage
