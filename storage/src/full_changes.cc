// The full form of changes (ChangesOptions::every_version): one record per key per version that
// changed it.
//
// Each bucket of each partition read is cut into segments at the truncations in (from, to]. In a
// segment (lo, hi], the keys written are those of the bucket's deltas published in it, merged by
// key; each key's state before the segment is looked up in the runs visible at `lo` (key filter,
// then seek, as a lookup finds it). So a segment costs what its own writes cost, not what the
// bucket holds: a follower a few commits behind reads a few commits. The key's state after each
// version that wrote it is the fold of its writes up to that version (key_fold.h), compared with
// the state before it: an insert, an update or a delete (a delete of a key that did not exist
// changes nothing and is no record). A truncation at t closes its segment: every key alive at
// t - 1 (a snapshot merge of the bucket) is deleted at t.
#include <algorithm>
#include <deque>
#include <optional>

#include "bucket_merge.h"
#include "deltatunnel/proto/row_codec.h"
#include "engine_impl.h"
#include "key_filter.h"
#include "run_format.h"
#include "run_range_index.h"

namespace deltatunnel::storage {
namespace {

constexpr size_t kKeysPerInterruptCheck = 256;

// A key's write, owning its bytes (the cursor it came from moves on).
struct OwnedWrite {
  uint64_t version = 0;
  proto::RowOp op = proto::RowOp::kUpsert;
  std::string mask;
  std::string row;  // in the read's schema
  KeyWrite View(std::string_view key) const { return {key, op, mask, row}; }
};

struct Record {
  uint64_t version = 0;
  ChangeKind kind = ChangeKind::kInsert;
  proto::Row row;                    // the state after; a delete: the key columns only
  std::optional<proto::Row> before;  // with include_before, when the key existed
};

class FullChangesIterator final : public ChangeIterator {
 public:
  FullChangesIterator(EngineImpl::ReadView view, Store* store, uint64_t from, bool include_before,
                      std::vector<int64_t> commit_times, std::function<Status()> interrupt)
      : view_(std::move(view)),
        store_(store),
        from_(from),
        include_before_(include_before),
        commit_times_(std::move(commit_times)),
        interrupt_(std::move(interrupt)),
        schema_(*view_.schema->schema),
        chunks_(store->NewChunkCursor(std::nullopt)) {}

  void Init() { Advance(); }

  bool Valid() const override { return valid_; }
  void Next() override {
    if (!pending_.empty()) pending_.pop_front();
    Advance();
  }
  proto::RowOp op() const override {
    return cur().kind == ChangeKind::kDelete ? proto::RowOp::kDelete : proto::RowOp::kUpsert;
  }
  const proto::Row& row() const override { return cur().row; }
  uint64_t last_version() const override { return cur().version; }
  ChangeKind kind() const override { return cur().kind; }
  int64_t committed_at_ms() const override {
    const uint64_t v = cur().version;
    return v > from_ && v - from_ - 1 < commit_times_.size() ? commit_times_[v - from_ - 1] : 0;
  }
  const proto::Row* before() const override { return cur().before ? &*cur().before : nullptr; }
  const proto::PartitionSpec& partition() const override {
    static const proto::PartitionSpec kNone;
    return part_ < view_.partitions.size() ? view_.partitions[part_]->spec : kNone;
  }
  Status status() const override { return status_; }
  uint64_t version() const override { return view_.version; }
  const proto::TableSchema& schema() const override { return schema_; }

 private:
  // A segment (lo, hi] of a bucket's history, and the truncation that ends it (0: none).
  struct Segment {
    uint64_t lo = 0;
    uint64_t hi = 0;
    uint64_t truncated_at = 0;
  };

  const Record& cur() const { return pending_.front(); }

  void Advance() {
    valid_ = false;
    while (pending_.empty()) {
      Result<bool> more = Fill();
      if (!more.ok()) {
        status_ = more.status();
        return;
      }
      if (!*more) return;
    }
    valid_ = true;
  }

