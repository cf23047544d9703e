#include "feed/change_feed.h"

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>

#include "api_metrics.h"
#include "api_util.h"
#include "deltatunnel/proto/partition_spec.h"
#include "deltatunnel/server/format_row_writer.h"
#include "feed/commit_watch.h"
#include "request_rows.h"

namespace deltatunnel::server {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kPieceBytes = 64 << 10;
// A follower's pieces end at each checkpoint, so that it goes out at once rather than behind the
// next version's records: a version of up to this many bytes is one piece.
constexpr size_t kFollowPieceBytes = 256 << 10;
// A follower behind by more versions than this catches up in batches of it, each ending in a
// checkpoint.
constexpr uint64_t kMaxBatchVersions = 1024;
// A follower at most this far behind takes each version as a batch of its own (its checkpoint
// sent as soon as the version is), and its pieces are made on the live lane. Far enough that a
// burst of commits while it waited for the CPU does not throw it into a large batch, whose one
// checkpoint at its end would hold back every version in it (and let the next burst pile up).
constexpr uint64_t kCloseBehindVersions = 256;

struct FeedState {
  ApiContext* ctx = nullptr;
  storage::ChangesOptions options;  // project, table, partition, include_before
  bool follow = false;
  bool sse = false;
  std::optional<uint64_t> to_version;  // without follow
  TimeZone zone;
  std::shared_ptr<Cancellation> cancellation;
  std::chrono::milliseconds heartbeat{15000};

  uint64_t cursor = 0;  // every change up to it has been sent (or is in `it`'s batch)
  uint64_t batch_to = 0;
  std::unique_ptr<storage::ChangeIterator> it;  // the batch (cursor, batch_to] being sent
  proto::TableSchema schema;                    // the batch's (outlives writer)
  std::optional<RowWriter> writer;
  Clock::time_point last_sent = Clock::now();
  // Caught up, or close behind (kCloseBehindVersions): its next piece is one version's at most.
  // Written by the piece being made, read before the next is asked for (Response::stream_live).
  std::atomic<bool> live{false};
  std::unique_ptr<CommitWatch::Waiter> waiter;
  bool ended = false;
  std::string line;  // scratch
  // The last record's version and its commit time as JSON, made once per version.
  uint64_t time_version = UINT64_MAX;
  std::string time_json;
  uint64_t records = 0;  // sent in the piece being made

