// The instance tunnel (odps-control-plane.md A6, P0-5): the result of an SQL instance's
// `SELECT * FROM t [WHERE partition columns = ...]`, read as a download session:
//   POST /projects/{p}[/schemas/{s}]/instances/{id}?downloads
//   GET  /projects/{p}[/schemas/{s}]/instances/{id}?downloadid=ID                  reload
//   GET  /projects/{p}[/schemas/{s}]/instances/{id}?downloadid=ID&data&rowrange=(s,c)[&columns=]
// As `SELECT *` yields them, the partition columns trail the data columns, in "Schema.columns"
// and in every row. `&arrow` answers 405 MethodNotAllowed (pyodps then reads without it).
//
// The instance side owns instances: it answers, through an InstanceResultLookup, which snapshot
// an instance's SELECT read (table, partition filter, version), and this file serves it.
#pragma once

#include <functional>
#include <string>

#include "api_context.h"
#include "deltatunnel/server/http_types.h"
#include "download_encoder.h"

namespace deltatunnel::server {

// The snapshot the SELECT of instance `instance_id` of `project` read. NoSuchObject (404) for an
// unknown instance; InvalidArgument for an instance that has no SELECT result (pyodps then falls
// back to `?result`).
using InstanceResultLookup = std::function<Result<DownloadSource>(const std::string& project,
                                                                  const std::string& instance_id)>;

// True for the calls above (`downloads` or `downloadid` in the query). The same resource serves
// the instance's status (GET without them), which is the instance side's.
bool IsInstanceDownloadRequest(const Request& req);

// Answers a call above on /projects/{project}/instances/{instance}; 404 NoSuchObject for another.
Response HandleInstanceDownloads(ApiContext& ctx, Request& req, const InstanceResultLookup& lookup);

}  // namespace deltatunnel::server
