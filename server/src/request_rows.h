// The rows of a text body (NDJSON, CSV, JSON array): one path for a session's PUT without bucketid
// and for one-shot loads. The request's Content-Type picks the format, `timezone` the zone of
// TIMESTAMP text without an offset, `partial_update=true` makes upserts partial (where the table
// allows it), and `max_bad_rows` (loads only) lets bad rows be skipped: they are kept with their
// text (LoadResult::rejected) for the reject quarantine.
#pragma once

#include <optional>

#include <nlohmann/json.hpp>

#include "api_context.h"
#include "deltatunnel/proto/partition_spec.h"
#include "deltatunnel/proto/row_batch.h"
#include "deltatunnel/server/format_load.h"
#include "deltatunnel/server/http_types.h"
#include "deltatunnel/storage/types.h"

namespace deltatunnel::server {

struct RequestRows {
  BodyFormat format = BodyFormat::kNdjson;
  proto::RowBatch batch;
  LoadResult result;
  // The batch's share of the memory budget, held while the rows are (request_memory.h).
  MemoryBudget::Grant grant;
};

// Either the rows, or the answer that refuses the body (400 InvalidArgument with "errors", 415 for
// an unknown Content-Type, ...).
struct RequestRowsOrError {
  std::optional<RequestRows> rows;
  Response error;
};

RequestRowsOrError ReadRequestRows(const ApiContext& ctx, const storage::TableInfo& table,
                                   const proto::PartitionSpec& partition, const Request& req,
                                   bool allow_bad_rows);

// The rows of `data` in `format` (not compressed), as a load's: the request gives the parameters.
// A reject set's replay reads the rows it holds so.
RequestRowsOrError ReadLoadRows(const ApiContext& ctx, const storage::TableInfo& table,
                                const proto::PartitionSpec& partition, const Request& req,
                                BodyFormat format, std::string_view data);

// The partition the request's `partition` parameter names: required on a partitioned table, refused
// on another (where the answer is the empty spec).
Result<proto::PartitionSpec> RequestPartition(const storage::TableInfo& table, const Request& req);

// The zone of the request's `timezone` parameter, else the server's default.
Result<TimeZone> RequestTimeZone(const ApiContext& ctx, const Request& req);

}  // namespace deltatunnel::server
