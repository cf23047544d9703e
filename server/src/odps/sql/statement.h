// What the statement recogniser understands: the few ODPS SQL statements that MaxCompute clients
// send for metadata, partitions, compaction and pyodps's table read
// (../shared/design/odps-control-plane.md section 7, P0-2). Each is a plain value; executing it is
// odps/statement_runner.h's job.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace deltatunnel::server::odps::sql {

// [project.][schema.]table; the parts not written are empty.
struct TableName {
  std::string project;
  std::string schema;
  std::string table;
};

// column = 'value' (or a number): one part of a PARTITION (...) clause or of a WHERE.
struct PartitionValue {
  std::string column;
  std::string value;
};
using PartitionValues = std::vector<PartitionValue>;

struct ColumnDef {
  std::string name;
  std::string type;  // the type as written, checked by proto::Type::Parse
  bool not_null = false;
  std::string comment;
  std::optional<std::string> default_value;  // DEFAULT's literal (ADD COLUMNS only), as written
};

struct CreateTable {
  TableName table;
  bool if_not_exists = false;
  std::vector<ColumnDef> columns;
  std::vector<std::string> primary_key;
  std::vector<ColumnDef> partition_columns;
  std::map<std::string, std::string> properties;  // TBLPROPERTIES, keys as written
  std::optional<int64_t> lifecycle;               // days
  std::string comment;
};

struct AddPartition {
  TableName table;
  bool if_not_exists = false;
  std::vector<PartitionValues> partitions;  // one per PARTITION clause
};

struct DropPartition {
  TableName table;
  bool if_exists = false;
  std::vector<PartitionValues> partitions;
};

struct DropTable {
  TableName table;
  bool if_exists = false;
};

struct TruncateTable {
  TableName table;
  std::optional<PartitionValues> partition;
};

// ALTER TABLE t [PARTITION (...)] COMPACT MAJOR, and the Merge task's "t [partition(...)]".
struct CompactTable {
  TableName table;
  std::optional<PartitionValues> partition;
};

// ALTER TABLE t SET TBLPROPERTIES (...) | SET LIFECYCLE n | SET COMMENT '...': the table's
// properties ("lifecycle" and "comment" for the last two), as Engine::AlterTable takes them.
struct SetProperties {
  TableName table;
  std::map<std::string, std::string> properties;
};

// ALTER TABLE t ADD COLUMNS [IF NOT EXISTS] (coldef [DEFAULT v], ...) | CHANGE [COLUMN] c RENAME
// TO n | CHANGE [COLUMN] c n type [COMMENT '...']: one schema change (Engine::AlterSchema).
struct ChangeSchema {
  TableName table;
  bool if_not_exists = false;  // ADD COLUMNS: the columns that exist already are skipped
  std::vector<ColumnDef> add_columns;
  std::string column;    // CHANGE: the column
  std::string new_name;  // CHANGE: its name after (the same when only the type changes)
  std::string new_type;  // CHANGE c n type: the type as written; "" for RENAME TO
  std::optional<std::string> comment;  // CHANGE c n type COMMENT '...'
};

// SELECT * FROM t [WHERE c = 'v' [AND ...]]: pyodps's read of a primary-key table.
struct SelectAll {
  TableName table;
  PartitionValues where;
};

using Statement = std::variant<CreateTable, AddPartition, DropPartition, DropTable, TruncateTable,
                               CompactTable, SetProperties, ChangeSchema, SelectAll>;

}  // namespace deltatunnel::server::odps::sql
