// Helpers shared by the format_*_test.cc files: a table from a compact column list, and a load
// whose rows are decoded back out of the batch.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "deltatunnel/proto/partition_spec.h"
#include "deltatunnel/proto/row_batch.h"
#include "deltatunnel/proto/row_codec.h"
#include "deltatunnel/proto/schema.h"
#include "deltatunnel/server/format_load.h"

namespace deltatunnel::server::testing {

// Columns as {"name", "TYPE"}; the first `key_columns` are the primary key (NOT NULL).
inline proto::TableSchema MakeSchema(
    const std::vector<std::pair<std::string, std::string>>& columns, size_t key_columns = 1,
    const std::vector<std::pair<std::string, std::string>>& partition_columns = {}) {
  proto::TableSchema s;
  for (const auto& [name, type] : columns) {
    proto::Column c;
    c.name = name;
    c.type = proto::Type::Parse(type).value();
    c.nullable = s.columns.size() >= key_columns;
    s.columns.push_back(std::move(c));
  }
  for (size_t i = 0; i < key_columns; ++i) s.primary_key.push_back(static_cast<int>(i));
  for (const auto& [name, type] : partition_columns) {
    proto::Column c;
    c.name = name;
    c.type = proto::Type::Parse(type).value();
    c.nullable = false;
    s.partition_columns.push_back(std::move(c));
  }
  return s;
}

struct Loaded {
  LoadResult result;
  std::vector<proto::Row> rows;  // decoded, in body order (deletes: key columns only)
  std::vector<proto::RowOp> ops;
  std::vector<std::string> masks;  // update masks, "" for full rows
};

inline Loaded Load(const proto::TableSchema& schema, BodyFormat format, std::string_view body,
                   LoadOptions options = {}, std::string_view partition = "") {
  proto::PartitionSpec spec;
  if (options.partition == nullptr) {
    spec = proto::ParsePartitionSpec(schema, partition).value();
    options.partition = &spec;
  }
  proto::RowBatch batch(schema, proto::Hasher::kDefault, 4);
  Loaded out;
  out.result = ReadBody(format, body, options, &batch);
  for (size_t i = 0; i < batch.size(); ++i) {
    const proto::RowRef ref = batch[i];
    proto::Row row(schema.columns.size());
    if (ref.op == proto::RowOp::kUpsert) {
      Status s = proto::DecodeRow(schema, ref.row, &row);
      if (!s.ok()) row.clear();
    } else {
      Status s = proto::DecodeKey(schema, ref.key, &row);
      if (!s.ok()) row.clear();
    }
    out.rows.push_back(std::move(row));
    out.ops.push_back(ref.op);
    out.masks.emplace_back(ref.update_mask);
  }
  return out;
}

// The first error's reason, or "" if the body was accepted without skipping anything.
inline std::string FirstError(const Loaded& l) {
  if (!l.result.errors.empty()) return l.result.errors.front().reason;
  if (!l.result.skipped.empty()) return l.result.skipped.front().reason;
  return "";
}

}  // namespace deltatunnel::server::testing
