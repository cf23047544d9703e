#include "odps/project.h"

#include <fmt/format.h>

#include <algorithm>

#include "deltatunnel/proto/schema.h"
#include "odps/reply.h"
#include "odps/table_xml.h"
#include "odps/xml.h"

namespace deltatunnel::server::odps {
namespace {

Response Text(std::string body) {
  Response r;
  r.headers["content-type"] = "text/plain";
  r.body = std::move(body);
  return r;
}

bool HasKey(const Request& req, std::string_view key) {
  return std::any_of(req.query.begin(), req.query.end(),
                     [&](const auto& kv) { return kv.first == key; });
}

}  // namespace

std::string ReachedAddress(const ApiContext& ctx, const Request& req) {
  const std::string_view host = req.Header("host");
  return host.empty() ? ctx.worker_addr : std::string(host);
}

Response HandleGetProject(ApiContext& ctx, Request& req) {
  const std::string& project = req.params.at("project");
  if (!proto::IsValidName(project)) {
    return ErrorXml({ErrorCode::kNoSuchProject, fmt::format("project '{}' not found", project)},
                    req.request_id);
  }
  // The project's creation is its first table's; a project with none yet is new.
  int64_t created_ms = 0;
  if (auto tables = ctx.engine->ListTables(project); tables.ok()) {
    for (const storage::TableInfo& t : *tables) {
      if (created_ms == 0 || t.created_at_ms < created_ms) created_ms = t.created_at_ms;
    }
  }
  const std::string properties =
      "<Property><Name>odps.schema.model.enabled</Name><Value>false</Value></Property>"
      "<Property><Name>odps.sql.type.system.odps2</Name><Value>true</Value></Property>"
      "<Property><Name>odps.timezone</Name><Value>" +
      XmlEscape(ctx.default_timezone) + "</Value></Property>";
  Response r = XmlResponse(fmt::format(
      "<Project><Name>{0}</Name><Type>managed</Type><Comment></Comment><Owner>{1}</Owner>"
      "<State>AVAILABLE</State><ProjectGroupName></ProjectGroupName>"
      "<Properties>{2}</Properties></Project>",
      XmlEscape(project), XmlEscape(kOwner), properties));
  r.headers["x-odps-owner"] = std::string(kOwner);
  r.headers["x-odps-creation-time"] = HttpDate(created_ms);
  r.headers["last-modified"] = HttpDate(created_ms);
  return r;
}

Response HandleTunnelService(ApiContext& ctx, Request& req) {
  if (!HasKey(req, "service")) {
    return ErrorXml({ErrorCode::kInvalidArgument, "GET /projects/{p}/tunnel takes ?service"},
                    req.request_id);
  }
  // The address the client reached: behind a port map that is the outside one, which the
  // configured listen address is not.
  return Text(ReachedAddress(ctx, req));
}

Response HandleTenants(ApiContext&, Request&) {
  Response r;
  r.headers["content-type"] = "application/json";
  r.body = R"({"Tenant":{"Parameters":{"odps.namespace.schema":"false"}}})";
  return r;
}

Response HandleConsoleHost(ApiContext& ctx, Request& req) {
  return Text(fmt::format("http://{}/console/", ReachedAddress(ctx, req)));
}

}  // namespace deltatunnel::server::odps
