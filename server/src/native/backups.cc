#include "native/backups.h"

#include <charconv>

#include "api_util.h"

namespace deltatunnel::server {
namespace {

nlohmann::json BackupJson(const storage::BackupInfo& b) {
  return {{"backup_id", b.id},
          {"created_at", FormatRfc3339Millis(b.created_at_ms)},
          {"size_bytes", b.size_bytes},
          {"files", b.files}};
}

nlohmann::json CheckJson(const storage::BackupCheck& c) {
  nlohmann::json body = BackupJson(c.backup);
  nlohmann::json tables = nlohmann::json::array();
  for (const auto& t : c.tables) {
    tables.push_back({{"project", t.project}, {"table", t.table}, {"version", t.version}});
  }
  body["tables"] = std::move(tables);
  return body;
}

nlohmann::json JobJson(const storage::BackupJob& j) {
  return {{"state", j.state},
          {"started_at", TimeOrNull(j.started_at_ms)},
          {"finished_at", TimeOrNull(j.finished_at_ms)},
          {"bytes_copied", j.bytes_copied},
          {"backup", j.result ? CheckJson(*j.result) : nlohmann::json(nullptr)},
          {"error", j.error.empty() ? nlohmann::json(nullptr) : nlohmann::json(j.error)}};
}

// Backups hold every project's tables: the caller's credential must grant them all.
Status CheckAdmin(ApiContext& ctx, const Request& req) {
  return ctx.auth != nullptr ? ctx.auth->CheckAdmin(req) : Status::Ok();
}

Result<uint32_t> BackupId(const Request& req) {
  const std::string& text = PathParam(req, "backup_id");
  uint32_t id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size() || id == 0) {
    return Status(ErrorCode::kNoSuchObject, "no backup " + text + " (ids are 1, 2, ...)");
  }
  return id;
}

}  // namespace

Response HandleStartBackup(ApiContext& ctx, Request& req) {
  return Answer(req, [&]() -> Result<Response> {
    DT_RETURN_IF_ERROR(CheckAdmin(ctx, req));
    DT_ASSIGN_OR_RETURN(storage::BackupJob job, ctx.engine->StartBackup());
    return JsonResponse(JobJson(job), 202);
  });
}

Response HandleListBackups(ApiContext& ctx, Request& req) {
  return Answer(req, [&]() -> Result<Response> {
    DT_RETURN_IF_ERROR(CheckAdmin(ctx, req));
    DT_ASSIGN_OR_RETURN(std::vector<storage::BackupInfo> backups, ctx.engine->ListBackups());
    std::optional<storage::BackupJob> last = ctx.engine->LastBackup();
    nlohmann::json list = nlohmann::json::array();
    for (const auto& b : backups) list.push_back(BackupJson(b));
    const bool running = last && last->state == "running";
    return JsonResponse({{"running", running ? JobJson(*last) : nlohmann::json(nullptr)},
                         {"last", last && !running ? JobJson(*last) : nlohmann::json(nullptr)},
                         {"backups", std::move(list)}});
  });
}

Response HandleVerifyBackup(ApiContext& ctx, Request& req) {
  return Answer(req, [&]() -> Result<Response> {
    DT_RETURN_IF_ERROR(CheckAdmin(ctx, req));
    DT_ASSIGN_OR_RETURN(uint32_t id, BackupId(req));
    DT_ASSIGN_OR_RETURN(storage::BackupCheck check, ctx.engine->VerifyBackup(id));
    return JsonResponse(CheckJson(check));
  });
}

Response HandleDeleteBackup(ApiContext& ctx, Request& req) {
  return Answer(req, [&]() -> Result<Response> {
    DT_RETURN_IF_ERROR(CheckAdmin(ctx, req));
    DT_ASSIGN_OR_RETURN(uint32_t id, BackupId(req));
    DT_RETURN_IF_ERROR(ctx.engine->DeleteBackup(id));
    Response r;
    r.status = 204;
    return r;
  });
}

}  // namespace deltatunnel::server
