#include "odps/statement_runner.h"

#include <fmt/format.h>
#include <strings.h>

#include <algorithm>
#include <set>

#include "deltatunnel/proto/partition_spec.h"
#include "deltatunnel/proto/schema.h"
#include "deltatunnel/server/format_scalar.h"

namespace deltatunnel::server::odps {
namespace {

using Kind = TaskOutcome::Kind;

TaskOutcome Refused(std::string message) { return {Kind::kRefused, std::move(message), {}}; }
TaskOutcome Success(std::string message) { return {Kind::kSuccess, std::move(message), {}}; }

// The ODPS error code the SDKs map a failure to (pyodps errors.py _CODE_MAPPING).
std::string_view OdpsCodeOf(ErrorCode code) {
  switch (code) {
    case ErrorCode::kNoSuchTable:
    case ErrorCode::kNoSuchProject:
      return "ODPS-0130131";  // NoSuchTable
    case ErrorCode::kNoSuchPartition:
      return "ODPS-0130131";
    case ErrorCode::kServiceUnavailable:
    case ErrorCode::kInternalServerError:
      return "ODPS-0010000";  // InternalServerError
    default:
      return "ODPS-0130071";  // semantic analysis: a plain ODPSError
  }
}

TaskOutcome Failed(const Status& s) {
  return {Kind::kFailed,
          fmt::format("{}:{} - {}", OdpsCodeOf(s.code()), ErrorCodeName(s.code()), s.message()),
          {}};
}

bool IsTrue(const std::string& v) { return strcasecmp(v.c_str(), "true") == 0; }

// The table name of a statement in this instance's project, or why not.
Result<std::string> TableOf(const std::string& project, const sql::TableName& name) {
  if (!name.project.empty() && !proto::NamesEqual(name.project, project)) {
    return InvalidArgument(
        fmt::format("the statement names project '{}', but the instance runs in project '{}': "
                    "submit it to /projects/{}/instances",
                    name.project, project, name.project));
  }
  return name.table;
}

// "c1=v1,c2=v2" from a PARTITION clause or a WHERE, for proto::ParsePartitionSpec.
std::string SpecText(const sql::PartitionValues& values) {
  std::string out;
  for (const sql::PartitionValue& v : values) {
    if (!out.empty()) out += ',';
    out += v.column + "=" + v.value;
  }
  return out;
}

Result<storage::TableDef> TableDefOf(const std::string& project, const sql::CreateTable& c) {
  storage::TableDef def;
  def.project = project;
  DT_ASSIGN_OR_RETURN(def.name, TableOf(project, c.table));
  if (c.primary_key.empty()) {
    return InvalidArgument(fmt::format(
        "table '{}' has no PRIMARY KEY: deltatunnel keeps only primary-key (Delta) tables; add "
        "PRIMARY KEY (...) and TBLPROPERTIES ('transactional'='true')",
        def.name));
  }
  auto tx = c.properties.find("transactional");
  if (tx == c.properties.end() || !IsTrue(tx->second)) {
    return InvalidArgument(fmt::format(
        "table '{}' is not transactional: deltatunnel keeps only transactional primary-key "
        "tables; add TBLPROPERTIES ('transactional'='true')",
        def.name));
  }
  for (const sql::ColumnDef& col : c.columns) {
    auto type = proto::Type::Parse(col.type);
    if (!type.ok()) {
      return InvalidArgument(fmt::format("column '{}': {}", col.name, type.status().message()));
    }
    def.schema.columns.push_back({col.name, std::move(type).value(), !col.not_null, col.comment});
  }
  for (const std::string& k : c.primary_key) {
    const int i = def.schema.FindColumn(k);
    if (i < 0) return InvalidArgument(fmt::format("PRIMARY KEY names no column '{}'", k));
    // ODPS makes key columns NOT NULL whether or not the statement says so.
    def.schema.columns[i].nullable = false;
    def.schema.primary_key.push_back(i);
  }
  for (const sql::ColumnDef& col : c.partition_columns) {
    auto type = proto::Type::Parse(col.type);
    if (!type.ok()) {
      return InvalidArgument(
          fmt::format("partition column '{}': {}", col.name, type.status().message()));
    }
    def.schema.partition_columns.push_back({col.name, std::move(type).value(), true, col.comment});
  }
  DT_RETURN_IF_ERROR(def.schema.Validate());
  def.properties = c.properties;
  // Kept as table properties and shown in the metadata; the engine drops by lifecycle.
  if (c.lifecycle) def.properties["lifecycle"] = std::to_string(*c.lifecycle);
  if (!c.comment.empty()) def.properties["comment"] = c.comment;
  return def;
}

TaskOutcome Create(ApiContext& ctx, const std::string& project, const sql::CreateTable& c) {
  auto def = TableDefOf(project, c);
  if (!def.ok()) return Refused(def.status().message());
  if (Status s = CheckWritable(ctx); !s.ok()) return Failed(s);
  auto info = ctx.engine->CreateTable(*def);
  if (info.ok()) return Success("OK");
  if (info.status().code() == ErrorCode::kTableAlreadyExists && c.if_not_exists) {
    return Success("OK (the table exists)");
  }
  // The engine checks property values and ranges: a bad one is the statement's fault.
  if (info.status().code() == ErrorCode::kInvalidArgument) return Refused(info.status().message());
  return Failed(info.status());
}

TaskOutcome AddPartitions(ApiContext& ctx, const std::string& project, const sql::AddPartition& a) {
  auto name = TableOf(project, a.table);
  if (!name.ok()) return Refused(name.status().message());
  auto info = ctx.engine->DescribeTable(project, *name);
  if (!info.ok()) return Failed(info.status());
  auto existing = ctx.engine->ListPartitions(project, *name);
  if (!existing.ok()) return Failed(existing.status());
  std::set<std::string> have;
  for (const storage::PartitionInfo& p : *existing) have.insert(p.partition);
  // Every spec is checked before any partition is made: a bad one leaves nothing behind.
  std::vector<std::string> to_make;
  for (const sql::PartitionValues& values : a.partitions) {
    auto spec = proto::ParsePartitionSpec(info->schema, SpecText(values));
    if (!spec.ok()) return Refused(spec.status().message());
    if (have.count(spec->canonical) != 0) {
      if (a.if_not_exists) continue;
      return Failed({ErrorCode::kStatusConflict,
                     fmt::format("partition '{}' already exists", spec->canonical)});
    }
    if (std::find(to_make.begin(), to_make.end(), spec->canonical) == to_make.end()) {
      to_make.push_back(spec->canonical);
    }
  }
  if (Status s = CheckWritable(ctx); !s.ok()) return Failed(s);
  // A partition comes into being with its first commit (engine.h): an empty one makes it, atomic
  // and durable like any commit.
  for (const std::string& canonical : to_make) {
    storage::SessionOptions o;
    o.project = project;
    o.table = *name;
    o.partition = canonical;
    o.lifetime_hours = 1;
    auto session = ctx.engine->OpenSession(o);
    if (!session.ok()) return Failed(session.status());
    auto committed = ctx.engine->Commit(session->id);
    if (!committed.ok()) return Failed(committed.status());
  }
  return Success("OK");
}

// The outcome of a truncate or a partition drop: the versions it made, `none` when it made none.
TaskOutcome Cleared(const Result<std::vector<storage::CommitInfo>>& made, std::string_view done,
                    std::string_view none) {
  if (!made.ok() && made.status().code() == ErrorCode::kInvalidArgument) {
    return Refused(made.status().message());
  }
  if (!made.ok()) return Failed(made.status());
  if (made->empty()) return Success(std::string(none));
  return Success(fmt::format("OK: {} partition(s) {}, table version {}", made->size(), done,
                             made->back().version));
}

// A version per partition dropped, all in one atomic step (Engine::DropPartitions).
TaskOutcome DropPartitions(ApiContext& ctx, const std::string& project,
                           const sql::DropPartition& d) {
  auto name = TableOf(project, d.table);
  if (!name.ok()) return Refused(name.status().message());
  if (Status s = CheckWritable(ctx); !s.ok()) return Failed(s);
  std::vector<std::string> specs;
  for (const sql::PartitionValues& values : d.partitions) specs.push_back(SpecText(values));
  return Cleared(ctx.engine->DropPartitions(project, *name, specs, d.if_exists), "dropped",
                 "OK (no such partition)");
}

// ALTER TABLE t SET ...: the engine checks the properties together, as at creation.
TaskOutcome SetProperties(ApiContext& ctx, const std::string& project,
                          const sql::SetProperties& s) {
  auto name = TableOf(project, s.table);
  if (!name.ok()) return Refused(name.status().message());
  auto info = ctx.engine->AlterTable(project, *name, s.properties);
  if (!info.ok() && info.status().code() == ErrorCode::kInvalidArgument) {
    return Refused(info.status().message());
  }
  if (!info.ok()) return Failed(info.status());
  return Success("OK");
}

// ALTER TABLE t ADD COLUMNS | CHANGE COLUMN: one schema change, which the engine checks whole.
TaskOutcome ChangeColumns(ApiContext& ctx, const std::string& project, const sql::ChangeSchema& c) {
  auto name = TableOf(project, c.table);
  if (!name.ok()) return Refused(name.status().message());
  auto info = ctx.engine->DescribeTable(project, *name);
  if (!info.ok()) return Failed(info.status());
  storage::SchemaChange change;
  for (const sql::ColumnDef& col : c.add_columns) {
    if (c.if_not_exists && info->schema.FindColumn(col.name) >= 0) continue;
    auto type = proto::Type::Parse(col.type);
    if (!type.ok()) {
      return Refused(fmt::format("column '{}': {}", col.name, type.status().message()));
    }
    proto::Column added{col.name, std::move(type).value(), !col.not_null, col.comment};
    if (col.default_value) {
      if (!added.type.IsScalar()) {
        return Refused(
            fmt::format("column '{}': only a scalar column may have a default", col.name));
      }
      Status st = ParseScalarText(added.type, *col.default_value, TextSource::kCsvField, TimeZone(),
                                  &added.default_value);
      if (!st.ok()) return Refused(fmt::format("column '{}': DEFAULT: {}", col.name, st.message()));
    }
    change.add_columns.push_back(std::move(added));
  }
  if (!c.column.empty()) {
    const int i = info->schema.FindColumn(c.column);
    if (c.comment && i >= 0 && *c.comment != info->schema.columns[static_cast<size_t>(i)].comment) {
      return Refused("changing a column's comment is not supported");
    }
    // CHANGE c c TYPE names the column twice: a rename only when the name differs.
    if (i < 0 || c.new_name != info->schema.columns[static_cast<size_t>(i)].name) {
      change.renames.push_back({c.column, c.new_name});
    }
    if (!c.new_type.empty()) {
      auto type = proto::Type::Parse(c.new_type);
      if (!type.ok()) {
        return Refused(fmt::format("column '{}': {}", c.new_name, type.status().message()));
      }
      change.widenings.push_back({c.new_name, std::move(type).value()});
    }
  }
  if (change.add_columns.empty() && change.renames.empty() && change.widenings.empty()) {
    return Success("OK (the columns exist)");
  }
  if (Status s = CheckWritable(ctx); !s.ok()) return Failed(s);
  auto altered = ctx.engine->AlterSchema(project, *name, change);
  if (!altered.ok() && altered.status().code() == ErrorCode::kInvalidArgument) {
    return Refused(altered.status().message());
  }
  if (!altered.ok()) return Failed(altered.status());
  return Success(fmt::format("OK (schema {}, version {})", altered->schema_id, altered->version));
}

// TRUNCATE TABLE t [PARTITION (...)]: a version per partition truncated, in one atomic step.
TaskOutcome Truncate(ApiContext& ctx, const std::string& project, const sql::TruncateTable& t) {
  auto name = TableOf(project, t.table);
  if (!name.ok()) return Refused(name.status().message());
  if (Status s = CheckWritable(ctx); !s.ok()) return Failed(s);
  std::optional<std::string> partition;
  if (t.partition) partition = SpecText(*t.partition);
  return Cleared(ctx.engine->Truncate(project, *name, partition), "truncated",
                 "OK (the table has no partition yet)");
}

TaskOutcome DropTable(ApiContext& ctx, const std::string& project, const sql::DropTable& d) {
  auto name = TableOf(project, d.table);
  if (!name.ok()) return Refused(name.status().message());
  Status s = ctx.engine->DropTable(project, *name);
  if (s.ok()) return Success("OK");
  if (s.code() == ErrorCode::kNoSuchTable && d.if_exists) return Success("OK (no such table)");
  return Failed(s);
}

TaskOutcome Compact(ApiContext& ctx, const std::string& project, const sql::CompactTable& c) {
  auto name = TableOf(project, c.table);
  if (!name.ok()) return Refused(name.status().message());
  auto info = ctx.engine->DescribeTable(project, *name);
  if (!info.ok()) return Failed(info.status());
  std::optional<std::string> partition;
  if (c.partition) {
    auto spec = proto::ParsePartitionSpec(info->schema, SpecText(*c.partition));
    if (!spec.ok()) return Refused(spec.status().message());
    partition = spec->canonical;
  }
  auto queued = ctx.engine->Compact(project, *name, partition);
  if (!queued.ok()) return Failed(queued.status());
  // The client only waits for Success; the compaction itself runs in the background, and reads
  // are the same before and after it (engine promise 6).
  return Success(fmt::format("major compaction {} {}", queued->id, queued->state));
}

TaskOutcome Select(ApiContext& ctx, const std::string& project, const sql::SelectAll& s) {
  auto name = TableOf(project, s.table);
  if (!name.ok()) return Refused(name.status().message());
  auto info = ctx.engine->DescribeTable(project, *name);
  if (!info.ok()) return Failed(info.status());
  for (const sql::PartitionValue& v : s.where) {
    if (info->schema.FindPartitionColumn(v.column) < 0) {
      return Refused(fmt::format(
          "WHERE may name partition columns only ('{}' is not one): for other reads use "
          "GET /api/v1/projects/{}/tables/{}/data or POST .../lookup",
          v.column, project, *name));
    }
  }
  SelectTarget target{project, info->name, std::nullopt, info->version};
  if (!s.where.empty()) {
    if (s.where.size() != info->schema.partition_columns.size()) {
      return Refused(fmt::format(
          "WHERE must name every partition column of '{}' once (a whole partition), or be left "
          "out",
          *name));
    }
    auto spec = proto::ParsePartitionSpec(info->schema, SpecText(s.where));
    if (!spec.ok()) return Refused(spec.status().message());
    target.partition = spec->canonical;
  }
  TaskOutcome out = Success("OK");
  out.select = std::move(target);
  return out;
}

}  // namespace

TaskOutcome RunStatement(ApiContext& ctx, const std::string& project,
                         const sql::Statement& statement) {
  return std::visit(
      [&](const auto& s) -> TaskOutcome {
        using T = std::decay_t<decltype(s)>;
        if constexpr (std::is_same_v<T, sql::CreateTable>) {
          return Create(ctx, project, s);
        } else if constexpr (std::is_same_v<T, sql::AddPartition>) {
          return AddPartitions(ctx, project, s);
        } else if constexpr (std::is_same_v<T, sql::DropPartition>) {
          return DropPartitions(ctx, project, s);
        } else if constexpr (std::is_same_v<T, sql::TruncateTable>) {
          return Truncate(ctx, project, s);
        } else if constexpr (std::is_same_v<T, sql::DropTable>) {
          return DropTable(ctx, project, s);
        } else if constexpr (std::is_same_v<T, sql::CompactTable>) {
          return Compact(ctx, project, s);
        } else if constexpr (std::is_same_v<T, sql::SetProperties>) {
          return SetProperties(ctx, project, s);
        } else if constexpr (std::is_same_v<T, sql::ChangeSchema>) {
          return ChangeColumns(ctx, project, s);
        } else {
          return Select(ctx, project, s);
        }
      },
      statement);
}

}  // namespace deltatunnel::server::odps
