#include "odps/routes.h"

#include "odps/instances.h"
#include "odps/project.h"
#include "odps/tables.h"

namespace deltatunnel::server::odps {

void RegisterOdpsRoutes(const AddRoute& add) {
  for (std::string_view p : kPrefixes) {
    const std::string prefix(p);
    const std::string project = prefix + "/projects/{project}";
    const std::string tables = project + "[/schemas/{schema}]/tables";
    add("GET", project, HandleGetProject);
    add("GET", project + "/tunnel", HandleTunnelService);
    add("GET", tables, HandleListTables);
    add("GET", tables + "/{table}", HandleGetTable);
    add("POST", project + "/instances", HandleCreateInstance);
    add("GET", project + "/instances/{instance}", HandleGetInstance);
    add("POST", project + "/instances/{instance}", HandleInstanceTunnel);
    add("GET", prefix + "/tenants", HandleTenants);
    add("GET", prefix + "/logview/host", HandleConsoleHost);
    add("GET", prefix + "/webconsole/host", HandleConsoleHost);
  }
}

std::string_view SignedPath(std::string_view path) {
  constexpr std::string_view kApi = "/api";
  if (path.substr(0, kApi.size()) != kApi) return path;
  const std::string_view rest = path.substr(kApi.size());
  for (std::string_view first : {"/projects", "/tenants", "/logview", "/webconsole"}) {
    if (rest.substr(0, first.size()) == first &&
        (rest.size() == first.size() || rest[first.size()] == '/')) {
      return rest;
    }
  }
  return path;
}

}  // namespace deltatunnel::server::odps