  // Adds the next records to pending_ (maybe none); false once every bucket is read.
  Result<bool> Fill() {
    if (interrupt_ && keys_done_++ % kKeysPerInterruptCheck == 0) {
      DT_RETURN_IF_ERROR(interrupt_());
    }
    if (snapshot_) return FillTruncation();
    if (!cursors_.empty() || !heap_.empty()) return FillKey();
    // The current segment's writes are read: its truncation, the next segment, bucket, partition.
    if (seg_ < segments_.size()) {
      const Segment s = segments_[seg_++];
      if (s.truncated_at != 0) DT_RETURN_IF_ERROR(StartTruncation(s.truncated_at));
      if (seg_ < segments_.size()) DT_RETURN_IF_ERROR(StartSegment(segments_[seg_]));
      return true;
    }
    if (started_) ++bucket_;
    started_ = true;
    while (part_ < view_.partitions.size() && bucket_ >= view_.partitions[part_]->buckets.size()) {
      ++part_;
      bucket_ = 0;
    }
    if (part_ >= view_.partitions.size()) return false;
    PlanSegments(*view_.partitions[part_]);
    seg_ = 0;
    DT_RETURN_IF_ERROR(StartSegment(segments_[0]));
    return true;
  }

  void PlanSegments(const PartitionManifest& m) {
    segments_.clear();
    uint64_t lo = from_;
    for (uint64_t t : TruncationsIn(m, from_, view_.version)) {
      segments_.push_back({lo, t - 1, t});
      lo = t;
    }
    segments_.push_back({lo, view_.version, 0});
  }

  const PartitionManifest& manifest() const { return *view_.partitions[part_]; }

  // The segment's deltas, merged by key; the runs its keys' earlier states are looked up in.
  Status StartSegment(const Segment& s) {
    cursors_.clear();
    runs_.clear();
    heap_.clear();
    const PartitionManifest& m = manifest();
    if (bucket_ >= m.buckets.size()) return Status::Ok();
    const auto& all = m.buckets[bucket_];
    // Newest first; a bucket's runs are in version order (manifest.h), so the segment's are the
    // last ones and the scan stops at the first before it: a follower one version behind reads
    // that version's runs, not the bucket's whole history.
    for (auto it = all.rbegin(); it != all.rend() && it->version > s.lo; ++it) {
      if (it->base || it->version > s.hi) continue;
      runs_.push_back(*it);
    }
    for (size_t i = 0; i < runs_.size(); ++i) {
      cursors_.push_back(std::make_unique<RunCursor>(store_, runs_[i].run_id));
      DT_ASSIGN_OR_RETURN(std::unique_ptr<RowUpgrade> upgrade,
                          view_.schemas->Upgrade(runs_[i].schema_id, *view_.schema));
      if (upgrade) cursors_[i]->SetUpgrade(std::move(upgrade));
      DT_RETURN_IF_ERROR(cursors_[i]->SeekToFirst());
      if (cursors_[i]->Valid()) Push(i);
    }
    if (heap_.empty()) {
      cursors_.clear();
      return Status::Ok();
    }
    // The runs the segment's keys' states before it are looked up in: only a segment that wrote
    // something needs them, and only those whose key range meets the segment's.
    older_.clear();
    const std::optional<KeyRange> span = SegmentSpan();
    ForEachVisibleRun(m, bucket_, s.lo, [&](const RunRef& r) {
      if (!span || !r.key_range || RangesMeet(*r.key_range, *span)) older_.push_back(r);
    });
    older_index_ = RunRangeIndex(older_);
    return Status::Ok();
  }

  static bool RangesMeet(const KeyRange& a, const KeyRange& b) {
    return !(a.last < b.first || b.last < a.first);
  }