  ~FeedState() {
    if (waiter && ctx->metrics) ctx->metrics->OnFeedEnd();
  }
};

// Opens the batch of versions after s.cursor, up to `latest` (at most kMaxBatchVersions).
Status OpenBatch(FeedState& s, uint64_t latest) {
  storage::ChangesOptions o = s.options;
  o.from_version = s.cursor;
  // A follower close behind takes each version as a batch of its own, so that each gets its
  // checkpoint as soon as it is sent; one further behind catches up in large batches.
  const bool close_behind = s.follow && latest - s.cursor <= kCloseBehindVersions;
  s.live = close_behind;
  o.to_version = std::min(latest, s.cursor + (close_behind ? 1 : kMaxBatchVersions));
  o.every_version = true;
  o.interrupt = [c = s.cancellation] { return c ? c->Check() : Status::Ok(); };
  DT_ASSIGN_OR_RETURN(s.it, s.ctx->engine->Changes(o));
  s.batch_to = *o.to_version;
  s.schema = s.it->schema();
  s.writer.reset();
  DT_ASSIGN_OR_RETURN(RowWriter w, RowWriter::Create(s.schema, {.format = BodyFormat::kNdjson,
                                                                .time_zone = &s.zone}));
  s.writer.emplace(std::move(w));
  return Status::Ok();
}

void AppendEvent(FeedState& s, std::string_view event, std::string_view json,
                 std::optional<uint64_t> id, std::string& out) {
  if (!s.sse) {
    out.append(json);
    out.push_back('\n');
    return;
  }
  if (id) fmt::format_to(std::back_inserter(out), "id: {}\n", *id);
  fmt::format_to(std::back_inserter(out), "event: {}\ndata: {}\n\n", event, json);
}

// A row as one JSON object, without the NDJSON line's newline.
void AppendRowJson(FeedState& s, const proto::Row& row, bool key_only, std::string& out) {
  const proto::Row& partition = s.it->partition().values;
  const size_t at = out.size();
  if (key_only) {
    s.writer->WriteKey(row, partition, &out);
  } else {
    s.writer->Write(row, partition, &out);
  }
  if (out.size() > at && out.back() == '\n') out.pop_back();
}

void AppendRecord(FeedState& s, std::string& out) {
  const storage::ChangeIterator& it = *s.it;
  std::string& line = s.line;
  line.clear();
  if (it.last_version() != s.time_version) {
    s.time_version = it.last_version();
    s.time_json = TimeOrNull(it.committed_at_ms()).dump();
  }
  fmt::format_to(std::back_inserter(line), R"({{"version":{},"committed_at":{},"op":"{}","row":)",
                 it.last_version(), s.time_json, storage::ChangeKindName(it.kind()));
  AppendRowJson(s, it.row(), it.kind() == storage::ChangeKind::kDelete, line);
  if (s.options.include_before) {
    line.append(",\"before\":");
    if (const proto::Row* before = it.before()) {
      AppendRowJson(s, *before, false, line);
    } else {
      line.append("null");
    }
  }
  line.push_back('}');
  AppendEvent(s, "change", line, std::nullopt, out);
  ++s.records;
}

void AppendCheckpoint(FeedState& s, uint64_t version, std::string& out) {
  AppendEvent(s, "checkpoint", fmt::format(R"({{"checkpoint":{}}})", version), version, out);
  s.last_sent = Clock::now();
}

// The latest version of the feed's table.
Result<uint64_t> Latest(FeedState& s) {
  DT_ASSIGN_OR_RETURN(storage::TableInfo t,
                      s.ctx->engine->DescribeTable(s.options.project, s.options.table));
  return t.version;
}

// Fills `out` with the next piece: records, checkpoints, a heartbeat, or nothing while there is
// nothing to send (the connection then waits for a commit). False once the answer is complete.
Result<bool> NextPiece(FeedState& s, std::string& out) {
  if (s.ended) return false;
  if (s.waiter) s.waiter->Disarm();
  if (s.cancellation) DT_RETURN_IF_ERROR(s.cancellation->Check());
  for (;;) {
    if (s.it) {
      const size_t piece_bytes = s.follow ? kFollowPieceBytes : kPieceBytes;
      while (out.size() < piece_bytes && s.it->Valid()) {
        AppendRecord(s, out);
        s.it->Next();
      }
      if (s.it->Valid()) return true;
      DT_RETURN_IF_ERROR(s.it->status());
      s.it.reset();
      s.cursor = s.batch_to;
      AppendCheckpoint(s, s.cursor, out);
      if (!s.follow && (!s.to_version || s.cursor >= *s.to_version)) {
        s.ended = true;
        return false;
      }
      if (s.follow || out.size() >= kPieceBytes) return true;
    }
    uint64_t latest = 0;
    if (s.follow) {
      DT_ASSIGN_OR_RETURN(latest, Latest(s));
    } else {
      latest = *s.to_version;
    }
    if (latest > s.cursor) {
      DT_RETURN_IF_ERROR(OpenBatch(s, latest));
      continue;
    }
    s.live = s.follow;  // all sent: the next piece is the next commit's
    if (out.empty() && Clock::now() - s.last_sent >= s.heartbeat) {
      AppendCheckpoint(s, s.cursor, out);  // the heartbeat: nothing new up to it
    }
    return true;
  }
}

// An error after the answer began: told as the feed's last record, which ends it cleanly.
void AppendError(FeedState& s, const Status& status, std::string& out) {
  nlohmann::json e = {
      {"error",
       {{"code", std::string(ErrorCodeName(status.code()))}, {"message", status.message()}}}};
  AppendEvent(s, "error", e.dump(), std::nullopt, out);
}

Result<uint64_t> FromVersion(const Request& req, bool sse) {
  // An EventSource reconnecting names the last checkpoint it saw.
  if (sse && !req.Header("last-event-id").empty()) {
    const std::string id(req.Header("last-event-id"));
    char* end = nullptr;
    errno = 0;
    const unsigned long long v = std::strtoull(id.c_str(), &end, 10);
    if (errno != 0 || end == id.c_str() || *end != '\0') {
      return InvalidArgument("Last-Event-ID must be a version (a checkpoint's id)");
    }
    return static_cast<uint64_t>(v);
  }
  if (req.Query("from_version") == nullptr) {
    return InvalidArgument("query parameter 'from_version' is required");
  }
  return QueryUint(req, "from_version", 0, 0, UINT64_MAX);
}

}  // namespace

