#include "tunnel/tunnel_surface.h"

#include <fmt/format.h>

#include <chrono>
#include <thread>

#include "api_util.h"
#include "deltatunnel/proto/compression.h"
#include "deltatunnel/proto/partition_spec.h"
#include "deltatunnel/proto/record_stream.h"
#include "request_memory.h"
#include "request_rows.h"
#include "tunnel/session_json.h"

namespace deltatunnel::server {
namespace {

constexpr uint64_t kMaxSlotNum = 4096;

struct Target {
  storage::TableInfo table;
  std::string session_id;  // "" when the call names none
};

// Test-only: keeps the write (and its slot) in flight, so tests can fill the slots.
void TEST_HoldSlot(const Request& req) {
  const std::string_view ms = req.Header("x-deltatunnel-test-hold-ms");
  if (!ms.empty())
    std::this_thread::sleep_for(std::chrono::milliseconds(std::stoi(std::string(ms))));
}

Result<Target> ResolveTarget(ApiContext& ctx, const Request& req) {
  Target t;
  DT_ASSIGN_OR_RETURN(
      t.table, ctx.engine->DescribeTable(PathParam(req, "project"), PathParam(req, "table")));
  if (auto id = QueryString(req, "upsertid")) t.session_id = *id;
  return t;
}

// The session named by `upsertid`, checked to belong to this table and partition.
Result<storage::SessionInfo> LoadSession(ApiContext& ctx, const Target& t, const Request& req) {
  DT_ASSIGN_OR_RETURN(storage::SessionInfo s, ctx.engine->GetSession(t.session_id));
  if (!proto::NamesEqual(s.project, t.table.project) || !proto::NamesEqual(s.table, t.table.name)) {
    return Status(ErrorCode::kUpsertSessionNotFound,
                  fmt::format("upsert session '{}' does not belong to table '{}'", t.session_id,
                              t.table.name));
  }
  DT_ASSIGN_OR_RETURN(proto::PartitionSpec partition, RequestPartition(t.table, req));
  if (partition.canonical != s.partition) {
    return InvalidArgument(fmt::format("partition '{}' differs from the session's partition '{}'",
                                       partition.canonical, s.partition));
  }
  return s;
}

// Where the client reached us (Host, with a port) is where its bucket writes should go; the
// configured listen address only when the request names no port (or listens on every address).
std::string WorkerAddr(const ApiContext& ctx, const Request& req) {
  const std::string_view host = req.Header("host");
  const size_t colon = host.rfind(':');
  if (colon != std::string_view::npos && colon + 1 < host.size() && host.find(']') == host.npos &&
      host.find(':') == colon) {
    return std::string(host);
  }
  return ctx.worker_addr;
}

// The table as the session sees it: with the schema it was opened in (its writes are in that
// schema even after the table's changes; engine.h AlterSchema).
Target AsOpened(const Target& t, const storage::SessionInfo& s) {
  Target out = t;
  if (s.schema) out.table.schema = *s.schema;
  return out;
}

Response SessionResponse(ApiContext& ctx, const Target& t, const storage::SessionInfo& s,
                         const Request& req) {
  return JsonResponse(SessionJson(AsOpened(t, s).table, s, WorkerAddr(ctx, req)));
}

Result<Response> Create(ApiContext& ctx, const Target& t, const Request& req) {
  storage::SessionOptions opts;
  opts.project = t.table.project;
  opts.table = t.table.name;
  DT_ASSIGN_OR_RETURN(proto::PartitionSpec partition, RequestPartition(t.table, req));
  opts.partition = partition.canonical;
  DT_ASSIGN_OR_RETURN(uint64_t slot_num, QueryUint(req, "slotnum", 1, 1, kMaxSlotNum));
  DT_ASSIGN_OR_RETURN(uint64_t lifecycle, QueryUint(req, "lifecycle", 24, 1, 24));
  opts.slot_num = static_cast<uint32_t>(slot_num);
  opts.lifetime_hours = static_cast<uint32_t>(lifecycle);
  // A quota name that names no configured group writes in the project's default group.
  if (auto quota = QueryString(req, "quotaName")) opts.quota_name = ctx.slots->GroupOf(*quota);
  DT_RETURN_IF_ERROR(CheckWritable(ctx));
  DT_ASSIGN_OR_RETURN(storage::SessionInfo s, ctx.engine->OpenSession(opts));
  return SessionResponse(ctx, t, s, req);
}

// PUT with bucketid: one record stream, maybe compressed, decoded whole before anything is stored.
Result<proto::RowBatch> DecodeBucketWrite(ApiContext& ctx, const Target& t, const Request& req) {
  DT_ASSIGN_OR_RETURN(uint64_t bucket, QueryUint(req, "bucketid", 0, 0,
                                                 std::max<uint32_t>(1, t.table.bucket_num) - 1));
  (void)bucket;  // The server re-hashes every row; the bucket a client names decides nothing.
  std::optional<uint64_t> record_count;
  if (req.Query("record_count") != nullptr) {
    DT_ASSIGN_OR_RETURN(record_count, QueryUint(req, "record_count", 0, 0, UINT64_MAX));
  }
  std::string decompressed;
  std::string_view body = req.body;
  const std::string_view encoding = req.Header("content-encoding");
  MemoryBudget::Grant grant;  // held while the decompressed body is
  if (!encoding.empty() && encoding != "identity") {
    // The decompression's whole limit comes from the memory budget first: it can grow to that,
    // and no further.
    DT_ASSIGN_OR_RETURN(const uint64_t limit, ReserveDecompression(ctx, &grant));
    DT_ASSIGN_OR_RETURN(decompressed, proto::Decompress(encoding, req.body, limit));
    body = decompressed;
  }
  proto::RecordStreamOptions opts;
  opts.expected_records = record_count;
  opts.max_records = ctx.max_rows_per_request;
  opts.allow_partial_update = t.table.partial_update;
  return proto::DecodeRecordStream(t.table.schema, t.table.hasher, t.table.bucket_num, body, opts);
}

Result<Response> Write(ApiContext& ctx, const Target& target, const Request& req) {
  DT_ASSIGN_OR_RETURN(storage::SessionInfo s, LoadSession(ctx, target, req));
  const Target t = AsOpened(target, s);
  if (s.status != storage::SessionStatus::kNormal) {
    return Status(ErrorCode::kStatusConflict,
                  fmt::format("upsert session '{}' is {}: it takes no more writes", s.id,
                              storage::SessionStatusName(s.status)));
  }
  DT_RETURN_IF_ERROR(CheckWritable(ctx));
  DT_ASSIGN_OR_RETURN(SlotPool::Lease lease, ctx.slots->Acquire(t.table.project, s.quota_name));
  if (ctx.test_hooks) TEST_HoldSlot(req);
  if (req.Query("bucketid") != nullptr) {
    DT_ASSIGN_OR_RETURN(proto::RowBatch rows, DecodeBucketWrite(ctx, t, req));
    DT_RETURN_IF_ERROR(ctx.engine->Append(s.id, rows));
    ctx.metrics->OnAppend("tunnel", rows.size(), rows.bytes());
    Response r;
    r.status = 200;
    return r;
  }
  DT_ASSIGN_OR_RETURN(proto::PartitionSpec partition,
                      proto::ParsePartitionSpec(t.table.schema, s.partition));
  RequestRowsOrError body = ReadRequestRows(ctx, t.table, partition, req, false);
  if (!body.rows) return std::move(body.error);
  DT_RETURN_IF_ERROR(ctx.engine->Append(s.id, body.rows->batch));
  ctx.metrics->OnAppend("tunnel", body.rows->batch.size(), body.rows->batch.bytes());
  return JsonResponse({{"rows", body.rows->result.rows},
                       {"upserts", body.rows->result.upserts},
                       {"deletes", body.rows->result.deletes}});
}

Result<Response> Dispatch(ApiContext& ctx, Request& req) {
  DT_ASSIGN_OR_RETURN(Target t, ResolveTarget(ctx, req));
  const std::string& m = req.method;
  if (t.session_id.empty()) {
    if (m == "POST") return Create(ctx, t, req);
    return InvalidArgument(fmt::format("{} on an upserts resource needs 'upsertid'", m));
  }
  if (m == "PUT") return Write(ctx, t, req);
  if (m == "GET") {
    DT_ASSIGN_OR_RETURN(storage::SessionInfo s, LoadSession(ctx, t, req));
    return SessionResponse(ctx, t, s, req);
  }
  if (m == "POST") {
    DT_ASSIGN_OR_RETURN(storage::SessionInfo s, LoadSession(ctx, t, req));
    const auto start = std::chrono::steady_clock::now();
    const bool first_commit = s.status == storage::SessionStatus::kNormal;
    DT_ASSIGN_OR_RETURN(s, ctx.engine->Commit(s.id));
    if (first_commit) {
      ctx.metrics->OnCommit(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    return SessionResponse(ctx, t, s, req);
  }
  if (m == "DELETE") {
    DT_ASSIGN_OR_RETURN(storage::SessionInfo s, LoadSession(ctx, t, req));
    DT_ASSIGN_OR_RETURN(s, ctx.engine->Abort(s.id));
    return SessionResponse(ctx, t, s, req);
  }
  return InvalidArgument(fmt::format("method {} is not allowed on an upserts resource", m));
}

}  // namespace

Response HandleUpserts(ApiContext& ctx, Request& req) {
  return Answer(req, [&] { return Dispatch(ctx, req); });
}

}  // namespace deltatunnel::server
