#include "native/load.h"

#include <fmt/format.h>

#include <array>
#include <chrono>
#include <functional>
#include <mutex>

#include "api_util.h"
#include "request_rows.h"

namespace deltatunnel::server {
namespace {

constexpr size_t kMaxIdempotencyKeyBytes = 256;

// Two loads with one key must not both commit: the check and the commit run under one of these
// stripes, chosen by the table and key.
std::mutex& KeyStripe(const std::string& project, const std::string& table,
                      const std::string& key) {
  static std::array<std::mutex, 64> stripes;
  size_t h = std::hash<std::string>{}(project + '\n' + table + '\n' + key);
  return stripes[h % stripes.size()];
}

int64_t MillisSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start)
      .count();
}

// The first answer as stored, marked duplicate, with this request's own took_ms (the stored
// answer was written before the first load knew its time).
Response DuplicateAnswer(const storage::IdempotentLoad& stored,
                         std::chrono::steady_clock::time_point start) {
  nlohmann::json body = nlohmann::json::parse(stored.result_json, nullptr, false);
  body["version"] = stored.version;
  body["duplicate"] = true;
  body["took_ms"] = MillisSince(start);
  return JsonResponse(body);
}

Result<Response> Load(ApiContext& ctx, Request& req) {
  const auto start = std::chrono::steady_clock::now();
  const std::string& project = PathParam(req, "project");
  DT_ASSIGN_OR_RETURN(storage::TableInfo table,
                      ctx.engine->DescribeTable(project, PathParam(req, "table")));
  DT_ASSIGN_OR_RETURN(proto::PartitionSpec partition, RequestPartition(table, req));

  const std::string key(req.Header("idempotency-key"));
  if (key.size() > kMaxIdempotencyKeyBytes) {
    return InvalidArgument(
        fmt::format("Idempotency-Key is longer than {} bytes", kMaxIdempotencyKeyBytes));
  }
  std::unique_lock<std::mutex> key_lock;
  if (!key.empty()) {
    key_lock = std::unique_lock(KeyStripe(table.project, table.name, key));
    if (auto stored = ctx.engine->FindIdempotencyKey(table.project, table.name, key)) {
      return DuplicateAnswer(*stored, start);
    }
  }

  // A retry of a committed load answers above, whatever the free space.
  DT_RETURN_IF_ERROR(CheckWritable(ctx));
  RequestRowsOrError body = ReadRequestRows(ctx, table, partition, req, true);
  if (!body.rows) return std::move(body.error);
  // Decoding is the long part of a large load: a client gone meanwhile (or the deadline passed)
  // gets no commit.
  DT_RETURN_IF_ERROR(req.Interrupted());
  const RequestRows& rows = *body.rows;
  // The rows are encoded in the batch: the body (as large as body_limit_bytes) is not needed while
  // they are written.
  std::string().swap(req.body);
  if (rows.batch.size() == 0) {
    // Nothing to apply: no session, no version, nothing toward the compaction threshold. The
    // answer names the version the table is already at.
    nlohmann::json empty = {{"version", table.version},
                            {"partition", partition.canonical},
                            {"rows", 0},
                            {"upserts", 0},
                            {"deletes", 0},
                            {"bytes", 0},
                            {"duplicate", false}};
    if (!rows.result.skipped.empty()) empty["skipped"] = RowErrorsJson(rows.result.skipped);
    empty["took_ms"] = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::steady_clock::now() - start)
                           .count();
    return JsonResponse(empty);
  }

  DT_ASSIGN_OR_RETURN(SlotPool::Lease lease, ctx.slots->Acquire(table.project, ""));
  storage::SessionOptions options;
  options.project = table.project;
  options.table = table.name;
  options.partition = partition.canonical;
  options.lifetime_hours = 1;
  DT_ASSIGN_OR_RETURN(storage::SessionInfo session, ctx.engine->OpenSession(options));

  nlohmann::json result = {{"partition", partition.canonical}, {"rows", rows.result.rows},
                           {"upserts", rows.result.upserts},   {"deletes", rows.result.deletes},
                           {"bytes", rows.result.bytes},       {"duplicate", false}};
  if (!rows.result.skipped.empty()) result["skipped"] = RowErrorsJson(rows.result.skipped);

  Result<storage::SessionInfo> committed = [&]() -> Result<storage::SessionInfo> {
    DT_RETURN_IF_ERROR(ctx.engine->Append(session.id, rows.batch));
    ctx.metrics->OnAppend("native", rows.batch.size(), rows.batch.bytes());
    const auto commit_start = std::chrono::steady_clock::now();
    auto record = [&] {
      ctx.metrics->OnCommit(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - commit_start).count());
    };
    if (key.empty()) {
      auto info = ctx.engine->Commit(session.id);
      record();
      return info;
    }
    // The stored answer knows its version only after the commit; store what a retry must see.
    auto info = ctx.engine->CommitWithIdempotencyKey(session.id, key, result.dump());
    record();
    return info;
  }();
  if (!committed.ok()) {
    (void)ctx.engine->Abort(session.id);  // leave nothing behind; the original error is the answer
    return committed.status();
  }
  result["version"] = committed->commit_version;
  result["took_ms"] = MillisSince(start);
  return JsonResponse(result);
}

}  // namespace

Response HandleLoad(ApiContext& ctx, Request& req) {
  return Answer(req, [&] { return Load(ctx, req); });
}

}  // namespace deltatunnel::server
