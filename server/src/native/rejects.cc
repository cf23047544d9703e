#include "native/rejects.h"

#include <fmt/format.h>

#include <charconv>

#include "api_util.h"
#include "deltatunnel/server/format_body.h"
#include "native/load_commit.h"
#include "request_rows.h"

namespace deltatunnel::server {
namespace {

const std::string& Project(const Request& req) { return PathParam(req, "project"); }
const std::string& Table(const Request& req) { return PathParam(req, "table"); }

Result<uint64_t> SetId(const Request& req) {
  const std::string& text = PathParam(req, "reject");
  uint64_t id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size() || id == 0) {
    return Status(ErrorCode::kNoSuchObject, fmt::format("'{}' is not a reject set's id", text));
  }
  return id;
}

nlohmann::json SetJson(const storage::RejectSetInfo& s) {
  return {{"id", s.id},
          {"partition", s.partition},
          {"format", s.format},
          {"created_at", TimeOrNull(s.created_at_ms)},
          {"load_version", s.load_version},
          {"rows", s.rows},
          {"bytes", s.bytes},
          {"replayed_version", s.replayed_version},
          {"replayed_at", TimeOrNull(s.replayed_at_ms)}};
}

// The set's rows as the body they came in: NDJSON lines, CSV records under the header, or the
// elements of one JSON array.
std::string RowsText(const storage::RejectSet& set) {
  std::string out;
  if (set.info.format == "json") {
    out = "[";
    for (size_t i = 0; i < set.rows.size(); ++i) {
      out += (i == 0 ? "\n" : ",\n") + set.rows[i].text;
    }
    return out + "\n]\n";
  }
  if (set.info.format == "csv") out = set.info.csv_header + "\n";
  for (const auto& r : set.rows) out += r.text + "\n";
  return out;
}

Result<Response> List(ApiContext& ctx, Request& req) {
  DT_ASSIGN_OR_RETURN(std::vector<storage::RejectSetInfo> sets,
                      ctx.engine->ListRejectSets(Project(req), Table(req)));
  nlohmann::json out = nlohmann::json::array();
  uint64_t rows = 0, bytes = 0;
  for (const auto& s : sets) {
    out.push_back(SetJson(s));
    if (s.replayed_at_ms == 0) {
      rows += s.rows;
      bytes += s.bytes;
    }
  }
  return JsonResponse({{"rejects", out}, {"rows", rows}, {"bytes", bytes}});
}

Result<Response> Get(ApiContext& ctx, Request& req) {
  DT_ASSIGN_OR_RETURN(const uint64_t id, SetId(req));
  DT_ASSIGN_OR_RETURN(storage::RejectSet set,
                      ctx.engine->GetRejectSet(Project(req), Table(req), id));
  nlohmann::json out = SetJson(set.info);
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& r : set.rows) {
    nlohmann::json j = {{"line", r.line}};
    if (!r.column.empty()) j["column"] = r.column;
    j["reason"] = r.reason;
    j["text"] = r.text;
    rows.push_back(std::move(j));
  }
  out["rejected"] = std::move(rows);
  return JsonResponse(out);
}

Result<Response> Rows(ApiContext& ctx, Request& req) {
  DT_ASSIGN_OR_RETURN(const uint64_t id, SetId(req));
  DT_ASSIGN_OR_RETURN(storage::RejectSet set,
                      ctx.engine->GetRejectSet(Project(req), Table(req), id));
  if (set.info.replayed_at_ms != 0) {
    return Status(ErrorCode::kStatusConflict,
                  fmt::format("reject set {} was replayed (version {}): its rows are gone", id,
                              set.info.replayed_version));
  }
  DT_ASSIGN_OR_RETURN(BodyFormat format, ParseBodyFormat(set.info.format));
  Response r;
  r.headers["content-type"] = std::string(ContentTypeOf(format));
  r.body = RowsText(set);
  return r;
}

