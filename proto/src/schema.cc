#include "deltatunnel/proto/schema.h"

#include <string>
#include <unordered_set>
#include <vector>

#include "deltatunnel/proto/schema_limits.h"

namespace deltatunnel::proto {
namespace {

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool IsPartitionType(const Type& t) {
  return t.kind == TypeKind::kString || t.kind == TypeKind::kBigint || t.kind == TypeKind::kDate;
}

}  // namespace

bool NamesEqual(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

bool IsValidName(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength) return false;
  auto alpha = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; };
  if (!alpha(name[0])) return false;
  for (char c : name.substr(1)) {
    if (!alpha(c) && !(c >= '0' && c <= '9')) return false;
  }
  return true;
}

int TableSchema::FindColumn(std::string_view name) const {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (NamesEqual(columns[i].name, name)) return static_cast<int>(i);
  }
  return -1;
}

int TableSchema::FindPartitionColumn(std::string_view name) const {
  for (size_t i = 0; i < partition_columns.size(); ++i) {
    if (NamesEqual(partition_columns[i].name, name)) return static_cast<int>(i);
  }
  return -1;
}

bool TableSchema::IsKeyColumn(int column) const {
  for (int k : primary_key) {
    if (k == column) return true;
  }
  return false;
}

Status TableSchema::Validate() const {
  if (columns.empty()) return InvalidArgument("a table needs at least one data column");
  if (columns.size() + partition_columns.size() > kMaxColumns) {
    return InvalidArgument("a table has at most " + std::to_string(kMaxColumns) +
                           " columns (data and partition columns together); this one has " +
                           std::to_string(columns.size() + partition_columns.size()));
  }
  // Names compare case-insensitively: a set of the lower-cased names keeps the check linear.
  std::unordered_set<std::string> seen;
  seen.reserve(columns.size() + partition_columns.size());
  auto check_name = [&](const Column& c) -> Status {
    if (!IsValidName(c.name)) {
      return InvalidArgument("invalid column name '" + c.name +
                             "': use [A-Za-z_][A-Za-z0-9_]{0,127}");
    }
    std::string lower(c.name);
    for (char& ch : lower) ch = Lower(ch);
    if (!seen.insert(std::move(lower)).second) {
      return InvalidArgument("duplicate column name '" + c.name + "'");
    }
    return Status::Ok();
  };
  for (const Column& c : columns) DT_RETURN_IF_ERROR(check_name(c));
  for (const Column& c : partition_columns) {
    DT_RETURN_IF_ERROR(check_name(c));
    if (!IsPartitionType(c.type)) {
      return InvalidArgument("partition column '" + c.name + "' is " + c.type.ToString() +
                             ": partition columns are STRING, BIGINT or DATE");
    }
  }
  if (primary_key.empty()) return InvalidArgument("a primary key is required");
  std::vector<bool> in_key(columns.size(), false);
  for (size_t i = 0; i < primary_key.size(); ++i) {
    int k = primary_key[i];
    if (k < 0 || static_cast<size_t>(k) >= columns.size()) {
      return InvalidArgument("primary key refers to column " + std::to_string(k) +
                             ", which does not exist");
    }
    const Column& c = columns[k];
    if (in_key[k])
      return InvalidArgument("column '" + c.name + "' appears twice in the primary key");
    in_key[k] = true;
    if (c.nullable) return InvalidArgument("primary key column '" + c.name + "' must be NOT NULL");
    if (!c.type.IsScalar()) {
      return InvalidArgument("primary key column '" + c.name + "' is " + c.type.ToString() +
                             ": key columns must be of a scalar type");
    }
  }
  return Status::Ok();
}

}  // namespace deltatunnel::proto
