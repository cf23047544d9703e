// A table's shape: data columns, the primary key, partition columns.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "deltatunnel/proto/status.h"
#include "deltatunnel/proto/type.h"
#include "deltatunnel/proto/value.h"

namespace deltatunnel::proto {

struct Column {
  std::string name;  // as given at creation; matched case-insensitively
  Type type;
  bool nullable = true;
  std::string comment;
  // What rows written before the column was added read (ALTER ... ADD COLUMNS ... DEFAULT); null
  // when none was given. Only added columns have one.
  Value default_value = {};
  friend bool operator==(const Column&, const Column&) = default;
};

struct TableSchema {
  std::vector<Column> columns;            // the data columns, in order
  std::vector<int> primary_key;           // indices into `columns`, in key order
  std::vector<Column> partition_columns;  // STRING, BIGINT or DATE; not data columns

  // Checks names ([A-Za-z_][A-Za-z0-9_]{0,127}, unique case-insensitively across data and partition
  // columns), a non-empty primary key of NOT NULL scalar columns, partition column types.
  Status Validate() const;
  // Index of the data column named `name` (any case), or -1.
  int FindColumn(std::string_view name) const;
  // Index of the partition column named `name` (any case), or -1.
  int FindPartitionColumn(std::string_view name) const;
  bool IsKeyColumn(int column) const;
  friend bool operator==(const TableSchema&, const TableSchema&) = default;
};

// True if `name` is a valid project, table or column name.
bool IsValidName(std::string_view name);
// Case-insensitive ASCII equality, for names.
bool NamesEqual(std::string_view a, std::string_view b);

}  // namespace deltatunnel::proto
