#include "native/tables.h"

#include <algorithm>

#include "api_util.h"
#include "table_json.h"

namespace deltatunnel::server {
namespace {

const std::string& Project(const Request& req) { return PathParam(req, "project"); }
const std::string& Table(const Request& req) { return PathParam(req, "table"); }

}  // namespace

Response HandleCreateTable(ApiContext& ctx, Request& req) {
  return Answer(req, [&]() -> Result<Response> {
    DT_ASSIGN_OR_RETURN(nlohmann::json body, ParseJsonBody(req));
    DT_ASSIGN_OR_RETURN(storage::TableDef def, ParseTableDef(Project(req), body));
    DT_RETURN_IF_ERROR(CheckWritable(ctx));
    DT_ASSIGN_OR_RETURN(storage::TableInfo info, ctx.engine->CreateTable(def));
    return JsonResponse(TableInfoJson(info), 201);
  });
}

Response HandleListTables(ApiContext& ctx, Request& req) {
  return Answer(req, [&]() -> Result<Response> {
    DT_ASSIGN_OR_RETURN(std::vector<storage::TableInfo> tables,
                        ctx.engine->ListTables(Project(req)));
    nlohmann::json list = nlohmann::json::array();
    for (const auto& t : tables) list.push_back(TableInfoJson(t));
    return JsonResponse({{"tables", std::move(list)}});
  });
}

Response HandleAlterTable(ApiContext& ctx, Request& req) {
  return Answer(req, [&]() -> Result<Response> {
    DT_ASSIGN_OR_RETURN(nlohmann::json body, ParseJsonBody(req));
    const bool schema = body.is_object() && !body.empty() &&
                        std::all_of(body.items().begin(), body.items().end(), [](const auto& kv) {
                          return kv.key() == "add_columns" || kv.key() == "rename_columns" ||
                                 kv.key() == "change_column_types";
                        });
    if (schema) {
      DT_ASSIGN_OR_RETURN(storage::SchemaChange change, ParseSchemaChange(body));
      DT_ASSIGN_OR_RETURN(storage::TableInfo info,
                          ctx.engine->AlterSchema(Project(req), Table(req), change));
      return JsonResponse(TableInfoJson(info));
    }
    if (!body.is_object() || !body.contains("properties") || body.size() != 1) {
      return InvalidArgument(
          "the body must be {\"properties\": {\"key\": \"value\", ...}}, or a schema change: "
          "{\"add_columns\": [...], \"rename_columns\": [...], \"change_column_types\": [...]} "
          "(one request each)");
    }
    DT_ASSIGN_OR_RETURN(auto properties, ParseProperties(body["properties"]));
    DT_ASSIGN_OR_RETURN(storage::TableInfo info,
                        ctx.engine->AlterTable(Project(req), Table(req), properties));
    return JsonResponse(TableInfoJson(info));
  });
}

Response HandleDescribeTable(ApiContext& ctx, Request& req) {
  return Answer(req, [&]() -> Result<Response> {
    DT_ASSIGN_OR_RETURN(storage::TableInfo info,
                        ctx.engine->DescribeTable(Project(req), Table(req)));
    return JsonResponse(TableInfoJson(info));
  });
}

Response HandleDropTable(ApiContext& ctx, Request& req) {
  return Answer(req, [&]() -> Result<Response> {
    DT_RETURN_IF_ERROR(ctx.engine->DropTable(Project(req), Table(req)));
    Response r;
    r.status = 204;
    return r;
  });
}

Response HandleListPartitions(ApiContext& ctx, Request& req) {
  return Answer(req, [&]() -> Result<Response> {
    DT_ASSIGN_OR_RETURN(std::vector<storage::PartitionInfo> parts,
                        ctx.engine->ListPartitions(Project(req), Table(req)));
    nlohmann::json list = nlohmann::json::array();
    for (const auto& p : parts) list.push_back(PartitionInfoJson(p));
    return JsonResponse({{"partitions", std::move(list)}});
  });
}

namespace {

nlohmann::json VersionsJson(const std::vector<storage::CommitInfo>& commits) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& c : commits) list.push_back(CommitInfoJson(c));
  return {{"versions", std::move(list)}};
}

}  // namespace

Response HandleTruncate(ApiContext& ctx, Request& req) {
  return Answer(req, [&]() -> Result<Response> {
    DT_RETURN_IF_ERROR(CheckWritable(ctx));
    DT_ASSIGN_OR_RETURN(
        std::vector<storage::CommitInfo> made,
        ctx.engine->Truncate(Project(req), Table(req), QueryString(req, "partition")));
    return JsonResponse(VersionsJson(made));
  });
}

Response HandleDropPartition(ApiContext& ctx, Request& req) {
  return Answer(req, [&]() -> Result<Response> {
    const std::optional<std::string> partition = QueryString(req, "partition");
    if (!partition) return InvalidArgument("partition=SPEC is required: the partition to drop");
    const std::string if_exists = QueryString(req, "if_exists").value_or("false");
    if (if_exists != "true" && if_exists != "false") {
      return InvalidArgument("if_exists must be true or false, not '" + if_exists + "'");
    }
    DT_RETURN_IF_ERROR(CheckWritable(ctx));
    DT_ASSIGN_OR_RETURN(
        std::vector<storage::CommitInfo> made,
        ctx.engine->DropPartitions(Project(req), Table(req), {*partition}, if_exists == "true"));
    return JsonResponse(VersionsJson(made));
  });
}

Response HandleVersions(ApiContext& ctx, Request& req) {
  return Answer(req, [&]() -> Result<Response> {
    DT_ASSIGN_OR_RETURN(uint64_t limit, QueryUint(req, "limit", 100, 1, 100000));
    DT_ASSIGN_OR_RETURN(std::vector<storage::CommitInfo> commits,
                        ctx.engine->Versions(Project(req), Table(req), limit));
    return JsonResponse(VersionsJson(commits));
  });
}

Response HandleListSessions(ApiContext& ctx, Request& req) {
  return Answer(req, [&]() -> Result<Response> {
    DT_ASSIGN_OR_RETURN(std::vector<storage::SessionInfo> sessions,
                        ctx.engine->ListSessions(Project(req), Table(req)));
    nlohmann::json list = nlohmann::json::array();
    for (const auto& s : sessions) list.push_back(SessionInfoJson(s));
    return JsonResponse({{"sessions", std::move(list)}});
  });
}

}  // namespace deltatunnel::server
