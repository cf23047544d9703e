// The instances resource (../shared/design/odps-control-plane.md P0-2, B5):
//   POST /projects/{p}/instances            a job with one SQL or Merge task, run synchronously:
//                                           201 + Location, empty body; 400 ODPS-0130161 for a
//                                           statement that is not run here (nothing applied)
//   GET  /projects/{p}/instances/{id}       <Instance><Status>Terminated</Status></Instance> with
//                                           x-odps-start-time / end-time / owner (RFC 1123)
//        ?taskstatus                        the task's name and Success / Failed
//        ?result                            the failure text, or a SELECT's rows as CSV
//        ?source                            the job as a <Job> document
//   POST /projects/{p}/instances/{id}?downloads, GET ...?downloadid  the instance tunnel: a
//                                           SELECT's snapshot as a download session
//                                           (tunnel/instance_downloads.h); InvalidArgument for an
//                                           instance without one (pyodps then reads ?result)
#pragma once

#include "api_context.h"
#include "deltatunnel/server/http_types.h"

namespace deltatunnel::server::odps {

Response HandleCreateInstance(ApiContext& ctx, Request& req);
Response HandleGetInstance(ApiContext& ctx, Request& req);
Response HandleInstanceTunnel(ApiContext& ctx, Request& req);

}  // namespace deltatunnel::server::odps