bool WantsFullChanges(const Request& req) {
  const std::string* form = req.Query("form");
  return (form != nullptr && *form != "net") || req.Query("follow") != nullptr ||
         req.Query("include") != nullptr;
}

Result<Response> FullChanges(ApiContext& ctx, Request& req, std::optional<uint64_t> from) {
  auto s = std::make_shared<FeedState>();
  s->ctx = &ctx;
  s->cancellation = req.cancellation;
  DT_ASSIGN_OR_RETURN(storage::TableInfo table, ctx.engine->DescribeTable(PathParam(req, "project"),
                                                                          PathParam(req, "table")));
  s->options.project = table.project;
  s->options.table = table.name;
  if (auto p = QueryString(req, "partition")) s->options.partition = *p;

  const std::optional<std::string> follow = QueryString(req, "follow");
  if (follow && *follow != "true" && *follow != "false") {
    return InvalidArgument("'follow' must be true or false");
  }
  s->follow = follow == "true";
  const std::string form = QueryString(req, "form").value_or("full");
  if (form != "full" && form != "net") return InvalidArgument("'form' must be net or full");
  if (form == "net") {
    return InvalidArgument(
        "the net form has no follow or include=before: each key once, as it stands at "
        "to_version; use form=full");
  }
  if (auto include = QueryString(req, "include")) {
    if (*include != "before") return InvalidArgument("'include' takes one value: before");
    s->options.include_before = true;
  }
  if (auto f = QueryString(req, "format"); f && *f != "ndjson") {
    return InvalidArgument(
        "the full form of changes is NDJSON (or Server-Sent Events with Accept: "
        "text/event-stream)");
  }
  s->sse = req.Header("accept").find("text/event-stream") != std::string_view::npos;
  if (from) {
    s->cursor = *from;
  } else {
    DT_ASSIGN_OR_RETURN(s->cursor, FromVersion(req, s->sse));
  }
  if (s->follow) {
    if (req.Query("to_version") != nullptr) {
      return InvalidArgument("a feed that follows has no to_version");
    }
    DT_ASSIGN_OR_RETURN(const uint64_t seconds, QueryUint(req, "heartbeat_s", 15, 1, 300));
    s->heartbeat = std::chrono::seconds(seconds);
  } else if (req.Query("to_version") != nullptr) {
    DT_ASSIGN_OR_RETURN(s->to_version, QueryUint(req, "to_version", 0, 0, UINT64_MAX));
  } else {
    s->to_version = table.version;
  }
  DT_ASSIGN_OR_RETURN(s->zone, RequestTimeZone(ctx, req));

  // The first batch opens here, so that what is wrong with it (a version past retention: 410, a
  // partition that does not parse) is the answer's status.
  const uint64_t latest = s->follow ? table.version : *s->to_version;
  if (s->cursor > latest) {
    return InvalidArgument(fmt::format("from_version {} is past {} version {}", s->cursor,
                                       s->follow ? "the latest" : "to_version", latest));
  }
  DT_RETURN_IF_ERROR(OpenBatch(*s, latest));
  if (s->follow) {
    s->waiter = ctx.commits->Join(s->options.project, s->options.table);
    if (ctx.metrics) ctx.metrics->OnFeedStart();
  }

  Response r;
  r.headers["content-type"] = s->sse ? "text/event-stream" : "application/x-ndjson";
  r.headers["cache-control"] = "no-cache";
  r.headers["x-deltatunnel-version"] = std::to_string(latest);
  r.stream = [s](std::string& out) {
    s->records = 0;
    Result<bool> more = NextPiece(*s, out);
    if (s->ctx->metrics) s->ctx->metrics->OnFeedRecords(s->records);
    if (more.ok()) return *more;
    // An answer that cannot go on tells why (the table dropped, its client gone) as its last
    // record and ends: its consumer resumes from the last checkpoint.
    AppendError(*s, more.status(), out);
    s->ended = true;
    return false;
  };
  if (s->follow) {
    r.stream_idle = s->heartbeat;
    r.stream_wait = [s](std::function<void()> wake) {
      if (!wake) return s->waiter->Disarm();
      s->waiter->Arm(s->cursor, std::move(wake));
    };
    r.stream_live = [s] { return s->live.load(); };
  }
  return r;
}

}  // namespace deltatunnel::server
