// Reading a row stored in an older schema of its table as a row of a newer one (schema evolution,
// schema_history.h): added columns take their defaults, FLOAT values widened to DOUBLE become
// doubles; the other widenings and renames leave the encoding as it is. Only the rows of runs
// written before a change pay for it, until major compaction rewrites them.
//
// Without a FLOAT widened to DOUBLE the stored values keep their bytes, so a row is upgraded
// without decoding it: its null bitmap widened (the added columns null where they have no default),
// its values copied, the defaults' encodings appended (row_codec.h's layout).
#pragma once

#include <string>
#include <string_view>

#include "deltatunnel/proto/schema.h"
#include "deltatunnel/proto/status.h"
#include "deltatunnel/proto/value.h"

namespace deltatunnel::storage {

class RowUpgrade {
 public:
  // Both outlive it; `to` is `from` changed by ApplySchemaChange (any number of times).
  RowUpgrade(const proto::TableSchema& from, const proto::TableSchema& to);

  // `in` (a row encoded in `from`) encoded in `to`, into `out`.
  Status Apply(std::string_view in, std::string* out);

 private:
  Status Decoded(std::string_view in, std::string* out);

  const proto::TableSchema* from_;
  const proto::TableSchema* to_;
  bool bytes_kept_ = true;  // no FLOAT became a DOUBLE: values keep their encoding
  std::string added_bits_;  // the added columns' bitmap bits, set where null (no default)
  std::string defaults_;    // the added defaults' encodings, in column order
  proto::Row row_;
};

}  // namespace deltatunnel::storage
