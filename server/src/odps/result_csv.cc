#include "odps/result_csv.h"

#include <fmt/format.h>

#include <vector>

#include "deltatunnel/server/format_value_writer.h"

namespace deltatunnel::server::odps {
namespace {

struct OutColumn {
  const proto::Column* column;
  bool partition;
  int index;
};

Result<std::vector<OutColumn>> Select(const proto::TableSchema& schema, std::string_view names) {
  std::vector<OutColumn> out;
  if (names.empty()) {
    for (size_t i = 0; i < schema.columns.size(); ++i) {
      out.push_back({&schema.columns[i], false, static_cast<int>(i)});
    }
    for (size_t i = 0; i < schema.partition_columns.size(); ++i) {
      out.push_back({&schema.partition_columns[i], true, static_cast<int>(i)});
    }
    return out;
  }
  while (true) {
    const size_t comma = names.find(',');
    const std::string name(names.substr(0, comma));
    if (int i = schema.FindColumn(name); i >= 0) {
      out.push_back({&schema.columns[i], false, i});
    } else if (int p = schema.FindPartitionColumn(name); p >= 0) {
      out.push_back({&schema.partition_columns[p], true, p});
    } else {
      return InvalidArgument(fmt::format("cols names no column '{}'", name));
    }
    if (comma == std::string_view::npos) break;
    names.remove_prefix(comma + 1);
  }
  return out;
}

}  // namespace

Result<CsvRows> ScanCsv(storage::Engine& engine, const storage::TableInfo& table,
                        const std::optional<std::string>& partition,
                        std::optional<uint64_t> version, size_t limit, std::string_view columns) {
  DT_ASSIGN_OR_RETURN(std::vector<OutColumn> out_columns, Select(table.schema, columns));
  storage::ScanOptions scan;
  scan.project = table.project;
  scan.table = table.name;
  scan.partition = partition;
  scan.at.version = version;
  DT_ASSIGN_OR_RETURN(std::unique_ptr<storage::RowIterator> it, engine.Scan(scan));
  const TimeZone utc = TimeZone::FixedOffset(0);
  CsvRows out;
  for (size_t i = 0; i < out_columns.size(); ++i) {
    if (i > 0) out.csv += ',';
    out.csv += '"' + out_columns[i].column->name + '"';
    out.columns.push_back(
        {{"Name", out_columns[i].column->name}, {"Type", out_columns[i].column->type.ToString()}});
  }
  out.csv += '\n';
  for (size_t rows = 0; it->Valid() && rows < limit; it->Next(), ++rows) {
    for (size_t i = 0; i < out_columns.size(); ++i) {
      if (i > 0) out.csv += ',';
      const OutColumn& c = out_columns[i];
      const proto::Value& v = c.partition ? it->partition().values[c.index] : it->row()[c.index];
      if (v.is_null()) {
        out.csv += "\\N";
      } else {
        AppendCsvValue(c.column->type, v, utc, &out.csv);
      }
    }
    out.csv += '\n';
  }
  out.truncated = it->Valid();
  DT_RETURN_IF_ERROR(it->status());
  return out;
}

}  // namespace deltatunnel::server::odps
