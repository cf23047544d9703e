// Rows as the CSV text MaxCompute answers where a client reads rows from REST rather than the
// Tunnel: a SELECT instance's ?result and a table's ?data&linenum (pyodps head()). A header line
// of quoted names, then one line per row, \N for null; the data columns then the partition columns
// (the SELECT * shape), or the columns named.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "deltatunnel/proto/status.h"
#include "deltatunnel/storage/engine.h"

namespace deltatunnel::server::odps {

struct CsvRows {
  std::string csv;
  bool truncated = false;                            // more rows than `limit` matched
  nlohmann::json columns = nlohmann::json::array();  // [{"Name", "Type"}] in CSV order
};

// At most `limit` rows of `partition` (a canonical spec; absent: every partition) of the table at
// `version` (absent: the latest). `columns`: "a,b" names (any case) of data or partition columns,
// "" for all; InvalidArgument for an unknown one.
Result<CsvRows> ScanCsv(storage::Engine& engine, const storage::TableInfo& table,
                        const std::optional<std::string>& partition,
                        std::optional<uint64_t> version, size_t limit, std::string_view columns);

}  // namespace deltatunnel::server::odps
