// RowAssembler (format/row_assembler.h).
#include "format/row_assembler.h"

#include <simdjson.h>

#include <algorithm>

#include "deltatunnel/proto/row_codec.h"

namespace deltatunnel::server {
namespace {

const TimeZone kUtc;

constexpr std::string_view kOpKey = "__op";

// proto::NormalizeRow names the column as "column 'amount': reason"; split it so the error's
// column is a field of its own.
void SplitColumn(const std::string& message, std::string* column, std::string* reason) {
  constexpr std::string_view kPrefix = "column '";
  const std::string_view m(message);
  const size_t end = m.find("': ");
  if (m.substr(0, kPrefix.size()) == kPrefix && end != std::string_view::npos) {
    *column = std::string(m.substr(kPrefix.size(), end - kPrefix.size()));
    *reason = std::string(m.substr(end + 3));
    return;
  }
  column->clear();
  *reason = message;
}

}  // namespace

RowAssembler::RowAssembler(const LoadOptions& options, proto::RowBatch* batch)
    : options_(options),
      schema_(&batch->schema()),
      zone_(options.time_zone != nullptr ? options.time_zone : &kUtc),
      batch_(batch),
      listed_bound_(std::max(options.max_listed_errors, options.max_listed_skipped)) {
  const size_t partitions = schema_->partition_columns.size();
  partition_values_.resize(partitions);
  given_.resize(schema_->columns.size() + partitions + 1);
  if (options.partition == nullptr || options.partition->values.size() != partitions) {
    std::string names;
    for (const auto& c : schema_->partition_columns) names += (names.empty() ? "" : ",") + c.name;
    RejectBody(0, "",
               partitions == 0
                   ? "the table is not partitioned: the request names no partition"
                   : "the table is partitioned by " + names + ": name the partition (?partition=" +
                         schema_->partition_columns[0].name + "=...)");
  }
}

RowAssembler::Slot RowAssembler::Resolve(size_t position, std::string_view name) {
  if (position < key_cache_.size() && key_cache_[position].name == name) {
    return key_cache_[position].slot;
  }
  Slot slot;
  if (int i = schema_->FindColumn(name); i >= 0) {
    slot = {Slot::Kind::kData, i};
  } else if (int j = schema_->FindPartitionColumn(name); j >= 0) {
    slot = {Slot::Kind::kPartition, j};
  } else if (proto::NamesEqual(name, kOpKey)) {
    slot = {Slot::Kind::kOp, -1};
  }
  if (position < 256) {  // a bound on what a hostile body can make us keep
    if (position >= key_cache_.size()) key_cache_.resize(position + 1);
    key_cache_[position] = {std::string(name), slot};
  }
  return slot;
}

const proto::Type& RowAssembler::TypeOf(Slot slot) const {
  return slot.kind == Slot::Kind::kData ? schema_->columns[slot.index].type
                                        : schema_->partition_columns[slot.index].type;
}

std::string_view RowAssembler::NameOf(Slot slot) const {
  switch (slot.kind) {
    case Slot::Kind::kData:
      return schema_->columns[slot.index].name;
    case Slot::Kind::kPartition:
      return schema_->partition_columns[slot.index].name;
    case Slot::Kind::kOp:
      return kOpKey;
    case Slot::Kind::kUnknown:
      break;
  }
  return "";
}

void RowAssembler::BeginRow(uint64_t line, std::string_view text) {
  line_ = line;
  row_text_ = text;
  row_.assign(schema_->columns.size(), proto::Value());
  std::fill(given_.begin(), given_.end(), 0);
  op_ = proto::RowOp::kUpsert;
  row_rejected_ = false;
}

bool RowAssembler::Claim(Slot slot, std::string_view key) {
  size_t i = given_.size() - 1;  // __op
  switch (slot.kind) {
    case Slot::Kind::kUnknown:
      RejectRow(key, "unknown column '" + std::string(key) + "'");
      return false;
    case Slot::Kind::kData:
      i = static_cast<size_t>(slot.index);
      break;
    case Slot::Kind::kPartition:
      i = schema_->columns.size() + static_cast<size_t>(slot.index);
      partition_values_[slot.index] = proto::Value();
      break;
    case Slot::Kind::kOp:
      break;
  }
  if (given_[i]) {
    RejectRow(NameOf(slot), "'" + std::string(key) + "' is given twice");
    return false;
  }
  given_[i] = 1;
  return true;
}

proto::Value* RowAssembler::ValueOf(Slot slot) {
  return slot.kind == Slot::Kind::kData ? &row_[slot.index] : &partition_values_[slot.index];
}

bool RowAssembler::SetOp(std::string_view op) {
  if (proto::NamesEqual(op, "upsert")) {
    op_ = proto::RowOp::kUpsert;
  } else if (proto::NamesEqual(op, "delete")) {
    op_ = proto::RowOp::kDelete;
  } else {
    RejectRow(kOpKey, "'" + std::string(op) + "' is not \"upsert\" or \"delete\"");
    return false;
  }
  return true;
}

void RowAssembler::FinishRow() {
  if (row_rejected_) return;
  const size_t data = schema_->columns.size();
  for (size_t j = 0; j < partition_values_.size(); ++j) {
    if (!given_[data + j]) continue;
    const proto::Column& c = schema_->partition_columns[j];
    proto::Value& v = partition_values_[j];
    const bool normal = !v.is_null() && proto::NormalizeValue(c.type, &v).ok();
    if (!normal || !(v == options_.partition->values[j])) {
      RejectRow(c.name, "the row's partition value differs from the request's partition " +
                            options_.partition->canonical);
      return;
    }
  }
  const std::vector<int>* update_columns = nullptr;
  if (op_ == proto::RowOp::kDelete) {
    for (size_t i = 0; i < data; ++i) {
      if (!schema_->IsKeyColumn(static_cast<int>(i))) row_[i] = proto::Value();
    }
  } else if (options_.partial_update) {
    update_columns_.clear();
    for (size_t i = 0; i < data; ++i) {
      if (given_[i]) update_columns_.push_back(static_cast<int>(i));
    }
    update_columns = &update_columns_;
  }
  Status s = batch_->Add(std::move(row_), op_, update_columns);
  if (!s.ok()) {
    std::string column, reason;
    SplitColumn(s.message(), &column, &reason);
    RejectRow(column, std::move(reason));
  }
}

void RowAssembler::RejectRow(std::string_view column, std::string reason) {
  if (row_rejected_) return;
  row_rejected_ = true;
  ++bad_rows_;
  if (options_.keep_rejected && !body_rejected_) {
    rejected_.push_back({line_, std::string(column), reason, std::string(row_text_)});
  }
  AddBadRow(line_, column, std::move(reason));
}

void RowAssembler::RejectBody(uint64_t line, std::string_view column, std::string reason) {
  body_rejected_ = true;
  if (row_rejected_ && line == line_) return;  // the row's own error already says what went wrong
  ++bad_rows_;
  AddBadRow(line, column, std::move(reason));
}

void RowAssembler::AddBadRow(uint64_t line, std::string_view column, std::string reason) {
  if (bad_.size() >= listed_bound_) return;
  // Messages quote the body's text, which may be cut inside a character or not be UTF-8 at all;
  // the answer is JSON, so such bytes become '?'.
  auto sanitize = [](std::string* s) {
    if (simdjson::validate_utf8(s->data(), s->size())) return;
    for (char& c : *s) {
      if (static_cast<unsigned char>(c) >= 0x80) c = '?';
    }
  };
  RowError e{line, std::string(column), std::move(reason)};
  sanitize(&e.column);
  sanitize(&e.reason);
  bad_.push_back(std::move(e));
}

bool RowAssembler::done() const {
  if (body_rejected_) return true;
  return bad_rows_ > options_.max_bad_rows && bad_.size() >= options_.max_listed_errors;
}

LoadResult RowAssembler::Finish() {
  LoadResult r;
  r.bad_rows = bad_rows_;
  if (body_rejected_ || bad_rows_ > options_.max_bad_rows) {
    r.refused = true;
    bad_.resize(std::min(bad_.size(), options_.max_listed_errors));
    r.errors = std::move(bad_);
    batch_->Clear();
    return r;
  }
  bad_.resize(std::min(bad_.size(), options_.max_listed_skipped));
  r.skipped = std::move(bad_);
  r.rejected = std::move(rejected_);
  r.rows = batch_->size();
  r.upserts = batch_->upserts();
  r.deletes = batch_->deletes();
  r.bytes = batch_->bytes();
  return r;
}

}  // namespace deltatunnel::server
