#include "session_data.h"

#include <fmt/format.h>

#include "api_util.h"
#include "deltatunnel/proto/stream_compressor.h"
#include "download_encoder.h"

namespace deltatunnel::server {

Response SessionAnswer(const storage::TableInfo& table, const DownloadSessionInfo& s,
                       bool partition_columns) {
  nlohmann::json body = {{"DownloadID", s.id},
                         {"Status", "normal"},
                         {"RecordCount", s.record_count},
                         {"Schema", DownloadSchemaJson(table.schema, partition_columns)},
                         {"QuotaName", ""},
                         {"Version", s.version}};
  if (!partition_columns) body["Partition"] = s.partition;
  Response r = JsonResponse(body);
  r.headers["x-deltatunnel-version"] = std::to_string(s.version);
  return r;
}

Result<Response> SessionData(ApiContext& ctx, const storage::TableInfo& table, const Request& req,
                             const DownloadSessionInfo& s, bool partition_columns,
                             const SessionDataText& text) {
  const std::string* rowrange = req.Query("rowrange");
  if (rowrange == nullptr) return InvalidArgument("query parameter 'rowrange' is required");
  DT_ASSIGN_OR_RETURN(RowRange range, ParseRowRange(*rowrange));
  if (range.start > s.record_count || range.count > s.record_count - range.start) {
    return InvalidArgument(
        fmt::format("rowrange ({},{}) is past the end of {}, which holds {} rows", range.start,
                    range.count, text.what, s.record_count));
  }
  DT_ASSIGN_OR_RETURN(DownloadColumns columns,
                      ResolveDownloadColumns(table.schema, QueryString(req, "columns").value_or(""),
                                             partition_columns));
  const std::string encoding = proto::ChooseDownloadEncoding(req.Header("accept-encoding"));
  Result<Response> r = DownloadResponse(*ctx.engine, {s.project, s.table, s.version, s.partition},
                                        columns, range, encoding);
  if (!r.ok() && r.status().code() == ErrorCode::kVersionExpired) {
    return Status(ErrorCode::kVersionExpired,
                  fmt::format("{} reads version {}, which is no longer readable ({}); {}",
                              text.what, s.version, r.status().message(), text.on_expired));
  }
  if (r.ok()) r.value().headers["x-deltatunnel-version"] = std::to_string(s.version);
  return r;
}

}  // namespace deltatunnel::server
