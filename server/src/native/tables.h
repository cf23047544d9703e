// The native table surface (api.md section 2 and the versions call of section 4):
//   POST   /api/v1/projects/{project}/tables                       create
//   GET    /api/v1/projects/{project}/tables                       list
//   GET    /api/v1/projects/{project}/tables/{table}               describe
//   DELETE /api/v1/projects/{project}/tables/{table}               drop
//   GET    /api/v1/projects/{project}/tables/{table}/partitions    partitions
//   GET    /api/v1/projects/{project}/tables/{table}/versions      the commit log, newest first
//   GET    /api/v1/projects/{project}/tables/{table}/sessions      upsert sessions within their
//   lifetime
#pragma once

#include "api_context.h"
#include "deltatunnel/server/http_types.h"

namespace deltatunnel::server {

Response HandleCreateTable(ApiContext& ctx, Request& req);
Response HandleListTables(ApiContext& ctx, Request& req);
Response HandleDescribeTable(ApiContext& ctx, Request& req);
// PATCH .../tables/{table} {"properties": {...}}: the table as altered.
Response HandleAlterTable(ApiContext& ctx, Request& req);
Response HandleDropTable(ApiContext& ctx, Request& req);
Response HandleListPartitions(ApiContext& ctx, Request& req);
Response HandleVersions(ApiContext& ctx, Request& req);
// POST .../truncate[?partition=SPEC]: {"versions": [...]}, a version per partition truncated.
Response HandleTruncate(ApiContext& ctx, Request& req);
// DELETE .../partitions?partition=SPEC[&if_exists=true]: {"versions": [...]}.
Response HandleDropPartition(ApiContext& ctx, Request& req);
Response HandleListSessions(ApiContext& ctx, Request& req);

}  // namespace deltatunnel::server
