#include "tunnel/session_json.h"

#include <algorithm>

namespace deltatunnel::server {

nlohmann::json SessionJson(const storage::TableInfo& table, const storage::SessionInfo& session,
                           const std::string& worker_addr) {
  using nlohmann::json;
  json columns = json::array();
  for (size_t i = 0; i < table.schema.columns.size(); ++i) {
    const auto& c = table.schema.columns[i];
    columns.push_back({{"name", c.name},
                       {"type", c.type.ToString()},
                       {"comment", c.comment},
                       {"nullable", c.nullable},
                       {"column_id", std::to_string(i + 1)}});
  }
  json partition_keys = json::array();
  for (const auto& c : table.schema.partition_columns) {
    partition_keys.push_back({{"name", c.name}, {"type", c.type.ToString()}});
  }
  json hash_key = json::array();
  for (int k : table.schema.primary_key) hash_key.push_back(table.schema.columns[k].name);

  const uint32_t slot_count = std::max<uint32_t>(1, std::min(session.slot_num, table.bucket_num));
  json slots = json::array();
  for (uint32_t s = 0; s < slot_count; ++s) {
    json buckets = json::array();
    for (uint32_t b = s; b < table.bucket_num; b += slot_count) buckets.push_back(b);
    slots.push_back({{"slot_id", std::to_string(s)},
                     {"buckets", std::move(buckets)},
                     {"worker_addr", worker_addr}});
  }

  return {
      {"id", session.id},
      {"status", std::string(storage::SessionStatusName(session.status))},
      {"schema", {{"columns", std::move(columns)}, {"partitionKeys", std::move(partition_keys)}}},
      {"hash_key", std::move(hash_key)},
      {"hasher", std::string(proto::HasherName(table.hasher))},
      {"slots", std::move(slots)},
      {"quota_name", session.quota_name},
      {"enable_partial_update", table.partial_update},
      {"partition", session.partition},
      {"rows", session.rows},
      {"commit_version", session.commit_version}};
}

}  // namespace deltatunnel::server
