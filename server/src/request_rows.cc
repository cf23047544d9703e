#include "request_rows.h"

#include <fmt/format.h>

#include "api_util.h"
#include "deltatunnel/proto/compression.h"
#include "deltatunnel/server/format_body.h"
#include "request_memory.h"

namespace deltatunnel::server {

Result<TimeZone> RequestTimeZone(const ApiContext& ctx, const Request& req) {
  if (auto tz = QueryString(req, "timezone")) return TimeZone::Parse(*tz);
  return TimeZone::Parse(ctx.default_timezone);
}

Result<proto::PartitionSpec> RequestPartition(const storage::TableInfo& table, const Request& req) {
  const std::string* raw = req.Query("partition");
  const bool partitioned = !table.schema.partition_columns.empty();
  if (partitioned && (raw == nullptr || raw->empty())) {
    return InvalidArgument(fmt::format(
        "table '{}' is partitioned: the 'partition' parameter is required", table.name));
  }
  if (!partitioned && raw != nullptr && !raw->empty()) {
    return InvalidArgument(fmt::format(
        "table '{}' is not partitioned: the 'partition' parameter must be absent", table.name));
  }
  return proto::ParsePartitionSpec(table.schema, raw == nullptr ? std::string_view() : *raw);
}

namespace {

Result<LoadOptions> Options(const storage::TableInfo& table, const Request& req,
                            bool allow_bad_rows) {
  LoadOptions options;
  if (const std::string* p = req.Query("partial_update"); p != nullptr) {
    if (*p == "true") {
      if (!table.partial_update) {
        return InvalidArgument(fmt::format(
            "partial_update=true needs the table property acid.partial.fields.update.enable=true "
            "on table '{}'",
            table.name));
      }
      options.partial_update = true;
    } else if (*p != "false" && !p->empty()) {
      return InvalidArgument("query parameter 'partial_update' must be true or false");
    }
  }
  if (allow_bad_rows) {
    DT_ASSIGN_OR_RETURN(options.max_bad_rows, QueryUint(req, "max_bad_rows", 0, 0, UINT64_MAX));
    options.keep_rejected = options.max_bad_rows > 0;
  } else if (req.Query("max_bad_rows") != nullptr) {
    return InvalidArgument("'max_bad_rows' applies to one-shot loads only");
  }
  return options;
}

RequestRowsOrError Decode(const ApiContext& ctx, const storage::TableInfo& table,
                          const Request& req, BodyFormat format, const LoadOptions& options,
                          std::string_view data) {
  RequestRowsOrError out;
  RequestRows rows{format, proto::RowBatch(table.schema, table.hasher, table.bucket_num), {}, {}};
  // The decoded rows, encoded in the batch, take about as many bytes as their text (measured:
  // amplification_test.cc's NDJSON load), reserved before they are decoded.
  if (Status s = ReserveMemory(ctx, data.size(), &rows.grant); !s.ok()) {
    out.error = ErrorResponse(s, req.request_id);
    return out;
  }
  rows.result = ReadBody(format, data, options, &rows.batch);
  if (rows.result.refused) {
    out.error = ErrorResponse(rows.result.ToStatus(), req.request_id);
    nlohmann::json body = nlohmann::json::parse(out.error.body);
    body["errors"] = RowErrorsJson(rows.result.errors);
    out.error.body = body.dump();
    return out;
  }
  out.rows.emplace(std::move(rows));
  return out;
}

// The request's load options, partition and zone set; `zone` holds the zone.
Result<LoadOptions> RequestOptions(const ApiContext& ctx, const storage::TableInfo& table,
                                   const proto::PartitionSpec& partition, const Request& req,
                                   bool allow_bad_rows, std::optional<TimeZone>* zone) {
  DT_ASSIGN_OR_RETURN(LoadOptions options, Options(table, req, allow_bad_rows));
  DT_ASSIGN_OR_RETURN(*zone, RequestTimeZone(ctx, req));
  options.partition = &partition;
  options.time_zone = &zone->value();
  return options;
}

}  // namespace

RequestRowsOrError ReadLoadRows(const ApiContext& ctx, const storage::TableInfo& table,
                                const proto::PartitionSpec& partition, const Request& req,
                                BodyFormat format, std::string_view data) {
  std::optional<TimeZone> zone;
  auto options = RequestOptions(ctx, table, partition, req, true, &zone);
  if (!options.ok()) return {std::nullopt, ErrorResponse(options.status(), req.request_id)};
  return Decode(ctx, table, req, format, *options, data);
}

RequestRowsOrError ReadRequestRows(const ApiContext& ctx, const storage::TableInfo& table,
                                   const proto::PartitionSpec& partition, const Request& req,
                                   bool allow_bad_rows) {
  RequestRowsOrError out;
  auto fail = [&](const Status& s) {
    out.error = ErrorResponse(s, req.request_id);
    return std::move(out);
  };
  auto format = BodyFormatFromContentType(req.Header("content-type"));
  if (!format.ok()) return fail(format.status());
  std::optional<TimeZone> zone;
  auto options = RequestOptions(ctx, table, partition, req, allow_bad_rows, &zone);
  if (!options.ok()) return fail(options.status());

  // NDJSON, CSV and JSON bodies are compressed as record streams are (wire-format.md section 4).
  std::string decompressed;
  MemoryBudget::Grant inflated_grant;  // held while `decompressed` is
  std::string_view data = req.body;
  const std::string_view encoding = req.Header("content-encoding");
  if (!proto::IsIdentityEncoding(encoding)) {
    if (!proto::IsKnownEncoding(encoding)) {
      return fail({ErrorCode::kUnsupportedMediaType,
                   fmt::format("Content-Encoding '{}' is not supported: use identity, deflate, "
                               "x-snappy-framed, x-lz4-frame, zstd or gzip",
                               encoding)});
    }
    auto limit = ReserveDecompression(ctx, &inflated_grant);
    if (!limit.ok()) return fail(limit.status());
    auto inflated = proto::Decompress(encoding, req.body, *limit);
    if (!inflated.ok()) return fail(inflated.status());
    decompressed = std::move(inflated).value();
    data = decompressed;
  }
  return Decode(ctx, table, req, *format, *options, data);
}

}  // namespace deltatunnel::server