  // The keys the segment's runs hold lie in it; none when a run did not record its range.
  std::optional<KeyRange> SegmentSpan() const {
    std::optional<KeyRange> span;
    for (const RunRef& r : runs_) {
      if (!r.key_range) return std::nullopt;
      if (!span) {
        span = *r.key_range;
        continue;
      }
      if (r.key_range->first < span->first) span->first = r.key_range->first;
      if (span->last < r.key_range->last) span->last = r.key_range->last;
    }
    return span;
  }

  // Cursor i is newer than j when i < j (runs_ is newest first); the heap's front is the smallest
  // key, and of equal keys the newest write.
  bool Less(size_t a, size_t b) const {
    const int c = cursors_[a]->entry().key.compare(cursors_[b]->entry().key);
    return c != 0 ? c > 0 : a > b;
  }
  void Push(size_t i) {
    heap_.push_back(i);
    std::push_heap(heap_.begin(), heap_.end(), [this](size_t a, size_t b) { return Less(a, b); });
  }
  size_t Pop() {
    std::pop_heap(heap_.begin(), heap_.end(), [this](size_t a, size_t b) { return Less(a, b); });
    const size_t i = heap_.back();
    heap_.pop_back();
    return i;
  }

  // The next key of the segment: its writes in it (newest first), its state before it, and a
  // record for each version that changed it.
  Result<bool> FillKey() {
    if (heap_.empty()) {
      cursors_.clear();
      return true;
    }
    writes_.clear();
    size_t top = heap_.front();
    key_.assign(cursors_[top]->entry().key);
    while (!heap_.empty() && cursors_[heap_.front()]->entry().key == key_) {
      top = Pop();
      const KeyWrite& e = cursors_[top]->entry();
      writes_.push_back({runs_[top].version, e.op, std::string(e.mask), std::string(e.row)});
      DT_RETURN_IF_ERROR(cursors_[top]->Next());
      if (cursors_[top]->Valid()) Push(top);
    }
    const size_t in_segment = writes_.size();
    DT_RETURN_IF_ERROR(FindOlderWrites());

    std::optional<proto::Row> before;
    DT_RETURN_IF_ERROR(StateFrom(in_segment, &before));
    // The versions that wrote the key, oldest first; writes_[i..] is its state after writes_[i].
    for (size_t i = in_segment; i-- > 0;) {
      if (i > 0 && writes_[i - 1].version == writes_[i].version) continue;  // not its newest
      std::optional<proto::Row> after;
      DT_RETURN_IF_ERROR(StateFrom(i, &after));
      if (!before && !after) continue;  // a delete of a key that did not exist
      Record r;
      r.version = writes_[i].version;
      r.kind = !after ? ChangeKind::kDelete : (before ? ChangeKind::kUpdate : ChangeKind::kInsert);
      if (after) {
        r.row = *after;
      } else {
        DT_RETURN_IF_ERROR(KeyRow(&r.row));
      }
      if (include_before_) r.before = before;
      pending_.push_back(std::move(r));
      before = std::move(after);
    }
    return true;
  }

  // The key's writes before the segment, newest first, until one decides it whole.
  Status FindOlderWrites() {
    const uint64_t hash = KeyHash(key_);
    older_index_.Candidates(key_, &candidates_);
    for (uint32_t i : candidates_) {
      const RunRef& run = older_[i];
      KeyWrite e;
      DT_ASSIGN_OR_RETURN(const bool holds, FindKeyInRun(*chunks_, run, key_, hash, &e));
      if (!holds) continue;
      OwnedWrite w{run.version, e.op, std::string(e.mask), std::string(e.row)};
      if (run.schema_id != view_.schema->id && e.op == proto::RowOp::kUpsert) {
        auto [u, fresh] = upgrades_.try_emplace(run.schema_id);
        if (fresh) {
          DT_ASSIGN_OR_RETURN(u->second, view_.schemas->Upgrade(run.schema_id, *view_.schema));
        }
        if (u->second) DT_RETURN_IF_ERROR(u->second->Apply(e.row, &w.row));
      }
      const bool whole = e.op == proto::RowOp::kDelete || e.mask.empty();
      writes_.push_back(std::move(w));
      if (whole) break;
    }
    return Status::Ok();
  }

