#include "odps/table_xml.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "deltatunnel/proto/partition_spec.h"
#include "odps/xml.h"

namespace deltatunnel::server::odps {
namespace {

nlohmann::json ColumnJson(const proto::Column& c, bool with_nullable) {
  nlohmann::json j = {{"name", c.name}, {"type", c.type.ToString()}, {"comment", c.comment}};
  if (with_nullable) j["isNullable"] = c.nullable;
  return j;
}

std::string Dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// A stable id for the table's lifetime (a re-created table gets another).
std::string TableId(const storage::TableInfo& info) {
  const size_t h = std::hash<std::string>{}(
      fmt::format("{}/{}/{}", info.project, info.name, info.created_at_ms));
  return fmt::format("{:016x}", h);
}

int64_t Seconds(int64_t ms) { return ms / 1000; }

// The partition's values in schema order, from its canonical spec.
std::vector<std::pair<std::string, std::string>> PartitionColumns(const storage::TableInfo& table,
                                                                  const std::string& canonical) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t i = 0;
  for (const proto::Column& c : table.schema.partition_columns) {
    // The canonical spec is "c1=v1,c2=v2" in schema order, and values hold neither ',' nor '='
    // (proto::ParsePartitionSpec refuses them).
    size_t eq = canonical.find('=', i);
    size_t comma = canonical.find(',', eq == std::string::npos ? i : eq);
    if (eq == std::string::npos) break;
    out.emplace_back(c.name, canonical.substr(eq + 1, comma == std::string::npos ? std::string::npos
                                                                                 : comma - eq - 1));
    if (comma == std::string::npos) break;
    i = comma + 1;
  }
  return out;
}

std::string PartitionBody(const storage::TableInfo& table, const storage::PartitionInfo& part,
                          int64_t modified_ms, bool with_schema) {
  std::string out;
  for (const auto& [name, value] : PartitionColumns(table, part.partition)) {
    out += fmt::format("<Column Name=\"{}\" Value=\"{}\"/>", XmlEscape(name), XmlEscape(value));
  }
  // deltatunnel keeps no creation time per partition: its last commit is the best it has.
  const int64_t secs = Seconds(modified_ms);
  if (with_schema) {
    nlohmann::json meta = {{"createTime", secs},
                           {"lastDDLTime", secs},
                           {"lastModifiedTime", secs},
                           {"partitionSize", part.bytes},
                           {"partitionRecordNum", part.rows}};
    out += "<Schema>" + XmlCData(Dump(meta)) + "</Schema>";
  } else {
    out += fmt::format(
        "<CreationTime>{0}</CreationTime><LastDDLTime>{0}</LastDDLTime>"
        "<LastModifiedTime>{0}</LastModifiedTime>",
        secs);
  }
  return out;
}

}  // namespace

std::string TableSchemaJson(const storage::TableInfo& info, int64_t last_modified_ms) {
  nlohmann::json columns = nlohmann::json::array();
  for (const proto::Column& c : info.schema.columns) columns.push_back(ColumnJson(c, true));
  nlohmann::json partition_keys = nlohmann::json::array();
  for (const proto::Column& c : info.schema.partition_columns) {
    partition_keys.push_back(ColumnJson(c, false));
  }
  nlohmann::json primary_key = nlohmann::json::array();
  for (int i : info.schema.primary_key) primary_key.push_back(info.schema.columns[i].name);
  nlohmann::json reserved = {{"Transactional", "true"},
                             {"PrimaryKey", primary_key},
                             {"acid.data.retain.hours", std::to_string(info.retain_hours)}};
  nlohmann::json properties = nlohmann::json::object();
  for (const auto& [k, v] : info.properties) properties[k] = v;
  int64_t lifecycle = -1;
  if (auto it = info.properties.find("lifecycle"); it != info.properties.end()) {
    lifecycle = std::strtoll(it->second.c_str(), nullptr, 10);
  }
  std::string comment;
  if (auto it = info.properties.find("comment"); it != info.properties.end()) comment = it->second;
  nlohmann::json schema = {{"tableName", info.name},
                           {"owner", kOwner},
                           {"comment", comment},
                           {"createTime", Seconds(info.created_at_ms)},
                           {"lastDDLTime", Seconds(info.created_at_ms)},
                           {"lastModifiedTime", Seconds(last_modified_ms)},
                           {"lifecycle", lifecycle},
                           {"isVirtualView", false},
                           {"isExternal", false},
                           {"size", info.bytes},
                           {"recordNum", info.rows},
                           {"columns", std::move(columns)},
                           {"partitionKeys", std::move(partition_keys)},
                           // JSON-encoded strings, not objects: Table.java reads getAsString().
                           {"Reserved", Dump(reserved)},
                           {"tableProperties", Dump(properties)}};
  return Dump(schema);
}

std::string TableXml(const storage::TableInfo& info, int64_t last_modified_ms) {
  return fmt::format(
      "<Table><Name>{}</Name><TableId>{}</TableId><Owner>{}</Owner><Project>{}</Project>"
      "<Type>MANAGED_TABLE</Type><Schema>{}</Schema></Table>",
      XmlEscape(info.name), TableId(info), XmlEscape(kOwner), XmlEscape(info.project),
      XmlCData(TableSchemaJson(info, last_modified_ms)));
}

std::string PartitionXml(const storage::TableInfo& table, const storage::PartitionInfo& part,
                         int64_t modified_ms) {
  return "<Partition>" + PartitionBody(table, part, modified_ms, true) + "</Partition>";
}

std::string PartitionListXml(const storage::TableInfo& table,
                             const std::vector<storage::PartitionInfo>& parts,
                             const std::vector<int64_t>& modified_ms,
                             const std::string& next_marker) {
  std::string out = "<Partitions>";
  for (size_t i = 0; i < parts.size(); ++i) {
    out += "<Partition>" + PartitionBody(table, parts[i], modified_ms[i], false) + "</Partition>";
  }
  out += "<Marker>" + XmlEscape(next_marker) + "</Marker></Partitions>";
  return out;
}

std::string TableListXml(const std::vector<storage::TableInfo>& tables,
                         const std::string& next_marker) {
  std::string out = "<Tables>";
  for (const storage::TableInfo& t : tables) {
    out += fmt::format("<Table><Name>{}</Name><Owner>{}</Owner><Type>MANAGED_TABLE</Type></Table>",
                       XmlEscape(t.name), XmlEscape(kOwner));
  }
  out += "<Marker>" + XmlEscape(next_marker) + "</Marker></Tables>";
  return out;
}

}  // namespace deltatunnel::server::odps
