#include "key_fold.h"

#include "deltatunnel/proto/row_codec.h"

namespace deltatunnel::storage {

Status KeyFold::Start(const KeyWrite& newest, bool decode) {
  op_ = newest.op;
  mask_.clear();
  raw_ = {};
  decoded_ = false;
  if (op_ == proto::RowOp::kDelete) return Status::Ok();
  if (newest.mask.empty() && !decode) {
    raw_ = newest.row;
    return Status::Ok();
  }
  DT_RETURN_IF_ERROR(proto::DecodeRow(*schema_, newest.row, &row_));
  decoded_ = true;
  mask_.assign(newest.mask);
  return Status::Ok();
}

Status KeyFold::Older(const KeyWrite& older) {
  if (older.op == proto::RowOp::kDelete) {
    mask_.clear();
    return Status::Ok();
  }
  DT_RETURN_IF_ERROR(proto::DecodeRow(*schema_, older.row, &scratch_));
  const size_t n = schema_->columns.size();
  // A full row decides every column still open; a partial one the columns it names, and gives the
  // others for now: a yet older write replaces them, and with none they stay as it has them (null
  // in a partial row of the same schema; an added column's default in one of an older schema,
  // row_upgrade.h).
  for (size_t i = 0; i < n && i < scratch_.size(); ++i) {
    if (!MaskHas(mask_, i)) row_[i] = std::move(scratch_[i]);
  }
  if (older.mask.empty()) {
    mask_.clear();
    return Status::Ok();
  }
  if (mask_.size() < older.mask.size()) mask_.resize(older.mask.size(), '\0');
  for (size_t b = 0; b < older.mask.size(); ++b)
    mask_[b] = static_cast<char>(mask_[b] | older.mask[b]);
  return Status::Ok();
}

Status KeyFold::TakeRow(proto::Row* out) {
  if (!decoded_) {
    DT_RETURN_IF_ERROR(proto::DecodeRow(*schema_, raw_, out));
    return Status::Ok();
  }
  *out = std::move(row_);
  decoded_ = false;
  return Status::Ok();
}

void KeyFold::Encode(std::string* row, std::string* mask) const {
  row->clear();
  mask->assign(mask_);
  if (op_ == proto::RowOp::kDelete) return;
  if (!decoded_) {
    row->assign(raw_);
    return;
  }
  proto::EncodeRow(*schema_, row_, row);
}

}  // namespace deltatunnel::storage
