// The project and service probes of the ODPS REST surface
// (../shared/design/odps-control-plane.md P0-4, P0-6, P1-5, section 2 "Probes"):
//   GET /projects/{p}[?properties=all|?extended]  <Project> with <Properties>, and the headers
//                                                 x-odps-owner, x-odps-creation-time, Last-Modified
//   GET /projects/{p}/tunnel?service              text/plain host:port of the tunnel endpoint
//   GET /tenants                                  {"Tenant":{"Parameters":{...schema: false}}}
//   GET /logview/host, GET /webconsole/host       the console's URL, as text
// Projects are implicit in deltatunnel (a table's project comes into being with it), so every
// well-formed project name exists; one the key may not use answers 403 before this runs.
#pragma once

#include "api_context.h"
#include "deltatunnel/server/http_types.h"

namespace deltatunnel::server::odps {

Response HandleGetProject(ApiContext& ctx, Request& req);
Response HandleTunnelService(ApiContext& ctx, Request& req);
Response HandleTenants(ApiContext& ctx, Request& req);
Response HandleConsoleHost(ApiContext& ctx, Request& req);

// Where the client reached this server: the Host header, else the configured listen address.
std::string ReachedAddress(const ApiContext& ctx, const Request& req);

}  // namespace deltatunnel::server::odps
