#include "schema_history.h"

#include <algorithm>

#include "deltatunnel/proto/row_codec.h"

namespace deltatunnel::storage {
namespace {

// A default is kept as the row encoding of that one column.
proto::TableSchema OneColumn(const proto::Column& c) {
  proto::TableSchema s;
  s.columns.push_back({c.name, c.type, true, ""});
  return s;
}

Result<proto::TableSchema> SchemaOf(
    const messages::TableRecord& rec,
    const google::protobuf::RepeatedPtrField<messages::ColumnRecord>& columns) {
  proto::TableSchema schema;
  for (const auto& c : columns) {
    DT_ASSIGN_OR_RETURN(proto::Column col, ColumnFromRecord(c));
    schema.columns.push_back(std::move(col));
  }
  for (const auto& c : rec.partition_columns()) {
    DT_ASSIGN_OR_RETURN(proto::Column col, ColumnFromRecord(c));
    schema.partition_columns.push_back(std::move(col));
  }
  schema.primary_key.assign(rec.primary_key().begin(), rec.primary_key().end());
  return schema;
}

}  // namespace

const SchemaVersion& SchemaHistory::At(uint64_t version) const {
  auto it = std::upper_bound(versions_.begin(), versions_.end(), version,
                             [](uint64_t v, const SchemaVersion& s) { return v < s.version; });
  return it == versions_.begin() ? versions_.front() : *(it - 1);
}

std::shared_ptr<const proto::TableSchema> SchemaHistory::ById(uint32_t id) const {
  for (const SchemaVersion& s : versions_) {
    if (s.id == id) return s.schema;
  }
  return nullptr;
}

SchemaHistoryPtr SchemaHistory::With(proto::TableSchema next, uint64_t version) const {
  std::vector<SchemaVersion> versions = versions_;
  versions.push_back(
      {Current().id + 1, version, std::make_shared<const proto::TableSchema>(std::move(next))});
  return std::make_shared<const SchemaHistory>(std::move(versions));
}

Result<std::unique_ptr<RowUpgrade>> SchemaHistory::Upgrade(uint32_t from,
                                                           const SchemaVersion& to) const {
  if (from == to.id) return std::unique_ptr<RowUpgrade>();
  std::shared_ptr<const proto::TableSchema> schema = ById(from);
  if (schema == nullptr || from > to.id) {
    return Corruption("a run is encoded in schema " + std::to_string(from) +
                      ", which the table does not have before schema " + std::to_string(to.id));
  }
  return std::make_unique<RowUpgrade>(*schema, *to.schema);
}

Result<proto::Column> ColumnFromRecord(const messages::ColumnRecord& r) {
  DT_ASSIGN_OR_RETURN(proto::Type type, proto::Type::Parse(r.type()));
  proto::Column c;
  c.name = r.name();
  c.type = std::move(type);
  c.nullable = r.nullable();
  c.comment = r.comment();
  if (!r.default_value().empty()) {
    proto::Row row;
    DT_RETURN_IF_ERROR(proto::DecodeRow(OneColumn(c), r.default_value(), &row));
    c.default_value = std::move(row[0]);
  }
  return c;
}

void ColumnToRecord(const proto::Column& c, messages::ColumnRecord* out) {
  out->set_name(c.name);
  out->set_type(c.type.ToString());
  out->set_nullable(c.nullable);
  out->set_comment(c.comment);
  if (!c.default_value.is_null()) {
    std::string bytes;
    proto::EncodeRow(OneColumn(c), proto::Row{c.default_value}, &bytes);
    out->set_default_value(std::move(bytes));
  }
}

Result<SchemaHistoryPtr> SchemaHistoryFromRecord(const messages::TableRecord& rec) {
  std::vector<SchemaVersion> versions;
  for (const messages::SchemaRecord& past : rec.past_schemas()) {
    DT_ASSIGN_OR_RETURN(proto::TableSchema schema, SchemaOf(rec, past.columns()));
    versions.push_back(
        {past.id(), past.version(), std::make_shared<const proto::TableSchema>(std::move(schema))});
  }
  DT_ASSIGN_OR_RETURN(proto::TableSchema current, SchemaOf(rec, rec.columns()));
  versions.push_back({rec.schema_id(), rec.schema_version(),
                      std::make_shared<const proto::TableSchema>(std::move(current))});
  return std::make_shared<const SchemaHistory>(std::move(versions));
}

void SetSchemaInRecord(const proto::TableSchema& next, uint64_t version,
                       messages::TableRecord* rec) {
  messages::SchemaRecord* past = rec->add_past_schemas();
  past->set_id(rec->schema_id());
  past->set_version(rec->schema_version());
  *past->mutable_columns() = rec->columns();
  rec->clear_columns();
  for (const proto::Column& c : next.columns) ColumnToRecord(c, rec->add_columns());
  rec->set_schema_id(rec->schema_id() + 1);
  rec->set_schema_version(version);
}

}  // namespace deltatunnel::storage
