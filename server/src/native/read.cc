#include "native/read.h"

#include <fmt/format.h>

#include <memory>
#include <optional>
#include <stdexcept>

#include "api_util.h"
#include "deltatunnel/proto/partition_spec.h"
#include "deltatunnel/server/format_row_writer.h"
#include "deltatunnel/server/format_scalar.h"
#include "feed/change_feed.h"
#include "request_rows.h"

namespace deltatunnel::server {
namespace {

// A streamed answer is cut into pieces of about this size.
constexpr size_t kChunkBytes = 64 << 10;

const std::string& Project(const Request& req) { return PathParam(req, "project"); }
const std::string& Table(const Request& req) { return PathParam(req, "table"); }

Result<storage::VersionSpec> ReadVersion(const Request& req) {
  storage::VersionSpec at;
  const bool has_version = req.Query("version") != nullptr;
  const bool has_time = req.Query("timestamp") != nullptr;
  if (has_version && has_time) {
    return InvalidArgument("give either 'version' or 'timestamp', not both");
  }
  if (has_version) {
    DT_ASSIGN_OR_RETURN(uint64_t v, QueryUint(req, "version", 0, 0, UINT64_MAX));
    at.version = v;
  }
  if (has_time) {
    DT_ASSIGN_OR_RETURN(at.timestamp_ms, ParseTimeParam(*req.Query("timestamp"), "timestamp"));
  }
  return at;
}

Result<BodyFormat> ReadFormat(const Request& req) {
  auto f = QueryString(req, "format");
  return f ? ParseBodyFormat(*f) : Result<BodyFormat>(BodyFormat::kNdjson);
}

// The pieces a streamed read keeps alive between calls of its generator.
template <typename Iterator>
struct StreamState {
  storage::TableInfo table;
  TimeZone zone;
  std::unique_ptr<Iterator> it;
  std::optional<RowWriter> writer;
  std::shared_ptr<Cancellation> cancellation;  // the request's; null: never stopped early
  uint64_t limit = UINT64_MAX;
  uint64_t written = 0;
  bool begun = false;
  bool ended = false;
};

Response StreamedResponse(BodyFormat format, uint64_t version,
                          std::function<bool(std::string&)> stream) {
  Response r;
  r.headers["content-type"] = std::string(ContentTypeOf(format));
  r.headers["x-deltatunnel-version"] = std::to_string(version);
  r.stream = std::move(stream);
  return r;
}

// Fills `out` with rows until it holds a chunk; answers false once the answer is complete, or the
// error the rows' iterator stopped with.
template <typename State, typename WriteOne>
Result<bool> NextChunk(State& s, std::string& out, const WriteOne& write_one) {
  if (s.ended) return false;
  if (s.cancellation) DT_RETURN_IF_ERROR(s.cancellation->Check());
  if (!s.begun) {
    s.writer->Begin(&out);
    s.begun = true;
  }
  while (out.size() < kChunkBytes && s.written < s.limit && s.it->Valid()) {
    write_one(s, out);
    ++s.written;
    s.it->Next();
  }
  if (out.size() >= kChunkBytes && s.written < s.limit && s.it->Valid()) return true;
  DT_RETURN_IF_ERROR(s.it->status());
  s.writer->End(&out);
  s.ended = true;
  return false;
}

// The answer of a streamed read. Its first chunk is read before the status line goes out, so an
// error there (an answer that fits one chunk: most of them) is answered with its own status. An
// error later can no longer change the status line: the stream ends early and the server closes
// the connection, which the client sees as a truncated chunked body, never as a whole answer.
template <typename State, typename WriteOne>
Result<Response> StreamRows(BodyFormat format, uint64_t version, std::shared_ptr<State> state,
                            WriteOne write_one) {
  std::string chunk;
  DT_ASSIGN_OR_RETURN(const bool more, NextChunk(*state, chunk, write_one));
  auto first = std::make_shared<std::optional<std::string>>(std::move(chunk));
  return StreamedResponse(format, version, [state, first, more, write_one](std::string& out) {
    if (first->has_value()) {
      out = std::move(**first);
      first->reset();
      return more;
    }
    Result<bool> next = NextChunk(*state, out, write_one);
    if (!next.ok()) throw std::runtime_error(next.status().ToString());
    return *next;
  });
}

Result<Response> Data(ApiContext& ctx, Request& req) {
  auto state = std::make_shared<StreamState<storage::RowIterator>>();
  state->cancellation = req.cancellation;
  DT_ASSIGN_OR_RETURN(state->table, ctx.engine->DescribeTable(Project(req), Table(req)));
  storage::ScanOptions scan;
  scan.project = state->table.project;
  scan.table = state->table.name;
  if (auto p = QueryString(req, "partition")) scan.partition = *p;
  DT_ASSIGN_OR_RETURN(scan.at, ReadVersion(req));
  DT_ASSIGN_OR_RETURN(BodyFormat format, ReadFormat(req));
  DT_ASSIGN_OR_RETURN(state->zone, RequestTimeZone(ctx, req));
  DT_ASSIGN_OR_RETURN(state->limit, QueryUint(req, "limit", UINT64_MAX, 0, UINT64_MAX));
  const std::string columns = QueryString(req, "columns").value_or("");
  DT_ASSIGN_OR_RETURN(state->it, ctx.engine->Scan(scan));
  state->table.schema = state->it->schema();  // the schema of the version read
  DT_ASSIGN_OR_RETURN(
      RowWriter writer,
      RowWriter::Create(state->table.schema,
                        {.format = format, .time_zone = &state->zone, .columns = columns}));
  state->writer.emplace(std::move(writer));
  const uint64_t version = state->it->version();
  return StreamRows(format, version, state, [](auto& s, std::string& o) {
    s.writer->Write(s.it->row(), s.it->partition().values, &o);
  });
}

Result<Response> Changes(ApiContext& ctx, Request& req) {
  if (WantsFullChanges(req)) return FullChanges(ctx, req);  // feed/change_feed.h
  auto state = std::make_shared<StreamState<storage::ChangeIterator>>();
  state->cancellation = req.cancellation;
  DT_ASSIGN_OR_RETURN(state->table, ctx.engine->DescribeTable(Project(req), Table(req)));
  storage::ChangesOptions opts;
  opts.project = state->table.project;
  opts.table = state->table.name;
  if (auto p = QueryString(req, "partition")) opts.partition = *p;
  if (req.Query("from_version") == nullptr) {
    return InvalidArgument("query parameter 'from_version' is required");
  }
  DT_ASSIGN_OR_RETURN(opts.from_version, QueryUint(req, "from_version", 0, 0, UINT64_MAX));
  if (req.Query("to_version") != nullptr) {
    DT_ASSIGN_OR_RETURN(opts.to_version, QueryUint(req, "to_version", 0, 0, UINT64_MAX));
  }
  DT_ASSIGN_OR_RETURN(BodyFormat format, ReadFormat(req));
  DT_ASSIGN_OR_RETURN(state->zone, RequestTimeZone(ctx, req));
  DT_ASSIGN_OR_RETURN(state->it, ctx.engine->Changes(opts));
  state->table.schema = state->it->schema();  // the schema at to_version
  DT_ASSIGN_OR_RETURN(
      RowWriter writer,
      RowWriter::Create(state->table.schema,
                        {.format = format, .time_zone = &state->zone, .changes = true}));
  state->writer.emplace(std::move(writer));
  const uint64_t version = state->it->version();
  return StreamRows(format, version, state, [](auto& s, std::string& o) {
    s.writer->WriteChange(s.it->row(), s.it->partition().values, s.it->op(),
                          static_cast<int64_t>(s.it->last_version()), &o);
  });
}

// A key object {"id": 1, ...}: every key column, nothing else.
Result<proto::Row> ReadKey(const storage::TableInfo& table, const nlohmann::json& obj,
                           std::string_view what, const TimeZone& zone) {
  const proto::TableSchema& schema = table.schema;
  if (!obj.is_object()) return InvalidArgument(fmt::format("{} must be an object", what));
  proto::Row key(schema.columns.size());
  for (const auto& [name, value] : obj.items()) {
    int c = schema.FindColumn(name);
    if (c < 0 || !schema.IsKeyColumn(c)) {
      return InvalidArgument(fmt::format("{}: '{}' is not a primary key column", what, name));
    }
    const proto::Column& col = schema.columns[c];
    Status s;
    if (value.is_string()) {
      s = ParseScalarText(col.type, value.get_ref<const std::string&>(), TextSource::kJsonString,
                          zone, &key[c]);
    } else if (value.is_number()) {
      s = ParseScalarText(col.type, value.dump(), TextSource::kJsonNumber, zone, &key[c]);
    } else if (value.is_boolean()) {
      key[c] = value.get<bool>();
    } else {
      s = InvalidArgument("expected a scalar value");
    }
    if (!s.ok()) {
      return InvalidArgument(fmt::format("{}, column '{}': {}", what, col.name, s.message()));
    }
  }
  for (int k : schema.primary_key) {
    if (key[k].is_null()) {
      return InvalidArgument(
          fmt::format("{}: key column '{}' is missing", what, schema.columns[k].name));
    }
  }
  return key;
}

Result<Response> Lookup(ApiContext& ctx, Request& req) {
  DT_ASSIGN_OR_RETURN(storage::TableInfo table,
                      ctx.engine->DescribeTable(Project(req), Table(req)));
  DT_ASSIGN_OR_RETURN(nlohmann::json body, ParseJsonBody(req));
  if (!body.is_object()) return InvalidArgument("the lookup body must be a JSON object");
  DT_ASSIGN_OR_RETURN(TimeZone zone, RequestTimeZone(ctx, req));
  storage::LookupOptions opts;
  opts.project = table.project;
  opts.table = table.name;
  if (auto p = body.find("partition"); p != body.end() && !p->is_null()) {
    if (!p->is_string()) return InvalidArgument("'partition' must be a partition spec string");
    opts.partition = p->get<std::string>();
  }
  if (auto v = body.find("version"); v != body.end() && !v->is_null()) {
    if (!v->is_number_unsigned()) return InvalidArgument("'version' must be a version number");
    opts.at.version = v->get<uint64_t>();
  }
  auto keys = body.find("keys");
  if (keys == body.end() || !keys->is_array()) {
    return InvalidArgument("'keys' must be an array of key objects");
  }
  if (keys->size() > ctx.max_lookup_keys) {
    return Status(ErrorCode::kRequestTooLarge,
                  fmt::format("a lookup takes at most {} keys (limits.max_lookup_keys); this one "
                              "has {}: split it",
                              ctx.max_lookup_keys, keys->size()));
  }
  opts.keys.reserve(keys->size());
  opts.interrupt = [&req] { return req.Interrupted(); };
  for (size_t i = 0; i < keys->size(); ++i) {
    if (i % 1024 == 0) DT_RETURN_IF_ERROR(req.Interrupted());
    DT_ASSIGN_OR_RETURN(proto::Row key,
                        ReadKey(table, (*keys)[i], fmt::format("keys[{}]", i), zone));
    opts.keys.push_back(std::move(key));
  }
  DT_ASSIGN_OR_RETURN(storage::LookupResult found, ctx.engine->Lookup(opts));
  DT_ASSIGN_OR_RETURN(proto::PartitionSpec partition,
                      proto::ParsePartitionSpec(table.schema, opts.partition));
  if (found.schema) table.schema = *found.schema;  // the schema of the version read
  DT_ASSIGN_OR_RETURN(
      RowWriter writer,
      RowWriter::Create(table.schema, {.format = BodyFormat::kJson, .time_zone = &zone}));
  std::string rows;
  writer.Begin(&rows);
  for (const proto::Row& row : found.rows) writer.Write(row, partition.values, &rows);
  writer.End(&rows);
  Response r;
  r.headers["content-type"] = "application/json";
  r.headers["x-deltatunnel-version"] = std::to_string(found.version);
  r.body = fmt::format("{{\"version\":{},\"rows\":{}}}", found.version, rows);
  return r;
}

// The `key` parameter: a JSON object of the key columns ({"id": 7}), or for a one-column key its
// value alone (7, or text).
Result<proto::Row> HistoryKey(const storage::TableInfo& table, const Request& req,
                              const TimeZone& zone) {
  const std::optional<std::string> text = QueryString(req, "key");
  if (!text) {
    return InvalidArgument(
        "query parameter 'key' is required: the key columns as a JSON object ({\"id\": 7}), or "
        "a one-column key's value");
  }
  nlohmann::json obj;
  if (!text->empty() && text->front() == '{') {
    obj = nlohmann::json::parse(*text, nullptr, false);
    if (obj.is_discarded()) return InvalidArgument("'key' is not a JSON object");
  } else if (table.schema.primary_key.size() == 1) {
    obj = nlohmann::json::object();
    obj[table.schema.columns[static_cast<size_t>(table.schema.primary_key[0])].name] = *text;
  } else {
    return InvalidArgument(
        fmt::format("the table's primary key has {} columns: give 'key' as a JSON object of them",
                    table.schema.primary_key.size()));
  }
  return ReadKey(table, obj, "key", zone);
}

Result<Response> History(ApiContext& ctx, Request& req) {
  DT_ASSIGN_OR_RETURN(storage::TableInfo table,
                      ctx.engine->DescribeTable(Project(req), Table(req)));
  DT_ASSIGN_OR_RETURN(TimeZone zone, RequestTimeZone(ctx, req));
  storage::HistoryOptions opts;
  opts.project = table.project;
  opts.table = table.name;
  opts.partition = QueryString(req, "partition").value_or("");
  DT_ASSIGN_OR_RETURN(opts.key, HistoryKey(table, req, zone));
  DT_ASSIGN_OR_RETURN(opts.limit, QueryUint(req, "limit", 100, 1, 10000));
  opts.interrupt = [&req] { return req.Interrupted(); };
  DT_ASSIGN_OR_RETURN(storage::KeyHistory history, ctx.engine->History(opts));
  DT_ASSIGN_OR_RETURN(proto::PartitionSpec partition,
                      proto::ParsePartitionSpec(table.schema, opts.partition));
  // Each state's row in its version's schema, as its NDJSON line (one object) without the newline.
  std::string states;
  std::string line;
  for (const storage::KeyState& state : history.states) {
    if (!states.empty()) states.push_back(',');
    std::string row = "null";
    if (state.op == proto::RowOp::kUpsert) {
      DT_ASSIGN_OR_RETURN(
          RowWriter writer,
          RowWriter::Create(state.schema ? *state.schema : table.schema, {.time_zone = &zone}));
      line.clear();
      writer.Write(state.row, partition.values, &line);
      if (!line.empty() && line.back() == '\n') line.pop_back();
      row = line;
    }
    states += fmt::format(R"({{"version":{},"committed_at":{},"op":"{}","row":{}}})", state.version,
                          TimeOrNull(state.committed_at_ms).dump(),
                          state.op == proto::RowOp::kDelete ? "delete" : "upsert", row);
  }
  Response r;
  r.headers["content-type"] = "application/json";
  r.headers["x-deltatunnel-version"] = std::to_string(history.version);
  r.body = fmt::format(R"({{"version":{},"more":{},"history":[{}]}})", history.version,
                       history.more ? "true" : "false", states);
  return r;
}

}  // namespace

Response HandleData(ApiContext& ctx, Request& req) {
  return Answer(req, [&] { return Data(ctx, req); });
}
Response HandleChanges(ApiContext& ctx, Request& req) {
  return Answer(req, [&] { return Changes(ctx, req); });
}
Response HandleHistory(ApiContext& ctx, Request& req) {
  return Answer(req, [&] { return History(ctx, req); });
}
Response HandleLookup(ApiContext& ctx, Request& req) {
  return Answer(req, [&] { return Lookup(ctx, req); });
}

}  // namespace deltatunnel::server
