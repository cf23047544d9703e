// Tables in JSON (api.md section 2): the create body in, the description out.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "deltatunnel/proto/status.h"
#include "deltatunnel/storage/types.h"

namespace deltatunnel::server {

// Reads {"name", "columns": [{"name","type","nullable","comment"}], "primary_key": [...],
// "partition_columns": [...], "properties": {...}}. Key columns are NOT NULL ("nullable" absent
// means NOT NULL for them, true is refused). Errors say which field is wrong.
Result<storage::TableDef> ParseTableDef(const std::string& project, const nlohmann::json& body);
// A "properties" object: string values (integers and booleans taken as their text).
Result<std::map<std::string, std::string>> ParseProperties(const nlohmann::json& props);

// A PATCH body's schema change: {"add_columns": [{"name","type","comment","default"}],
// "rename_columns": [{"from","to"}], "change_column_types": [{"name","type"}]}, any of them. A
// default is a JSON value of the column's type (as in rows).
Result<storage::SchemaChange> ParseSchemaChange(const nlohmann::json& body);

nlohmann::json TableInfoJson(const storage::TableInfo& info);
nlohmann::json PartitionInfoJson(const storage::PartitionInfo& info);
nlohmann::json CommitInfoJson(const storage::CommitInfo& info);
nlohmann::json SessionInfoJson(const storage::SessionInfo& info);

}  // namespace deltatunnel::server
