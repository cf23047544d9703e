// Limits on a table's schema (issue 24, finding 5), checked by TableSchema::Validate and, before
// any per-column work, by the parsers of table definitions.
#pragma once

#include <cstddef>

namespace deltatunnel::proto {

// The most columns a table may have, data and partition columns together (MaxCompute's limit).
inline constexpr size_t kMaxColumns = 1200;
// The longest project, table or column name.
inline constexpr size_t kMaxNameLength = 128;

}  // namespace deltatunnel::proto
