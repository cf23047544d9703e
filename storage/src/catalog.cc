// Table properties and their ranges (api.md section 2): write.bucket.num 16 (1..4096),
// acid.data.retain.hours 24 (0..168), compaction.major.commit-threshold (server default,
// 1..100000), compaction.major.auto "true" (false: compaction only on request, or at the server's
// max_pending_deltas), acid.partial.fields.update.enable "false", transactional "true", lifecycle
// (days, 1..37231, MaxCompute's bound; none by default). Property names are
// matched as given (they are lower-case in the API); unknown keys are kept.
#include "catalog.h"

#include "schema_history.h"

#include <fmt/format.h>
#include <charconv>

namespace deltatunnel::storage {
namespace {

constexpr const char* kBucketNum = "write.bucket.num";
constexpr const char* kRetainHours = "acid.data.retain.hours";
constexpr const char* kCommitThreshold = "compaction.major.commit-threshold";
constexpr const char* kPartialUpdate = "acid.partial.fields.update.enable";
constexpr const char* kTransactional = "transactional";
constexpr const char* kLifecycle = "lifecycle";
constexpr const char* kAutoCompaction = "compaction.major.auto";
constexpr uint32_t kMaxLifecycleDays = 37231;

// `props`: a TableDef's std::map or a TableRecord's protobuf map.
template <typename Map>
Result<uint32_t> ParseRanged(const Map& props, const char* name, uint32_t def, uint32_t lo,
                             uint32_t hi) {
  auto it = props.find(name);
  if (it == props.end()) return def;
  const std::string& s = it->second;
  uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size() || v < lo || v > hi) {
    return InvalidArgument(
        fmt::format("property '{}': '{}' is not an integer from {} to {}", name, s, lo, hi));
  }
  return static_cast<uint32_t>(v);
}

Result<bool> ParseBool(const std::map<std::string, std::string>& props, const char* name,
                       bool def) {
  auto it = props.find(name);
  if (it == props.end()) return def;
  if (it->second == "true") return true;
  if (it->second == "false") return false;
  return InvalidArgument(fmt::format("property '{}': '{}' is not true or false", name, it->second));
}

}  // namespace

Result<messages::TableRecord> BuildTableRecord(const TableDef& def, uint32_t default_threshold) {
  if (!proto::IsValidName(def.project)) {
    return InvalidArgument(fmt::format("project name '{}' is not valid", def.project));
  }
  if (!proto::IsValidName(def.name)) {
    return InvalidArgument(fmt::format("table name '{}' is not valid", def.name));
  }
  DT_RETURN_IF_ERROR(def.schema.Validate());
  DT_ASSIGN_OR_RETURN(uint32_t buckets, ParseRanged(def.properties, kBucketNum, 16, 1, 4096));
  DT_ASSIGN_OR_RETURN(uint32_t retain, ParseRanged(def.properties, kRetainHours, 24, 0, 168));
  DT_ASSIGN_OR_RETURN(uint32_t threshold,
                      ParseRanged(def.properties, kCommitThreshold, default_threshold, 1, 100000));
  DT_ASSIGN_OR_RETURN(bool partial, ParseBool(def.properties, kPartialUpdate, false));
  DT_RETURN_IF_ERROR(ParseRanged(def.properties, kLifecycle, 0, 1, kMaxLifecycleDays).status());
  DT_RETURN_IF_ERROR(ParseBool(def.properties, kAutoCompaction, true).status());
  DT_ASSIGN_OR_RETURN(bool transactional, ParseBool(def.properties, kTransactional, true));
  if (!transactional) {
    return InvalidArgument("property 'transactional': only transactional tables are supported");
  }

  messages::TableRecord rec;
  rec.set_project(def.project);
  rec.set_name(def.name);
  for (const auto& c : def.schema.columns) ColumnToRecord(c, rec.add_columns());
  for (int k : def.schema.primary_key) rec.add_primary_key(k);
  for (const auto& c : def.schema.partition_columns) ColumnToRecord(c, rec.add_partition_columns());
  auto& props = *rec.mutable_properties();
  for (const auto& [k, v] : def.properties) props[k] = v;
  props[kBucketNum] = std::to_string(buckets);
  props[kRetainHours] = std::to_string(retain);
  props[kCommitThreshold] = std::to_string(threshold);
  props[kPartialUpdate] = partial ? "true" : "false";
  props[kTransactional] = "true";
  rec.set_bucket_num(buckets);
  rec.set_retain_hours(retain);
  rec.set_commit_threshold(threshold);
  rec.set_partial_update(partial);
  rec.set_hasher(static_cast<uint32_t>(proto::Hasher::kDefault));
  return rec;
}

Result<messages::TableRecord> AlterTableRecord(const messages::TableRecord& rec,
                                               const std::map<std::string, std::string>& set) {
  if (set.empty()) return InvalidArgument("no properties to set");
  for (const char* fixed : {kPartialUpdate, kTransactional}) {
    if (set.count(fixed) != 0) {
      return InvalidArgument(fmt::format(
          "property '{}' is fixed when the table is created; create a new table to change it",
          fixed));
    }
  }
  std::map<std::string, std::string> merged(rec.properties().begin(), rec.properties().end());
  for (const auto& [k, v] : set) merged[k] = v;
  DT_ASSIGN_OR_RETURN(uint32_t buckets, ParseRanged(merged, kBucketNum, rec.bucket_num(), 1, 4096));
  DT_ASSIGN_OR_RETURN(uint32_t retain, ParseRanged(merged, kRetainHours, 24, 0, 168));
  DT_ASSIGN_OR_RETURN(uint32_t threshold,
                      ParseRanged(merged, kCommitThreshold, rec.commit_threshold(), 1, 100000));
  DT_RETURN_IF_ERROR(ParseRanged(merged, kLifecycle, 0, 1, kMaxLifecycleDays).status());
  DT_RETURN_IF_ERROR(ParseBool(merged, kAutoCompaction, true).status());
  messages::TableRecord out = rec;
  auto& props = *out.mutable_properties();
  for (const auto& [k, v] : set) props[k] = v;
  props[kBucketNum] = std::to_string(buckets);
  out.set_bucket_num(buckets);
  out.set_retain_hours(retain);
  out.set_commit_threshold(threshold);
  return out;
}

uint32_t LifecycleDays(const messages::TableRecord& rec) {
  auto days = ParseRanged(rec.properties(), kLifecycle, 0, 1, kMaxLifecycleDays);
  return days.ok() ? *days : 0;
}

bool AutoCompaction(const messages::TableRecord& rec) {
  auto it = rec.properties().find(kAutoCompaction);
  return it == rec.properties().end() || it->second != "false";
}

Result<proto::TableSchema> SchemaFromRecord(const messages::TableRecord& rec) {
  DT_ASSIGN_OR_RETURN(SchemaHistoryPtr history, SchemaHistoryFromRecord(rec));
  return *history->Current().schema;
}

TableInfo TableInfoFromRecord(const messages::TableRecord& rec, const proto::TableSchema& schema) {
  TableInfo info;
  info.project = rec.project();
  info.name = rec.name();
  info.schema = schema;
  info.schema_id = rec.schema_id();
  info.properties.insert(rec.properties().begin(), rec.properties().end());
  info.bucket_num = rec.bucket_num();
  info.retain_hours = rec.retain_hours();
  info.commit_threshold = rec.commit_threshold();
  info.partial_update = rec.partial_update();
  info.hasher = static_cast<proto::Hasher>(rec.hasher());
  info.created_at_ms = rec.created_at_ms();
  return info;
}

}  // namespace deltatunnel::storage
