#include "native/compaction.h"

#include <map>

#include "api_util.h"

namespace deltatunnel::server {
namespace {

nlohmann::json CompactionJson(const storage::CompactionInfo& c) {
  return {{"id", c.id},
          {"project", c.project},
          {"table", c.table},
          {"partition", c.partition ? nlohmann::json(*c.partition) : nlohmann::json(nullptr)},
          {"state", c.state},
          {"automatic", c.automatic},
          {"input_rows", c.input_rows},
          {"input_bytes", c.input_bytes},
          {"output_rows", c.output_rows},
          {"output_bytes", c.output_bytes},
          {"queued_at", TimeOrNull(c.queued_at_ms)},
          {"started_at", TimeOrNull(c.started_at_ms)},
          {"finished_at", TimeOrNull(c.finished_at_ms)},
          {"error", c.error.empty() ? nlohmann::json(nullptr) : nlohmann::json(c.error)}};
}

}  // namespace

Response HandleCompact(ApiContext& ctx, Request& req) {
  return Answer(req, [&]() -> Result<Response> {
    DT_ASSIGN_OR_RETURN(storage::CompactionInfo c,
                        ctx.engine->Compact(PathParam(req, "project"), PathParam(req, "table"),
                                            QueryString(req, "partition")));
    nlohmann::json body = CompactionJson(c);
    return JsonResponse(body, 202);
  });
}

Response HandleListCompactions(ApiContext& ctx, Request& req) {
  return Answer(req, [&]() -> Result<Response> {
    const std::optional<std::string> project = QueryString(req, "project");
    nlohmann::json list = nlohmann::json::array();
    // Only the projects the caller's credential grants (a project's tables, partitions and row
    // counts are its own): each project is checked once.
    std::map<std::string, bool> granted;
    auto allowed = [&](const std::string& p) {
      if (ctx.auth == nullptr || !ctx.auth->enabled()) return true;
      auto [it, fresh] = granted.emplace(p, false);
      if (fresh) it->second = ctx.auth->Check(req, p).ok();
      return it->second;
    };
    for (const auto& c : ctx.engine->Compactions()) {
      if (project && !proto::NamesEqual(*project, c.project)) continue;
      if (allowed(c.project)) list.push_back(CompactionJson(c));
    }
    return JsonResponse({{"compactions", std::move(list)}});
  });
}

}  // namespace deltatunnel::server
