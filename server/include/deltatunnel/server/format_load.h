// Loading a body into rows (api.md section 3): NDJSON, CSV or a JSON array becomes rows in a
// proto::RowBatch, which checks, encodes and buckets them.
//
// Row objects (NDJSON lines, JSON array elements) and CSV headers name columns in any case; "__op"
// is "upsert" (the default) or "delete". An unknown or repeated key is refused. A partition column
// may appear and must then equal the request's partition value; it is not stored in the row. A
// delete keeps only the key columns: other values in its object are checked for type, then dropped.
// With partial_update, an upsert updates the columns its object (or the CSV header) names.
//
// Bad rows: each is reported as {line, column, reason} with `line` the 1-based line of the body
// (a CSV record's first line; the header is line 1) or the 1-based element of a JSON array. Up to
// max_bad_rows bad rows are skipped and listed; one more refuses the whole body. Errors of the body
// itself (malformed JSON array, CSV header, an unterminated quote) always refuse it.
//
// Example, a one-shot load:
//   LoadOptions options{.partition = &spec, .time_zone = &zone, .max_bad_rows = 10};
//   proto::RowBatch batch(schema, hasher, bucket_count);
//   LoadResult r = ReadBody(format, request.body, options, &batch);
//   if (r.refused) return ErrorAnswer(r.ToStatus(), RowErrorsJson(r.errors));
//   commit(batch); answer {"rows": r.rows, ..., "skipped": RowErrorsJson(r.skipped)}
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "deltatunnel/proto/partition_spec.h"
#include "deltatunnel/proto/row_batch.h"
#include "deltatunnel/proto/status.h"
#include "deltatunnel/server/format_body.h"
#include "deltatunnel/server/format_time_zone.h"

namespace deltatunnel::server {

struct LoadOptions {
  const proto::PartitionSpec* partition = nullptr;  // required; canonical "" when not partitioned
  const TimeZone* time_zone = nullptr;              // nullptr: UTC
  bool partial_update = false;
  uint64_t max_bad_rows = 0;
  size_t max_listed_errors = 20;     // bound on `errors`
  size_t max_listed_skipped = 1000;  // bound on `skipped`
  // Keep every skipped row with its text in LoadResult::rejected, for the reject quarantine.
  bool keep_rejected = false;
};

struct RowError {
  uint64_t line = 0;
  std::string column;  // as the table names it; "" when the error is not about one column
  std::string reason;
  // The row as the body has it (an NDJSON line, a CSV record without its line break, a JSON
  // array's element), only in LoadResult::rejected; it may not be UTF-8.
  std::string text;
  friend bool operator==(const RowError&, const RowError&) = default;
};

struct LoadResult {
  // What this body added to the batch (zero when refused).
  uint64_t rows = 0;
  uint64_t upserts = 0;
  uint64_t deletes = 0;
  uint64_t bytes = 0;  // encoded bytes
  uint64_t bad_rows = 0;
  bool refused = false;
  std::vector<RowError> errors;   // when refused: the first errors, in body order
  std::vector<RowError> skipped;  // when not refused: the bad rows skipped, in body order
  // With keep_rejected, when not refused: every bad row skipped, with its text, in body order.
  std::vector<RowError> rejected;
  std::string csv_header;  // a CSV body's header line as sent, without its line break

  // Ok, or InvalidArgument whose message sums up the errors ("3 bad rows (max_bad_rows is 0);
  // line 17, column 'amount': ...").
  Status ToStatus() const;
};

// Use one batch per body: a refused body clears the batch, so nothing of it goes on to storage.
// The batch's schema is the table's.
LoadResult ReadNdjson(std::string_view body, const LoadOptions& options, proto::RowBatch* batch);
LoadResult ReadCsv(std::string_view body, const LoadOptions& options, proto::RowBatch* batch);
LoadResult ReadJsonArray(std::string_view body, const LoadOptions& options, proto::RowBatch* batch);
LoadResult ReadBody(BodyFormat format, std::string_view body, const LoadOptions& options,
                    proto::RowBatch* batch);

// [{"line": 17, "column": "amount", "reason": "..."}, ...]; "column" is left out when empty, and
// "text" (non-UTF-8 bytes as U+FFFD) is there when not empty.
nlohmann::json RowErrorsJson(const std::vector<RowError>& errors);

}  // namespace deltatunnel::server
