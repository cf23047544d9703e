#include "run_format.h"

#include <algorithm>
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
  explicit RunBuilder(uint32_t bucket) { run_.bucket = bucket; }

  void Add(const KeyWrite& e) {
    AppendEntry(&current_.value, e);
    current_.last_key.assign(e.key);
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
    run_.bytes += current_.value.size();
    run_.chunks.push_back(std::move(current_));
    current_ = {};
  }
  PendingRun run_;
  PendingChunk current_;
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

}  // namespace

// Rows ordered by (bucket, key, arrival) give every run and its duplicates, arrival last: an
// unstable sort on (bucket, key prefix, key, index) is that order, and compares integers in one
// array for nearly every pair (keys are read only when prefixes tie) (a stable sort of indices read
// both rows' keys through the batch on every comparison: a tenth of the server's CPU in a
// write-heavy profile).
std::vector<uint32_t> SortedOrder(const std::vector<proto::RowRef>& refs) {
  std::vector<SortItem> items(refs.size());
  for (uint32_t i = 0; i < items.size(); ++i)
    items[i] = {refs[i].bucket, i, KeyPrefix(refs[i].key)};
  std::sort(items.begin(), items.end(), [&refs](const SortItem& a, const SortItem& b) {
    if (a.bucket != b.bucket) return a.bucket < b.bucket;
    if (a.prefix != b.prefix) return a.prefix < b.prefix;
    const int c = refs[a.index].key.compare(refs[b.index].key);
    return c != 0 ? c < 0 : a.index < b.index;
  });
  std::vector<uint32_t> order(items.size());
  for (size_t i = 0; i < items.size(); ++i) order[i] = items[i].index;
  return order;
}

Result<std::vector<PendingRun>> BuildRuns(const proto::TableSchema& schema,
                                          const proto::RowBatch& batch) {
  std::vector<proto::RowRef> refs(batch.size());
  for (size_t i = 0; i < refs.size(); ++i) refs[i] = batch[i];
  const std::vector<uint32_t> order = SortedOrder(refs);

  std::vector<PendingRun> runs;
  KeyFold fold(schema);
  std::string row, mask;
  size_t i = 0;
  while (i < order.size()) {
    const uint32_t bucket = refs[order[i]].bucket;
    RunBuilder builder(bucket);
    while (i < order.size() && refs[order[i]].bucket == bucket) {
      size_t j = i + 1;
      while (j < order.size() && refs[order[j]].bucket == bucket &&
             refs[order[j]].key == refs[order[i]].key) {
        ++j;
      }
      if (j == i + 1) {
        builder.Add(ToWrite(refs[order[i]]));
      } else {
        // Duplicates: fold from the last arrival back until the state is complete.
        DT_RETURN_IF_ERROR(fold.Start(ToWrite(refs[order[j - 1]]), /*decode=*/false));
        for (size_t k = j - 1; k > i && !fold.complete(); --k) {
          DT_RETURN_IF_ERROR(fold.Older(ToWrite(refs[order[k - 1]])));
        }
        fold.Encode(&row, &mask);
        builder.Add({refs[order[i]].key, fold.op(), mask, row});
      }
      i = j;
    }
    runs.push_back(builder.Finish());
  }
  return runs;
}

}  // namespace deltatunnel::storage
