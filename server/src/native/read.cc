#include "native/read.h"

#include <fmt/format.h>

#include <memory>
#include <optional>
#include <stdexcept>

#include "api_util.h"
#include "deltatunnel/proto/partition_spec.h"
#include "deltatunnel/server/format_row_writer.h"
#include "deltatunnel/server/format_scalar.h"
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
Result<proto::Row> ReadKey(const storage::TableInfo& table, const nlohmann::json& obj, size_t index,
                           const TimeZone& zone) {
  const proto::TableSchema& schema = table.schema;
  if (!obj.is_object()) return InvalidArgument(fmt::format("keys[{}] must be an object", index));
  proto::Row key(schema.columns.size());
  for (const auto& [name, value] : obj.items()) {
    int c = schema.FindColumn(name);
    if (c < 0 || !schema.IsKeyColumn(c)) {
      return InvalidArgument(
          fmt::format("keys[{}]: '{}' is not a primary key column", index, name));
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
      return InvalidArgument(
          fmt::format("keys[{}], column '{}': {}", index, col.name, s.message()));
    }
  }
  for (int k : schema.primary_key) {
    if (key[k].is_null()) {
      return InvalidArgument(
          fmt::format("keys[{}]: key column '{}' is missing", index, schema.columns[k].name));
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
    DT_ASSIGN_OR_RETURN(proto::Row key, ReadKey(table, (*keys)[i], i, zone));
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

}  // namespace

Response HandleData(ApiContext& ctx, Request& req) {
  return Answer(req, [&] { return Data(ctx, req); });
}
Response HandleChanges(ApiContext& ctx, Request& req) {
  return Answer(req, [&] { return Changes(ctx, req); });
}
Response HandleLookup(ApiContext& ctx, Request& req) {
  return Answer(req, [&] { return Lookup(ctx, req); });
}

}  // namespace deltatunnel::server
