// The table's schema as the server describes it, in two shapes: a session JSON (wire-format.md
// section 2) and a table description (api.md section 2).
#include "deltatunnel/client/upsert_session.h"
#include "deltatunnel/proto/type.h"

namespace deltatunnel::client {
namespace {

Result<proto::Column> ColumnFromJson(const nlohmann::json& c, bool default_nullable) {
  if (!c.is_object() || !c.contains("name") || !c.contains("type")) {
    return InvalidArgument("a column without name or type: " + c.dump());
  }
  proto::Column col;
  col.name = c["name"].get<std::string>();
  DT_ASSIGN_OR_RETURN(col.type, proto::Type::Parse(c["type"].get<std::string>()));
  col.nullable = c.value("nullable", default_nullable);
  col.comment = c.value("comment", "");
  return col;
}

Result<proto::TableSchema> Build(const nlohmann::json& columns, const nlohmann::json& keys,
                                 const nlohmann::json& partitions, bool key_by_object) {
  proto::TableSchema schema;
  if (!columns.is_array()) return InvalidArgument("the schema has no columns");
  for (const auto& c : columns) {
    DT_ASSIGN_OR_RETURN(proto::Column col, ColumnFromJson(c, true));
    schema.columns.push_back(std::move(col));
  }
  if (keys.is_array()) {
    for (const auto& k : keys) {
      const std::string name =
          key_by_object && k.is_object() ? k.value("name", "") : k.get<std::string>();
      const int index = schema.FindColumn(name);
      if (index < 0) return InvalidArgument("key column '" + name + "' is not a column");
      schema.primary_key.push_back(index);
      // A key column is NOT NULL whatever the description left out.
      schema.columns[static_cast<size_t>(index)].nullable = false;
    }
  }
  if (partitions.is_array()) {
    for (const auto& c : partitions) {
      DT_ASSIGN_OR_RETURN(proto::Column col, ColumnFromJson(c, false));
      schema.partition_columns.push_back(std::move(col));
    }
  }
  return schema;
}

}  // namespace

Result<proto::TableSchema> SchemaFromSessionJson(const nlohmann::json& session) {
  if (!session.contains("schema")) return InvalidArgument("the session JSON has no schema");
  const auto& s = session["schema"];
  return Build(s.value("columns", nlohmann::json()), session.value("hash_key", nlohmann::json()),
               s.value("partitionKeys", nlohmann::json()), false);
}

Result<proto::TableSchema> SchemaFromTableJson(const nlohmann::json& table) {
  return Build(table.value("columns", nlohmann::json()),
               table.value("primary_key", nlohmann::json()),
               table.value("partition_columns", nlohmann::json()), false);
}

}  // namespace deltatunnel::client
