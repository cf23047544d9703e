#include "table_downloads.h"

#include <fmt/format.h>

#include "api_util.h"
#include "deltatunnel/proto/stream_compressor.h"
#include "download_encoder.h"
#include "download_sessions.h"
#include "session_data.h"

namespace deltatunnel::server {
namespace {

Result<Response> Open(ApiContext& ctx, const storage::TableInfo& table, const Request& req) {
  DownloadSessionInfo s;
  s.project = table.project;
  s.table = table.name;
  DT_ASSIGN_OR_RETURN(s.partition,
                      ResolveDownloadPartition(*ctx.engine, table,
                                               QueryString(req, "partition").value_or(""), true));
  // The snapshot is the version DescribeTable saw: commits landing from here on are not in it.
  s.version = table.version;
  DT_ASSIGN_OR_RETURN(s.record_count,
                      CountSnapshotRows(*ctx.downloads, *ctx.engine, table.created_at_ms,
                                        {s.project, s.table, s.version, s.partition}));
  DT_ASSIGN_OR_RETURN(s, ctx.downloads->Open(std::move(s)));
  return SessionAnswer(table, s, false);
}

// The session named by `downloadid`, checked to belong to this table and partition.
Result<DownloadSessionInfo> Load(ApiContext& ctx, const storage::TableInfo& table,
                                 const Request& req) {
  const std::string id = QueryString(req, "downloadid").value_or("");
  DT_ASSIGN_OR_RETURN(DownloadSessionInfo s, ctx.downloads->Get(id));
  if (!proto::NamesEqual(s.project, table.project) || !proto::NamesEqual(s.table, table.name)) {
    return Status(
        ErrorCode::kNoSuchObject,
        fmt::format("download session '{}' does not belong to table '{}'", id, table.name));
  }
  if (auto p = QueryString(req, "partition")) {
    DT_ASSIGN_OR_RETURN(std::string partition,
                        ResolveDownloadPartition(*ctx.engine, table, *p, false));
    if (partition != s.partition) {
      return InvalidArgument(fmt::format("partition '{}' differs from the download session's '{}'",
                                         partition, s.partition));
    }
  }
  return s;
}

Response MethodNotAllowed(const Request& req, std::string message) {
  return JsonResponse({{"Code", "MethodNotAllowed"},
                       {"Message", std::move(message)},
                       {"RequestId", req.request_id}},
                      405);
}

}  // namespace

bool IsTableDownloadRequest(const Request& req) {
  return req.Query("downloads") != nullptr || req.Query("downloadid") != nullptr;
}

Response HandleTableDownloads(ApiContext& ctx, Request& req) {
  // Batch upload sessions (DataX, SeaTunnel's default mode, Flink's insert mode): their blocks
  // replace or append whole rows with no key semantics, and a deltatunnel table is a primary-key
  // table. Refused by name at the first request, instead of a 404 that reads as "no such table".
  if (req.Query("uploads") != nullptr || req.Query("uploadid") != nullptr) {
    return MethodNotAllowed(
        req,
        "batch upload sessions (?uploads) are not served: deltatunnel tables are primary-key "
        "tables, written through upsert sessions (POST .../upserts: pyodps "
        "create_upsert_session, the Java SDK's buildUpsertSession, SeaTunnel insert_strategy = "
        "upsert) or the native POST /api/v1/projects/{p}/tables/{t}/load");
  }
  if (!IsTableDownloadRequest(req)) {
    return ErrorResponse({ErrorCode::kNoSuchObject, "no such resource: " + req.path},
                         req.request_id);
  }
  if (req.method == "GET" && req.Query("downloadid") != nullptr && req.Query("arrow") != nullptr) {
    return MethodNotAllowed(req, "Arrow downloads are not served; read the record stream");
  }
  return Answer(req, [&]() -> Result<Response> {
    DT_ASSIGN_OR_RETURN(
        storage::TableInfo table,
        ctx.engine->DescribeTable(PathParam(req, "project"), PathParam(req, "table")));
    if (req.method == "POST" && req.Query("downloadid") == nullptr) return Open(ctx, table, req);
    if (req.method != "GET" || req.Query("downloadid") == nullptr) {
      return InvalidArgument(
          "a download session is opened with POST ?downloads and read with GET ?downloadid=ID");
    }
    DT_ASSIGN_OR_RETURN(DownloadSessionInfo s, Load(ctx, table, req));
    if (req.Query("data") != nullptr)
      return SessionData(
          ctx, table, req, s, false,
          {fmt::format("download session '{}'", s.id), "open a new download session"});
    return SessionAnswer(table, s, false);
  });
}

}  // namespace deltatunnel::server
