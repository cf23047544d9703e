// Tables and partitions on the ODPS REST surface (../shared/design/odps-control-plane.md P0-1,
// P0-3, P1-2, P1-3):
//   GET /projects/{p}/tables                         <Tables> (name prefix, marker paging)
//   GET /projects/{p}/tables/{t}[?extended]          <Table> metadata; 404 NoSuchTable
//       ?partition=SPEC                              <Partition>; 404 NoSuchPartition
//       ?partitions[&partition=PREFIX]               <Partitions> (marker paging)
// The Tunnel's table download requests (?downloadid, ?data) share the path and are answered by
// HandleTableTunnelGet.
#pragma once

#include "api_context.h"
#include "deltatunnel/server/http_types.h"

namespace deltatunnel::server::odps {

Response HandleListTables(ApiContext& ctx, Request& req);
Response HandleGetTable(ApiContext& ctx, Request& req);
// Tunnel download reads of a table (GET ?downloadid..., ?data...): not in this build.
Response HandleTableTunnelGet(ApiContext& ctx, Request& req);

}  // namespace deltatunnel::server::odps
