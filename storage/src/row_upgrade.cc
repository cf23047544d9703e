#include "row_upgrade.h"

#include "deltatunnel/proto/row_codec.h"

namespace deltatunnel::storage {

RowUpgrade::RowUpgrade(const proto::TableSchema& from, const proto::TableSchema& to)
    : from_(&from), to_(&to) {
  const size_t n = from.columns.size();
  for (size_t i = 0; i < n && i < to.columns.size(); ++i) {
    if (from.columns[i].type.kind == proto::TypeKind::kFloat &&
        to.columns[i].type.kind == proto::TypeKind::kDouble) {
      bytes_kept_ = false;
    }
  }
  added_bits_.assign((to.columns.size() + 7) / 8, '\0');
  for (size_t i = n; i < to.columns.size(); ++i) {
    const proto::Column& c = to.columns[i];
    if (c.default_value.is_null()) {
      added_bits_[i / 8] = static_cast<char>(added_bits_[i / 8] | (1u << (i % 8)));
      continue;
    }
    // A one-column row is its bitmap byte and the value's encoding.
    proto::TableSchema one;
    one.columns.push_back({c.name, c.type, true, ""});
    std::string encoded;
    proto::EncodeRow(one, proto::Row{c.default_value}, &encoded);
    defaults_.append(encoded, 1);
  }
}

Status RowUpgrade::Apply(std::string_view in, std::string* out) {
  if (!bytes_kept_) return Decoded(in, out);
  const size_t old_bitmap = (from_->columns.size() + 7) / 8;
  if (in.size() < old_bitmap) return Internal("a stored row is shorter than its null bitmap");
  out->assign(added_bits_);
  for (size_t b = 0; b < old_bitmap; ++b) (*out)[b] = static_cast<char>((*out)[b] | in[b]);
  out->append(in.substr(old_bitmap));
  out->append(defaults_);
  return Status::Ok();
}

Status RowUpgrade::Decoded(std::string_view in, std::string* out) {
  DT_RETURN_IF_ERROR(proto::DecodeRow(*from_, in, &row_));
  for (size_t i = 0; i < row_.size(); ++i) {
    proto::Value& v = row_[i];
    if (!v.is_null() && from_->columns[i].type.kind == proto::TypeKind::kFloat &&
        to_->columns[i].type.kind == proto::TypeKind::kDouble) {
      v = static_cast<double>(v.as_float());
    }
  }
  row_.resize(to_->columns.size());
  for (size_t i = from_->columns.size(); i < row_.size(); ++i) {
    row_[i] = to_->columns[i].default_value;
  }
  out->clear();
  proto::EncodeRow(*to_, row_, out);
  return Status::Ok();
}

}  // namespace deltatunnel::storage
