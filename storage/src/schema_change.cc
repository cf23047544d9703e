#include "schema_change.h"

#include <fmt/format.h>

#include "deltatunnel/proto/row_codec.h"

namespace deltatunnel::storage {
namespace {

using proto::TypeKind;

Result<int> DataColumn(const proto::TableSchema& schema, const std::string& name,
                       std::string_view what) {
  if (schema.FindPartitionColumn(name) >= 0) {
    return InvalidArgument(
        fmt::format("cannot {} partition column '{}': partition columns are fixed", what, name));
  }
  const int i = schema.FindColumn(name);
  if (i < 0)
    return InvalidArgument(fmt::format("cannot {} column '{}': no such column", what, name));
  return i;
}

Status AddColumn(proto::Column column, proto::TableSchema* schema) {
  if (!column.nullable) {
    return InvalidArgument(fmt::format(
        "column '{}' must be nullable: rows written before it was added have no value for it",
        column.name));
  }
  if (!column.default_value.is_null()) {
    if (!column.type.IsScalar()) {
      return InvalidArgument(fmt::format(
          "column '{}': only a column of a scalar type may have a default", column.name));
    }
    Status st = proto::NormalizeValue(column.type, &column.default_value);
    if (!st.ok()) {
      return InvalidArgument(fmt::format("column '{}': default: {}", column.name, st.message()));
    }
  }
  schema->columns.push_back(std::move(column));
  return Status::Ok();
}

}  // namespace

bool IsLosslessWidening(const proto::Type& from, const proto::Type& to) {
  if (from == to) return true;
  if (from.IsInteger() && to.IsInteger()) return from.kind <= to.kind;
  if (from.kind == TypeKind::kFloat) return to.kind == TypeKind::kDouble;
  if (from.kind == TypeKind::kDecimal && to.kind == TypeKind::kDecimal) {
    return from.scale == to.scale && to.precision >= from.precision;
  }
  if (from.kind == TypeKind::kVarchar) {
    return to.kind == TypeKind::kString ||
           (to.kind == TypeKind::kVarchar && to.length >= from.length);
  }
  return false;
}

Result<proto::TableSchema> ApplySchemaChange(const proto::TableSchema& current,
                                             const SchemaChange& change) {
  if (change.add_columns.empty() && change.renames.empty() && change.widenings.empty()) {
    return InvalidArgument("no schema change given");
  }
  proto::TableSchema next = current;
  for (const proto::Column& c : change.add_columns) DT_RETURN_IF_ERROR(AddColumn(c, &next));
  for (const SchemaChange::Rename& r : change.renames) {
    DT_ASSIGN_OR_RETURN(int i, DataColumn(next, r.from, "rename"));
    next.columns[static_cast<size_t>(i)].name = r.to;
  }
  for (const SchemaChange::Widen& w : change.widenings) {
    DT_ASSIGN_OR_RETURN(int i, DataColumn(next, w.column, "change the type of"));
    proto::Column& c = next.columns[static_cast<size_t>(i)];
    if (c.type == w.type) continue;
    if (next.IsKeyColumn(i)) {
      return InvalidArgument(fmt::format(
          "cannot change the type of primary key column '{}': keys and buckets are computed "
          "from it",
          c.name));
    }
    if (!IsLosslessWidening(c.type, w.type)) {
      return InvalidArgument(fmt::format(
          "cannot change column '{}' from {} to {}: stored values could not all be read as the "
          "new type; only widenings are allowed (TINYINT to SMALLINT to INT to BIGINT, FLOAT to "
          "DOUBLE, DECIMAL precision up at the same scale, VARCHAR length up or to STRING)",
          c.name, c.type.ToString(), w.type.ToString()));
    }
    c.type = w.type;
  }
  // Names (valid, unique across data and partition columns) and the column count, as at creation.
  DT_RETURN_IF_ERROR(next.Validate());
  // A rename to the same spelling, a type to itself: nothing to do (the caller makes no version).
  return next;
}

}  // namespace deltatunnel::storage
