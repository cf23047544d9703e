#include "bucket_merge.h"

#include <algorithm>

#include "keys.h"
#include "run_format.h"

namespace deltatunnel::storage {

RunCursor::RunCursor(Store* store, uint64_t run_id)
    : run_id_(run_id), chunks_(store->NewChunkCursor(run_id)) {}

RunCursor::~RunCursor() = default;

Status RunCursor::SeekToFirst() {
  DT_RETURN_IF_ERROR(chunks_->Seek(run_id_, ""));
  return LoadChunk();
}

Status RunCursor::LoadChunk() {
  valid_ = false;
  if (!chunks_->Valid()) return Status::Ok();
  rest_ = chunks_->chunk();
  return Next();
}

Status RunCursor::Next() {
  while (rest_.empty()) {
    DT_RETURN_IF_ERROR(chunks_->Next());
    if (!chunks_->Valid()) {
      valid_ = false;
      return Status::Ok();
    }
    rest_ = chunks_->chunk();
  }
  if (!NextEntry(&rest_, &entry_)) {
    valid_ = false;
    return Corruption("corrupt chunk in run " + std::to_string(run_id_));
  }
  if (upgrade_ && entry_.op == proto::RowOp::kUpsert) {
    DT_RETURN_IF_ERROR(upgrade_->Apply(entry_.row, &upgraded_));
    entry_.row = upgraded_;
  }
  valid_ = true;
  return Status::Ok();
}

BucketMerge::BucketMerge(const SchemaHistory& history, const SchemaVersion& target, Store* store,
                         std::vector<RunRef> runs)
    : history_(&history), target_(&target), runs_(std::move(runs)), fold_(*target.schema) {
  cursors_.reserve(runs_.size());
  for (const RunRef& r : runs_) {
    cursors_.push_back(std::make_unique<RunCursor>(store, r.run_id));
  }
}

Status BucketMerge::Init() {
  for (size_t i = 0; i < cursors_.size(); ++i) {
    DT_ASSIGN_OR_RETURN(std::unique_ptr<RowUpgrade> upgrade,
                        history_->Upgrade(runs_[i].schema_id, *target_));
    if (upgrade) cursors_[i]->SetUpgrade(std::move(upgrade));
    DT_RETURN_IF_ERROR(cursors_[i]->SeekToFirst());
    if (cursors_[i]->Valid()) Push(i);
  }
  return Status::Ok();
}

// Cursor index i is newer than j when i < j (runs_ is newest first).
bool BucketMerge::Less(size_t a, size_t b) const {
  const std::string_view ka = cursors_[a]->entry().key;
  const std::string_view kb = cursors_[b]->entry().key;
  const int c = ka.compare(kb);
  if (c != 0) return c > 0;
  return a > b;
}

void BucketMerge::Push(size_t i) {
  heap_.push_back(i);
  std::push_heap(heap_.begin(), heap_.end(), [this](size_t a, size_t b) { return Less(a, b); });
}

size_t BucketMerge::Pop() {
  std::pop_heap(heap_.begin(), heap_.end(), [this](size_t a, size_t b) { return Less(a, b); });
  const size_t i = heap_.back();
  heap_.pop_back();
  return i;
}

Result<bool> BucketMerge::Next(MergedKey* out, uint64_t min_version, bool encode) {
  while (!heap_.empty()) {
    size_t top = Pop();
    RunCursor& newest = *cursors_[top];
    out->key.assign(newest.entry().key);
    out->version = runs_[top].version;
    // Alive after its newest write (an upsert, full or partial, makes the key exist), and a
    // truncate came after it: deleted by that truncate.
    bool truncated = false;
    // Writes older than the last truncate before the newest one are gone: not folded.
    uint64_t floor = 0;
    if (!truncations_.empty()) {
      auto t = std::upper_bound(truncations_.begin(), truncations_.end(), out->version);
      if (t != truncations_.begin()) floor = *std::prev(t);
      if (t != truncations_.end() && newest.entry().op != proto::RowOp::kDelete) {
        truncated = true;
        out->version = *t;
      }
    }
    const bool wanted = out->version > min_version;
    bool encoded = false;
    if (wanted && !truncated) {
      DT_RETURN_IF_ERROR(fold_.Start(newest.entry(), /*decode=*/!encode));
      // A full row kept encoded points into the cursor's chunk: copy it before the cursor moves.
      if (encode && fold_.complete()) {
        fold_.Encode(&out->encoded, &mask_);
        encoded = true;
      }
    }
    // Every older write of the same key: fold it while the state is open, then step past it.
    for (;;) {
      DT_RETURN_IF_ERROR(cursors_[top]->Next());
      if (cursors_[top]->Valid()) Push(top);
      if (heap_.empty() || cursors_[heap_.front()]->entry().key != out->key) break;
      top = Pop();
      if (wanted && !truncated && !fold_.complete() && runs_[top].version > floor) {
        DT_RETURN_IF_ERROR(fold_.Older(cursors_[top]->entry()));
      }
    }
    if (!wanted) continue;
    if (truncated) {
      out->op = proto::RowOp::kDelete;
      return true;
    }
    fold_.Finish();
    out->op = fold_.op();
    if (out->op != proto::RowOp::kUpsert) return true;
    if (!encode) {
      DT_RETURN_IF_ERROR(fold_.TakeRow(&out->row));
    } else if (!encoded) {
      fold_.Encode(&out->encoded, &mask_);  // a folded partial row: decoded, re-encoded whole
    }
    return true;
  }
  return false;
}

}  // namespace deltatunnel::storage
