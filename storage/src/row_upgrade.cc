#include "row_upgrade.h"

#include "deltatunnel/proto/row_codec.h"

namespace deltatunnel::storage {

Status RowUpgrade::Apply(std::string_view in, std::string* out) {
  DT_RETURN_IF_ERROR(proto::DecodeRow(*from_, in, &row_));
  const size_t old_width = row_.size();
  if (old_width > to_->columns.size()) {
    return Internal("a stored row has more columns than the schema it is read in");
  }
  for (size_t i = 0; i < old_width; ++i) {
    proto::Value& v = row_[i];
    if (!v.is_null() && from_->columns[i].type.kind == proto::TypeKind::kFloat &&
        to_->columns[i].type.kind == proto::TypeKind::kDouble) {
      v = static_cast<double>(v.as_float());
    }
  }
  row_.resize(to_->columns.size());
  for (size_t i = old_width; i < row_.size(); ++i) row_[i] = to_->columns[i].default_value;
  out->clear();
  proto::EncodeRow(*to_, row_, out);
  return Status::Ok();
}

}  // namespace deltatunnel::storage
