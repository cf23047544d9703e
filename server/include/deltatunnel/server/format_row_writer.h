// RowWriter: a read's rows as NDJSON lines, CSV records or the elements of one JSON array (api.md
// section 4), appended to a buffer the caller streams out in chunks. Columns are the table's data
// columns then its partition columns, or those `columns=` names in the order given. Null values
// keep their key. For the changes read, each row also carries "__op" and "__version"; a delete
// carries only its key (and partition) columns.
//
// Example, a scan:
//   DT_ASSIGN_OR_RETURN(RowWriter w, RowWriter::Create(schema, {.format = f, .time_zone = &zone,
//                                                               .columns = columns_param}));
//   std::string chunk;
//   w.Begin(&chunk);
//   for (each row) { w.Write(row, partition.values, &chunk); if (chunk.size() > 64 << 10) flush; }
//   w.End(&chunk);
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "deltatunnel/proto/row_batch.h"
#include "deltatunnel/proto/schema.h"
#include "deltatunnel/proto/status.h"
#include "deltatunnel/proto/value.h"
#include "deltatunnel/server/format_body.h"
#include "deltatunnel/server/format_time_zone.h"

namespace deltatunnel::server {

struct RowWriterOptions {
  BodyFormat format = BodyFormat::kNdjson;
  const TimeZone* time_zone = nullptr;  // TIMESTAMP is rendered in it; nullptr: UTC
  std::string_view columns;             // `columns=`: "id,amount" (any case); "" for all
  bool changes = false;                 // add "__op" and "__version" (WriteChange)
};

class RowWriter {
 public:
  // InvalidArgument if `columns` names an unknown column, a column twice, or an empty name. The
  // schema and the zone must outlive the writer.
  static Result<RowWriter> Create(const proto::TableSchema& schema,
                                  const RowWriterOptions& options);

  // CSV: the header line; JSON: "["; NDJSON: nothing.
  void Begin(std::string* out);
  // One row: `row` has the data columns in schema order, `partition` the partition columns' values
  // (empty for a table without partitions).
  void Write(const proto::Row& row, const proto::Row& partition, std::string* out);
  // One row of the changes read (options.changes): for a delete, `row` needs only its key columns.
  void WriteChange(const proto::Row& row, const proto::Row& partition, proto::RowOp op,
                   int64_t version, std::string* out);
  // Only the key (and partition) columns of `row`, without "__op" and "__version" (a deleted key
  // in a change feed's record).
  void WriteKey(const proto::Row& row, const proto::Row& partition, std::string* out) {
    WriteRow(row, partition, /*keys_only=*/true, nullptr, 0, out);
  }
  // JSON: "]"; the others: nothing.
  void End(std::string* out);

  BodyFormat format() const { return format_; }
  size_t rows_written() const { return rows_; }

 private:
  struct OutColumn {
    bool partition = false;
    int index = 0;
    bool key = false;      // a primary key or partition column: kept by a delete
    std::string json_key;  // "\"name\":", rendered once
    std::string name;
  };

  RowWriter() = default;
  void WriteRow(const proto::Row& row, const proto::Row& partition, bool keys_only,
                const proto::RowOp* op, int64_t version, std::string* out);

  const proto::TableSchema* schema_ = nullptr;
  const TimeZone* zone_ = nullptr;
  BodyFormat format_ = BodyFormat::kNdjson;
  bool changes_ = false;
  std::vector<OutColumn> columns_;
  size_t rows_ = 0;
};

}  // namespace deltatunnel::server
