// Table download sessions on the Tunnel surface (odps-control-plane.md A8, B4, P1-1), on the
// table's own resource `/projects/{p}[/schemas/{s}]/tables/{t}`:
//   POST ?downloads[&partition=SPEC][&asyncmode=true]   open a session on the latest version
//   GET  ?downloadid=ID                                  reload it
//   GET  ?downloadid=ID&data&rowrange=(s,c)[&columns=a,b][&partition=SPEC]
//                                                        rows [s, s+c) of its snapshot, a record
//                                                        stream compressed per Accept-Encoding
// The session JSON: {"DownloadID", "Status": "normal", "RecordCount", "Schema", "QuotaName"}.
#pragma once

#include "api_context.h"
#include "deltatunnel/server/http_types.h"

namespace deltatunnel::server {

// True for the download calls above (`downloads` or `downloadid` in the query). The same resource
// also serves the ODPS table metadata (GET without them), which is another handler's.
bool IsTableDownloadRequest(const Request& req);

// Answers a download call; 404 NoSuchObject for another request on the resource.
Response HandleTableDownloads(ApiContext& ctx, Request& req);

}  // namespace deltatunnel::server