  // The key's state after writes_[first] (writes_[first..] folded); none: it does not exist.
  Status StateFrom(size_t first, std::optional<proto::Row>* out) {
    out->reset();
    if (first >= writes_.size()) return Status::Ok();
    KeyFold fold(schema_);
    DT_RETURN_IF_ERROR(fold.Start(writes_[first].View(key_), /*decode=*/true));
    for (size_t i = first + 1; i < writes_.size() && !fold.complete(); ++i) {
      DT_RETURN_IF_ERROR(fold.Older(writes_[i].View(key_)));
    }
    fold.Finish();
    if (fold.op() != proto::RowOp::kUpsert) return Status::Ok();
    out->emplace();
    return fold.TakeRow(&**out);
  }

  Status KeyRow(proto::Row* row) const {
    row->assign(schema_.columns.size(), proto::Value());
    return proto::DecodeKey(schema_, key_, row);
  }

  // Every key alive just before the truncation at `t` is deleted at it.
  Status StartTruncation(uint64_t t) {
    truncated_at_ = t;
    snapshot_ = std::make_unique<BucketMerge>(*view_.schemas, *view_.schema, store_,
                                              VisibleRuns(manifest(), bucket_, t - 1));
    return snapshot_->Init();
  }

  Result<bool> FillTruncation() {
    MergedKey k;
    DT_ASSIGN_OR_RETURN(const bool has, snapshot_->Next(&k));
    if (!has) {
      snapshot_.reset();
      return true;
    }
    if (k.op != proto::RowOp::kUpsert) return true;
    Record r;
    r.version = truncated_at_;
    r.kind = ChangeKind::kDelete;
    key_ = std::move(k.key);
    DT_RETURN_IF_ERROR(KeyRow(&r.row));
    if (include_before_) r.before = std::move(k.row);
    pending_.push_back(std::move(r));
    return true;
  }

  EngineImpl::ReadView view_;
  Store* store_;
  const uint64_t from_;
  const bool include_before_;
  const std::vector<int64_t> commit_times_;  // of versions from + 1 ..
  const std::function<Status()> interrupt_;
  const proto::TableSchema& schema_;
  std::unique_ptr<ChunkCursor> chunks_;  // for FindKeyInRun
  std::map<uint32_t, std::unique_ptr<RowUpgrade>> upgrades_;

  size_t part_ = 0;
  uint32_t bucket_ = 0;
  bool started_ = false;
  std::vector<Segment> segments_;
  size_t seg_ = 0;

  std::vector<RunRef> runs_;  // the segment's deltas, newest first
  std::vector<std::unique_ptr<RunCursor>> cursors_;
  std::vector<size_t> heap_;
  std::vector<RunRef> older_;  // the runs visible at the segment's start, newest first
  RunRangeIndex older_index_;  // over older_
  std::vector<uint32_t> candidates_;

  std::unique_ptr<BucketMerge> snapshot_;  // while deleting what a truncation removed
  uint64_t truncated_at_ = 0;

  std::string key_;
  std::vector<OwnedWrite> writes_;  // the key's, newest first: the segment's, then older ones
  std::deque<Record> pending_;
  uint64_t keys_done_ = 0;
  bool valid_ = false;
  Status status_;
};

}  // namespace

std::unique_ptr<ChangeIterator> FullChanges(EngineImpl::ReadView view, Store* store, uint64_t from,
                                            bool include_before, std::vector<int64_t> commit_times,
                                            std::function<Status()> interrupt) {
  auto it = std::make_unique<FullChangesIterator>(std::move(view), store, from, include_before,
                                                  std::move(commit_times), std::move(interrupt));
  it->Init();
  return it;
}

}  // namespace deltatunnel::storage
