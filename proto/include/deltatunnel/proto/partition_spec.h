// Partition specs: "ds=20261125,hh=10", every partition column once, in any order, any case.
#pragma once

#include <string>
#include <string_view>

#include "deltatunnel/proto/schema.h"
#include "deltatunnel/proto/status.h"
#include "deltatunnel/proto/value.h"

namespace deltatunnel::proto {

struct PartitionSpec {
  // Canonical form: the columns in schema order, names as created, values normalised
  // ("ds=20261125,hh=10"); "" for a non-partitioned table.
  std::string canonical;
  Row values;  // one per partition column, in schema order
  friend bool operator==(const PartitionSpec&, const PartitionSpec&) = default;
};

// Parses `spec` against the table's partition columns. Quotes around values are stripped ('x',
// "x"). A non-partitioned table takes only "". Errors are InvalidArgument naming the column.
Result<PartitionSpec> ParsePartitionSpec(const TableSchema& schema, std::string_view spec);

}  // namespace deltatunnel::proto