Result<Response> Replay(ApiContext& ctx, Request& req) {
  const auto start = std::chrono::steady_clock::now();
  DT_ASSIGN_OR_RETURN(const uint64_t id, SetId(req));
  DT_ASSIGN_OR_RETURN(storage::TableInfo table,
                      ctx.engine->DescribeTable(Project(req), Table(req)));
  // The header only: the rows are read when they are what is replayed.
  DT_ASSIGN_OR_RETURN(storage::RejectSetInfo info,
                      ctx.engine->GetRejectSetInfo(table.project, table.name, id));
  if (info.replayed_at_ms != 0) {
    return Status(ErrorCode::kStatusConflict,
                  fmt::format("reject set {} of table '{}' was replayed already (version {})", id,
                              table.name, info.replayed_version));
  }
  if (req.Query("partition") != nullptr) {
    return InvalidArgument("a replay loads into its set's partition: no 'partition' parameter");
  }
  DT_ASSIGN_OR_RETURN(proto::PartitionSpec partition,
                      proto::ParsePartitionSpec(table.schema, info.partition));
  DT_RETURN_IF_ERROR(CheckWritable(ctx));
  // Without a body, the rows as they are (after an ALTER that makes them fit, say); with one, the
  // corrected rows, in the format its Content-Type names.
  RequestRowsOrError body;
  if (req.body.empty()) {
    DT_ASSIGN_OR_RETURN(storage::RejectSet set,
                        ctx.engine->GetRejectSet(table.project, table.name, id));
    DT_ASSIGN_OR_RETURN(BodyFormat format, ParseBodyFormat(set.info.format));
    const std::string text = RowsText(set);
    body = ReadLoadRows(ctx, table, partition, req, format, text);
  } else {
    body = ReadRequestRows(ctx, table, partition, req, true);
  }
  if (!body.rows) return std::move(body.error);
  DT_RETURN_IF_ERROR(req.Interrupted());
  std::string().swap(req.body);
  if (body.rows->batch.size() == 0 && body.rows->result.rejected.empty()) {
    return InvalidArgument(
        "the replay holds no rows: send the corrected rows, or purge the set to discard it");
  }
  LoadRequest load;
  load.table = &table;
  load.partition = &partition;
  load.rows = &*body.rows;
  load.replays = id;
  load.start = start;
  DT_ASSIGN_OR_RETURN(nlohmann::json result, CommitLoadRows(ctx, load));
  result["replayed"] = id;
  return JsonResponse(result);
}

Result<Response> PurgeAll(ApiContext& ctx, Request& req) {
  DT_ASSIGN_OR_RETURN(std::vector<uint64_t> ids,
                      ctx.engine->PurgeRejectSets(Project(req), Table(req), std::nullopt));
  return JsonResponse({{"purged", ids}});
}

Result<Response> PurgeOne(ApiContext& ctx, Request& req) {
  DT_ASSIGN_OR_RETURN(const uint64_t id, SetId(req));
  DT_RETURN_IF_ERROR(ctx.engine->PurgeRejectSets(Project(req), Table(req), id).status());
  Response r;
  r.status = 204;
  return r;
}

}  // namespace

Response HandleListRejects(ApiContext& ctx, Request& req) {
  return Answer(req, [&] { return List(ctx, req); });
}
Response HandleGetRejects(ApiContext& ctx, Request& req) {
  return Answer(req, [&] { return Get(ctx, req); });
}
Response HandleRejectRows(ApiContext& ctx, Request& req) {
  return Answer(req, [&] { return Rows(ctx, req); });
}
Response HandleReplayRejects(ApiContext& ctx, Request& req) {
  return Answer(req, [&] { return Replay(ctx, req); });
}
Response HandlePurgeRejects(ApiContext& ctx, Request& req) {
  return Answer(req, [&] { return PurgeAll(ctx, req); });
}
Response HandlePurgeRejectSet(ApiContext& ctx, Request& req) {
  return Answer(req, [&] { return PurgeOne(ctx, req); });
}

}  // namespace deltatunnel::server
