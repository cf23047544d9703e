// The Tunnel download body (odps-control-plane.md section 3.1): rows [start, start + count) of one
// snapshot of a table, as a record stream (no hidden columns; field i + 1 is the i-th requested
// column), streamed in pieces and compressed on request. Table download sessions
// (table_downloads.h) serve it, and so can the instance tunnel: the result of an SQL instance's
// `SELECT * FROM t [WHERE partition = ...]` is such a snapshot, read at the version the instance
// ran at.
//
// Row order is the engine's scan order at the version (partitions by canonical spec, then bucket,
// then key). It is the same for every read of one version, so the ranges of one source fit
// together. Reaching `start` reads and drops the rows before it: a range costs O(start + count).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "deltatunnel/proto/schema.h"
#include "deltatunnel/proto/status.h"
#include "deltatunnel/server/http_types.h"
#include "deltatunnel/storage/engine.h"

namespace deltatunnel::server {

// What a download reads: one table at one version, all or some of its partitions.
struct DownloadSource {
  std::string project;
  std::string table;
  uint64_t version = 0;
  // A partition spec, "" for every partition. A spec naming every partition column reads that
  // partition; one naming fewer reads every partition whose values match it ("ds=1" of a table
  // partitioned by ds and hh), as a SELECT's WHERE on partition columns does. Quotes around values
  // are stripped.
  std::string partition;
};

// The columns a download sends, in order: indices into the table's data columns, and from
// schema.columns.size() on, into its partition columns (which only the instance tunnel sends:
// there `SELECT *` yields them as trailing columns).
using DownloadColumns = std::vector<int>;

// The `columns=` list ("a,b", names in any case) against the table; "" gives every data column,
// followed by the partition columns when `with_partition_columns`. A partition column may be named
// only when `with_partition_columns`. InvalidArgument naming an unknown or repeated column.
Result<DownloadColumns> ResolveDownloadColumns(const proto::TableSchema& schema,
                                               std::string_view list, bool with_partition_columns);

// The session JSON's "Schema" as the clients read it (pyodps TableSchema, the Java TableSchema):
// {"columns": [{"name","type","comment","nullable"}...], "partitionKeys": [{"name","type"}...]}.
// `with_partition_columns` (instance tunnel): they are listed as trailing columns, and
// partitionKeys is empty.
nlohmann::json DownloadSchemaJson(const proto::TableSchema& schema, bool with_partition_columns);

// The canonical form of a download's partition spec ("" for none; a partial spec keeps only the
// columns it names), checked against the table: InvalidArgument for a spec that does not parse or
// names a column that is not a partition column. With `must_exist`, NoSuchPartition for a full spec
// of a partition that holds no committed row at the latest version.
Result<std::string> ResolveDownloadPartition(storage::Engine& engine,
                                             const storage::TableInfo& table,
                                             std::string_view partition, bool must_exist);

// How many rows the source holds: a scan of the snapshot (O(rows); the engine keeps no exact
// count). VersionExpired when the version left the table's retention.
Result<uint64_t> CountDownloadRows(storage::Engine& engine, const DownloadSource& source);

struct RowRange {
  uint64_t start = 0;
  uint64_t count = 0;
};
// `rowrange=(start,count)` as the clients send it. InvalidArgument otherwise.
Result<RowRange> ParseRowRange(std::string_view text);

// The answer for rows `range` of the source, `columns` of them, in `encoding` ("" raw, else one of
// proto::ChooseDownloadEncoding's, sent as Content-Encoding): 200 with the body streamed. The scan
// is opened and moved to range.start before this returns, so that an expired version
// (VersionExpired) or a start past the last row (InvalidArgument) is an error answer, not a cut
// stream. The caller checks that start + count is within the source's row count; a stream whose
// rows run out early is cut (the client sees a truncated body, never a short valid one).
Result<Response> DownloadResponse(storage::Engine& engine, const DownloadSource& source,
                                  const DownloadColumns& columns, RowRange range,
                                  const std::string& encoding);

}  // namespace deltatunnel::server
