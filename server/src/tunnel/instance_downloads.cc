#include "instance_downloads.h"

#include <fmt/format.h>

#include "api_util.h"
#include "deltatunnel/proto/stream_compressor.h"
#include "download_sessions.h"
#include "session_data.h"

namespace deltatunnel::server {
namespace {

Result<Response> Serve(ApiContext& ctx, const Request& req, const InstanceResultLookup& lookup) {
  const std::string& project = PathParam(req, "project");
  const std::string& instance = PathParam(req, "instance");
  if (req.method == "POST" && req.Query("downloadid") == nullptr) {
    DT_ASSIGN_OR_RETURN(DownloadSource source, lookup(project, instance));
    DT_ASSIGN_OR_RETURN(storage::TableInfo table,
                        ctx.engine->DescribeTable(source.project, source.table));
    DownloadSessionInfo s;
    s.project = table.project;
    s.table = table.name;
    s.instance_id = instance;
    DT_ASSIGN_OR_RETURN(s.partition,
                        ResolveDownloadPartition(*ctx.engine, table, source.partition, false));
    s.version = source.version;
    DT_ASSIGN_OR_RETURN(s.record_count,
                        CountSnapshotRows(*ctx.downloads, *ctx.engine, table.created_at_ms,
                                          {s.project, s.table, s.version, s.partition}));
    DT_ASSIGN_OR_RETURN(s, ctx.downloads->Open(std::move(s)));
    return SessionAnswer(table, s, true);
  }
  if (req.method != "GET" || req.Query("downloadid") == nullptr) {
    return InvalidArgument(
        "an instance download is opened with POST ?downloads and read with GET ?downloadid=ID");
  }
  const std::string id = QueryString(req, "downloadid").value_or("");
  DT_ASSIGN_OR_RETURN(DownloadSessionInfo s, ctx.downloads->Get(id));
  if (s.instance_id != instance || !proto::NamesEqual(s.project, project)) {
    return Status(
        ErrorCode::kNoSuchObject,
        fmt::format("download session '{}' does not belong to instance '{}'", id, instance));
  }
  DT_ASSIGN_OR_RETURN(storage::TableInfo table, ctx.engine->DescribeTable(s.project, s.table));
  if (req.Query("data") != nullptr)
    return SessionData(
        ctx, table, req, s, true,
        {fmt::format("the result of instance '{}'", s.instance_id), "run the statement again"});
  return SessionAnswer(table, s, true);
}

}  // namespace

bool IsInstanceDownloadRequest(const Request& req) {
  return req.Query("downloads") != nullptr || req.Query("downloadid") != nullptr;
}

Response HandleInstanceDownloads(ApiContext& ctx, Request& req,
                                 const InstanceResultLookup& lookup) {
  if (!IsInstanceDownloadRequest(req)) {
    return ErrorResponse({ErrorCode::kNoSuchObject, "no such resource: " + req.path},
                         req.request_id);
  }
  if (req.Query("arrow") != nullptr) {
    // pyodps's Instance.to_pandas asks for Arrow first and reads the record stream on a 405.
    return JsonResponse({{"Code", "MethodNotAllowed"},
                         {"Message", "Arrow downloads are not served; read the record stream"},
                         {"RequestId", req.request_id}},
                        405);
  }
  return Answer(req, [&] { return Serve(ctx, req, lookup); });
}

}  // namespace deltatunnel::server
