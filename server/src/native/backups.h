// Online backups on the native surface (docs/api.md, "Backups"; storage/backup.h). Server-wide,
// so with authentication on they need a credential that grants every project ("*").
//   POST   /api/v1/backups                      202 the backup, running
//   GET    /api/v1/backups                      {"running", "last", "backups": [...]}
//   POST   /api/v1/backups/{backup_id}/verify   checksums and catalog of one backup
//   DELETE /api/v1/backups/{backup_id}          204
// A backup runs on a thread of the engine's; the request only starts it.
#pragma once

#include "api_context.h"
#include "deltatunnel/server/http_types.h"

namespace deltatunnel::server {

Response HandleStartBackup(ApiContext& ctx, Request& req);
Response HandleListBackups(ApiContext& ctx, Request& req);
Response HandleVerifyBackup(ApiContext& ctx, Request& req);
Response HandleDeleteBackup(ApiContext& ctx, Request& req);

}  // namespace deltatunnel::server
