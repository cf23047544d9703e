// Tables and partitions on the ODPS REST surface (../shared/design/odps-control-plane.md P0-1,
// P0-3, P1-2, P1-3):
//   GET /projects/{p}/tables                         <Tables> (name prefix, marker paging)
//   GET /projects/{p}/tables/{t}[?extended]          <Table> metadata; 404 NoSuchTable
//       ?partition=SPEC                              <Partition>; 404 NoSuchPartition
//       ?partitions[&partition=PREFIX]               <Partitions> (marker paging)
//       ?data&linenum=N[&partition][&cols]           the first N rows as CSV (pyodps head())
// The Tunnel's table download reads (?downloadid...) share the path and are answered by
// HandleTableTunnelGet.
#pragma once

#include "api_context.h"
#include "deltatunnel/server/http_types.h"

namespace deltatunnel::server::odps {

Response HandleListTables(ApiContext& ctx, Request& req);
Response HandleGetTable(ApiContext& ctx, Request& req);
// Tunnel download reads of a table (GET ?downloadid...): the download sessions'
// (tunnel/table_downloads.h).
Response HandleTableTunnelGet(ApiContext& ctx, Request& req);

}  // namespace deltatunnel::server::odps
