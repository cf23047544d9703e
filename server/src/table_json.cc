#include "table_json.h"

#include <fmt/format.h>

#include "api_util.h"
#include "deltatunnel/proto/schema_limits.h"
#include "deltatunnel/server/format_scalar.h"
#include "deltatunnel/server/format_value_writer.h"

namespace deltatunnel::server {
namespace {

using nlohmann::json;

Result<std::string> StringField(const json& obj, const char* field, const std::string& where) {
  auto it = obj.find(field);
  if (it == obj.end()) return InvalidArgument(fmt::format("{}: '{}' is required", where, field));
  if (!it->is_string())
    return InvalidArgument(fmt::format("{}: '{}' must be a string", where, field));
  return it->get<std::string>();
}

Result<proto::Column> ParseColumn(const json& c, const std::string& where) {
  if (!c.is_object()) return InvalidArgument(where + " must be an object");
  proto::Column col;
  DT_ASSIGN_OR_RETURN(col.name, StringField(c, "name", where));
  DT_ASSIGN_OR_RETURN(std::string type_text, StringField(c, "type", where));
  auto type = proto::Type::Parse(type_text);
  if (!type.ok()) {
    return InvalidArgument(fmt::format("{} '{}': {}", where, col.name, type.status().message()));
  }
  col.type = std::move(type).value();
  if (auto it = c.find("comment"); it != c.end() && it->is_string()) col.comment = *it;
  for (const auto& [key, value] : c.items()) {
    if (key != "name" && key != "type" && key != "nullable" && key != "comment") {
      return InvalidArgument(fmt::format("{} '{}': unknown field '{}'", where, col.name, key));
    }
  }
  return col;
}

}  // namespace

Result<storage::TableDef> ParseTableDef(const std::string& project, const json& body) {
  if (!body.is_object()) return InvalidArgument("the table definition must be a JSON object");
  storage::TableDef def;
  def.project = project;
  DT_ASSIGN_OR_RETURN(def.name, StringField(body, "name", "table"));

  auto cols = body.find("columns");
  if (cols == body.end() || !cols->is_array() || cols->empty()) {
    return InvalidArgument("'columns' must be a non-empty array");
  }
  // Before anything per column: a huge list is refused in constant time.
  if (cols->size() > proto::kMaxColumns) {
    return InvalidArgument(fmt::format("a table has at most {} columns; 'columns' lists {}",
                                       proto::kMaxColumns, cols->size()));
  }
  std::vector<std::optional<bool>> nullable_given;
  for (size_t i = 0; i < cols->size(); ++i) {
    const json& c = (*cols)[i];
    DT_ASSIGN_OR_RETURN(proto::Column col, ParseColumn(c, fmt::format("columns[{}]", i)));
    std::optional<bool> nullable;
    if (auto it = c.find("nullable"); it != c.end()) {
      if (!it->is_boolean()) {
        return InvalidArgument(
            fmt::format("column '{}': 'nullable' must be true or false", col.name));
      }
      nullable = it->get<bool>();
    }
    nullable_given.push_back(nullable);
    col.nullable = nullable.value_or(true);
    def.schema.columns.push_back(std::move(col));
  }

  auto pk = body.find("primary_key");
  if (pk == body.end() || !pk->is_array() || pk->empty()) {
    return InvalidArgument("'primary_key' is required: a non-empty array of column names");
  }
  if (pk->size() > def.schema.columns.size()) {
    return InvalidArgument("'primary_key' lists more names than the table has columns");
  }
  for (const json& name : *pk) {
    if (!name.is_string()) return InvalidArgument("'primary_key' must list column names");
    int idx = def.schema.FindColumn(name.get<std::string>());
    if (idx < 0) {
      return InvalidArgument(
          fmt::format("primary key column '{}' is not a column", name.get<std::string>()));
    }
    if (nullable_given[idx].value_or(false)) {
      return InvalidArgument(
          fmt::format("primary key column '{}' cannot be nullable", def.schema.columns[idx].name));
    }
    def.schema.columns[idx].nullable = false;
    def.schema.primary_key.push_back(idx);
  }

  if (auto pc = body.find("partition_columns"); pc != body.end() && !pc->is_null()) {
    if (!pc->is_array()) return InvalidArgument("'partition_columns' must be an array");
    if (pc->size() > proto::kMaxColumns) {
      return InvalidArgument(
          fmt::format("a table has at most {} columns; 'partition_columns' "
                      "lists {}",
                      proto::kMaxColumns, pc->size()));
    }
    for (size_t i = 0; i < pc->size(); ++i) {
      const json& c = (*pc)[i];
      DT_ASSIGN_OR_RETURN(proto::Column col,
                          ParseColumn(c, fmt::format("partition_columns[{}]", i)));
      col.nullable = false;
      def.schema.partition_columns.push_back(std::move(col));
    }
  }

  if (auto props = body.find("properties"); props != body.end() && !props->is_null()) {
    DT_ASSIGN_OR_RETURN(def.properties, ParseProperties(*props));
  }
  for (const auto& [key, value] : body.items()) {
    if (key != "name" && key != "columns" && key != "primary_key" && key != "partition_columns" &&
        key != "properties") {
      return InvalidArgument(fmt::format("unknown field '{}' in the table definition", key));
    }
  }
  DT_RETURN_IF_ERROR(def.schema.Validate());
  return def;
}

Result<std::map<std::string, std::string>> ParseProperties(const json& props) {
  if (!props.is_object()) return InvalidArgument("'properties' must be an object of strings");
  std::map<std::string, std::string> out;
  for (const auto& [key, value] : props.items()) {
    if (value.is_string()) {
      out[key] = value.get<std::string>();
    } else if (value.is_number_integer() || value.is_boolean()) {
      out[key] = value.dump();
    } else {
      return InvalidArgument(fmt::format("property '{}' must be a string", key));
    }
  }
  return out;
}

namespace {

// A default as a JSON value of its column's type (as rows are written out).
json DefaultJson(const proto::Column& c) {
  std::string text;
  AppendJsonValue(c.type, c.default_value, TimeZone(), &text);
  return json::parse(text);
}

// The value a JSON body gives for a column of `type`: a string's content or a number's text.
Result<proto::Value> ParseDefault(const proto::Type& type, const json& v, const std::string& name) {
  proto::Value out;
  if (!type.IsScalar()) {
    return InvalidArgument(
        fmt::format("column '{}': only a scalar column may have a default", name));
  }
  Status st;
  if (v.is_string()) {
    st = ParseScalarText(type, v.get_ref<const std::string&>(), TextSource::kJsonString, TimeZone(),
                         &out);
  } else if (v.is_number() || v.is_boolean()) {
    st = ParseScalarText(type, v.dump(), TextSource::kJsonNumber, TimeZone(), &out);
  } else {
    return InvalidArgument(
        fmt::format("column '{}': 'default' must be a string, a number or a boolean", name));
  }
  if (!st.ok()) return InvalidArgument(fmt::format("column '{}': default: {}", name, st.message()));
  return out;
}

}  // namespace

Result<storage::SchemaChange> ParseSchemaChange(const json& body) {
  storage::SchemaChange change;
  auto array = [&](const char* key) -> Result<const json*> {
    auto it = body.find(key);
    if (it == body.end()) return nullptr;
    if (!it->is_array()) return InvalidArgument(fmt::format("'{}' must be an array", key));
    return &*it;
  };
  DT_ASSIGN_OR_RETURN(const json* add, array("add_columns"));
  DT_ASSIGN_OR_RETURN(const json* rename, array("rename_columns"));
  DT_ASSIGN_OR_RETURN(const json* widen, array("change_column_types"));
  for (size_t i = 0; add && i < add->size(); ++i) {
    const json& c = (*add)[i];
    json plain = c;
    if (plain.is_object()) plain.erase("default");
    DT_ASSIGN_OR_RETURN(proto::Column col, ParseColumn(plain, fmt::format("add_columns[{}]", i)));
    col.nullable = true;
    if (auto it = c.find("nullable"); it != c.end() && *it != json(true)) {
      return InvalidArgument(fmt::format(
          "column '{}': an added column is nullable: rows written before it have no value for it",
          col.name));
    }
    if (auto it = c.find("default"); it != c.end() && !it->is_null()) {
      DT_ASSIGN_OR_RETURN(col.default_value, ParseDefault(col.type, *it, col.name));
    }
    change.add_columns.push_back(std::move(col));
  }
  for (size_t i = 0; rename && i < rename->size(); ++i) {
    const std::string where = fmt::format("rename_columns[{}]", i);
    const json& r = (*rename)[i];
    if (!r.is_object() || r.size() != 2) {
      return InvalidArgument(where + " must be {\"from\": \"old\", \"to\": \"new\"}");
    }
    storage::SchemaChange::Rename one;
    DT_ASSIGN_OR_RETURN(one.from, StringField(r, "from", where));
    DT_ASSIGN_OR_RETURN(one.to, StringField(r, "to", where));
    change.renames.push_back(std::move(one));
  }
  for (size_t i = 0; widen && i < widen->size(); ++i) {
    const std::string where = fmt::format("change_column_types[{}]", i);
    const json& w = (*widen)[i];
    if (!w.is_object() || w.size() != 2) {
      return InvalidArgument(where + " must be {\"name\": \"column\", \"type\": \"BIGINT\"}");
    }
    storage::SchemaChange::Widen one;
    DT_ASSIGN_OR_RETURN(one.column, StringField(w, "name", where));
    DT_ASSIGN_OR_RETURN(std::string type_text, StringField(w, "type", where));
    auto type = proto::Type::Parse(type_text);
    if (!type.ok()) {
      return InvalidArgument(
          fmt::format("{} '{}': {}", where, one.column, type.status().message()));
    }
    one.type = std::move(type).value();
    change.widenings.push_back(std::move(one));
  }
  return change;
}

json TableInfoJson(const storage::TableInfo& info) {
  json columns = json::array();
  for (const auto& c : info.schema.columns) {
    json col = {{"name", c.name},
                {"type", c.type.ToString()},
                {"nullable", c.nullable},
                {"comment", c.comment}};
    if (!c.default_value.is_null()) col["default"] = DefaultJson(c);
    columns.push_back(std::move(col));
  }
  json pk = json::array();
  for (int k : info.schema.primary_key) pk.push_back(info.schema.columns[k].name);
  json partition_columns = json::array();
  for (const auto& c : info.schema.partition_columns) {
    partition_columns.push_back({{"name", c.name}, {"type", c.type.ToString()}});
  }
  return {{"project", info.project},
          {"name", info.name},
          {"columns", std::move(columns)},
          {"primary_key", std::move(pk)},
          {"partition_columns", std::move(partition_columns)},
          {"properties", info.properties},
          {"version", info.version},
          {"schema_version", info.schema_id},
          {"created_at", FormatRfc3339Millis(info.created_at_ms)},
          {"partitions", info.partitions},
          {"rows", info.rows},
          {"bytes", info.bytes},
          {"commits_since_major", info.commits_since_major}};
}

json PartitionInfoJson(const storage::PartitionInfo& info) {
  return {{"partition", info.partition},
          {"rows", info.rows},
          {"bytes", info.bytes},
          {"version", info.version},
          {"committed_at", FormatRfc3339Millis(info.committed_at_ms)},
          {"commits_since_major", info.commits_since_major}};
}

json CommitInfoJson(const storage::CommitInfo& info) {
  return {{"version", info.version},
          {"committed_at", FormatRfc3339Millis(info.committed_at_ms)},
          {"partition", info.partition},
          {"session", info.session},
          {"rows", info.rows},
          {"upserts", info.upserts},
          {"deletes", info.deletes},
          {"operation", std::string(storage::CommitOperationName(info.operation))}};
}

json SessionInfoJson(const storage::SessionInfo& info) {
  return {{"id", info.id},
          {"project", info.project},
          {"table", info.table},
          {"partition", info.partition},
          {"status", std::string(storage::SessionStatusName(info.status))},
          {"quota_name", info.quota_name},
          {"created_at", FormatRfc3339Millis(info.created_at_ms)},
          {"expires_at", FormatRfc3339Millis(info.expires_at_ms)},
          {"commit_version", info.commit_version},
          {"rows", info.rows},
          {"upserts", info.upserts},
          {"deletes", info.deletes},
          {"bytes", info.bytes},
          {"buckets_written", info.buckets_written}};
}

}  // namespace deltatunnel::server
