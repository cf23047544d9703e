#include "native/load_commit.h"

#include "api_util.h"

namespace deltatunnel::server {

int64_t MillisSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start)
      .count();
}

Result<nlohmann::json> CommitLoadRows(ApiContext& ctx, const LoadRequest& load) {
  const storage::TableInfo& table = *load.table;
  const RequestRows& rows = *load.rows;
  const std::string& canonical = load.partition->canonical;
  nlohmann::json result = {{"partition", canonical},         {"rows", rows.result.rows},
                           {"upserts", rows.result.upserts}, {"deletes", rows.result.deletes},
                           {"bytes", rows.result.bytes},     {"duplicate", false}};
  if (!rows.result.skipped.empty()) result["skipped"] = RowErrorsJson(rows.result.skipped);

  storage::RejectSet rejects;
  if (!rows.result.rejected.empty()) {
    DT_ASSIGN_OR_RETURN(rejects.info.id, ctx.engine->ReserveRejectSetId(table.project, table.name));
    rejects.info.project = table.project;
    rejects.info.table = table.name;
    rejects.info.partition = canonical;
    rejects.info.format = std::string(NameOf(rows.format));
    rejects.info.csv_header = rows.result.csv_header;
    rejects.rows.reserve(rows.result.rejected.size());
    for (const RowError& e : rows.result.rejected) {
      rejects.rows.push_back({e.line, e.column, e.reason, e.text});
    }
    result["rejects"] = {{"id", rejects.info.id}, {"rows", rejects.rows.size()}};
  }

  if (rows.batch.size() == 0) {
    // Nothing to apply: no session, no version, nothing toward the compaction threshold. The
    // answer names the version the table is already at; the rows skipped are quarantined alone.
    if (!rejects.rows.empty() || load.replays != 0) {
      DT_RETURN_IF_ERROR(ctx.engine->QuarantineRejects(rejects, load.replays).status());
    }
    result["version"] = table.version;
    result["took_ms"] = MillisSince(load.start);
    return result;
  }

  DT_ASSIGN_OR_RETURN(SlotPool::Lease lease, ctx.slots->Acquire(table.project, ""));
  storage::SessionOptions options;
  options.project = table.project;
  options.table = table.name;
  options.partition = canonical;
  options.lifetime_hours = 1;
  DT_ASSIGN_OR_RETURN(storage::SessionInfo session, ctx.engine->OpenSession(options));

  Result<storage::SessionInfo> committed = [&]() -> Result<storage::SessionInfo> {
    DT_RETURN_IF_ERROR(ctx.engine->Append(session.id, rows.batch));
    ctx.metrics->OnAppend("native", rows.batch.size(), rows.batch.bytes());
    const auto commit_start = std::chrono::steady_clock::now();
    storage::LoadCommit commit;
    commit.idempotency_key = load.idempotency_key;
    // The stored answer knows its version only after the commit; store what a retry must see.
    if (!commit.idempotency_key.empty()) commit.result_json = result.dump();
    commit.rejects = rejects.rows.empty() ? nullptr : &rejects;
    commit.replays = load.replays;
    auto info = ctx.engine->CommitLoad(session.id, commit);
    ctx.metrics->OnCommit(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - commit_start).count());
    return info;
  }();
  if (!committed.ok()) {
    (void)ctx.engine->Abort(session.id);  // leave nothing behind; the original error is the answer
    return committed.status();
  }
  result["version"] = committed->commit_version;
  result["took_ms"] = MillisSince(load.start);
  return result;
}

}  // namespace deltatunnel::server
