#include "native/load.h"

#include <fmt/format.h>

#include <array>
#include <chrono>
#include <functional>
#include <mutex>

#include "api_util.h"
#include "native/load_commit.h"
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
  // The rows are encoded in the batch: the body (as large as body_limit_bytes) is not needed while
  // they are written. The rejected rows' text is copied out of it.
  std::string().swap(req.body);
  LoadRequest load;
  load.table = &table;
  load.partition = &partition;
  load.rows = &*body.rows;
  load.idempotency_key = key;
  load.start = start;
  DT_ASSIGN_OR_RETURN(nlohmann::json result, CommitLoadRows(ctx, load));
  return JsonResponse(result);
}

}  // namespace

Response HandleLoad(ApiContext& ctx, Request& req) {
  return Answer(req, [&] { return Load(ctx, req); });
}

}  // namespace deltatunnel::server
