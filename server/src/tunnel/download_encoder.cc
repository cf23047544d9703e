#include "download_encoder.h"

#include <fmt/format.h>

#include <charconv>
#include <memory>
#include <optional>
#include <stdexcept>

#include "deltatunnel/proto/partition_spec.h"
#include "deltatunnel/proto/record_stream.h"
#include "deltatunnel/proto/stream_compressor.h"

namespace deltatunnel::server {
namespace {

// A piece of the streamed body is cut once this many encoded bytes are ready: large enough that
// the hand-over of each piece to the connection costs little beside its encoding.
constexpr size_t kPieceBytes = 256 << 10;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Which partitions a source reads: `full` for one partition by its spec; else every partition,
// each kept when its values equal `filter`'s (none: all kept).
struct PartitionPlan {
  std::optional<std::string> full;
  std::vector<std::pair<size_t, proto::Value>> filter;  // partition column index, value
  std::string canonical;  // of the spec ("" for none): the columns it names, in the table's order
};

Result<PartitionPlan> PlanPartitions(const proto::TableSchema& schema, std::string_view spec) {
  PartitionPlan plan;
  spec = Trim(spec);
  if (spec.empty()) return plan;
  // The columns the spec names, in the table's order, parsed as a spec of a table partitioned by
  // just those (which normalises values as the engine does).
  std::vector<bool> named(schema.partition_columns.size(), false);
  for (std::string_view rest = spec; !rest.empty();) {
    const size_t comma = rest.find(',');
    const std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    const size_t eq = item.find('=');
    const std::string_view name = Trim(item.substr(0, eq));
    const int c = schema.FindPartitionColumn(name);
    if (eq == std::string_view::npos || c < 0) {
      return InvalidArgument(
          fmt::format("'{}' in partition spec '{}' names no partition column", Trim(item), spec));
    }
    named[static_cast<size_t>(c)] = true;
  }
  proto::TableSchema sub;
  std::vector<size_t> index;
  for (size_t c = 0; c < named.size(); ++c) {
    if (!named[c]) continue;
    sub.partition_columns.push_back(schema.partition_columns[c]);
    index.push_back(c);
  }
  DT_ASSIGN_OR_RETURN(proto::PartitionSpec parsed, proto::ParsePartitionSpec(sub, spec));
  plan.canonical = parsed.canonical;
  if (index.size() == schema.partition_columns.size()) {
    plan.full = parsed.canonical;
    return plan;
  }
  for (size_t i = 0; i < index.size(); ++i) plan.filter.emplace_back(index[i], parsed.values[i]);
  return plan;
}

// The rows of a source in order: one scan at the version, skipping the partitions a partial spec
// leaves out.
class SourceCursor {
 public:
  static Result<std::unique_ptr<SourceCursor>> Open(storage::Engine& engine,
                                                    const DownloadSource& source,
                                                    const proto::TableSchema& schema) {
    auto cursor = std::unique_ptr<SourceCursor>(new SourceCursor());
    DT_ASSIGN_OR_RETURN(PartitionPlan plan, PlanPartitions(schema, source.partition));
    storage::ScanOptions scan;
    scan.project = source.project;
    scan.table = source.table;
    scan.partition = plan.full;
    scan.at.version = source.version;
    DT_ASSIGN_OR_RETURN(cursor->it_, engine.Scan(scan));
    cursor->filter_ = std::move(plan.filter);
    cursor->SkipUnmatched();
    return cursor;
  }

  bool Valid() const { return it_->Valid(); }
  void Next() {
    it_->Next();
    SkipUnmatched();
  }
  const proto::Row& row() const { return it_->row(); }
  const proto::PartitionSpec& partition() const { return it_->partition(); }
  Status status() const { return it_->status(); }
  // The table's schema at the version read (rows have its columns).
  const proto::TableSchema& schema() const { return it_->schema(); }

  // Moves past `n` rows; false when the rows ran out first.
  bool Skip(uint64_t n) {
    for (; n > 0 && Valid(); --n) Next();
    return n == 0;
  }

 private:
  SourceCursor() = default;

  void SkipUnmatched() {
    if (filter_.empty()) return;
    while (it_->Valid() && !Matches(it_->partition())) it_->Next();
  }
  // Rows come partition by partition: the answer is kept for the partition last seen.
  bool Matches(const proto::PartitionSpec& p) {
    if (p.canonical != last_partition_ || !last_known_) {
      last_partition_ = p.canonical;
      last_known_ = true;
      last_match_ = true;
      for (const auto& [c, value] : filter_) {
        if (!(p.values[c] == value)) last_match_ = false;
      }
    }
    return last_match_;
  }

  std::unique_ptr<storage::RowIterator> it_;
  std::vector<std::pair<size_t, proto::Value>> filter_;
  std::string last_partition_;
  bool last_known_ = false;
  bool last_match_ = false;
};

// What a streamed download keeps between pieces.
struct DownloadState {
  storage::TableInfo table;
  proto::TableSchema stream_schema;  // data columns, then partition columns as data columns
  DownloadColumns columns;
  bool with_partition_columns = false;
  std::unique_ptr<SourceCursor> cursor;
  std::unique_ptr<proto::RecordStreamWriter> writer;
  std::unique_ptr<proto::StreamCompressor> compressor;  // nullptr: raw
  proto::Row joined;                                    // a row with its partition values
  std::string raw;                                      // encoded, not yet compressed
  uint64_t left = 0;
  bool ended = false;

  void Write() {
    if (!with_partition_columns) {
      writer->WriteColumns(cursor->row(), columns);
      return;
    }
    const proto::Row& row = cursor->row();
    const proto::Row& values = cursor->partition().values;
    joined.resize(row.size() + values.size());
    std::copy(row.begin(), row.end(), joined.begin());
    std::copy(values.begin(), values.end(), joined.begin() + static_cast<ptrdiff_t>(row.size()));
    writer->WriteColumns(joined, columns);
  }

  // Appends the next piece to `out`; false once the answer is complete.
  bool Next(std::string& out) {
    if (ended) return false;
    std::string* sink = compressor ? &raw : &out;
    while (left > 0 && cursor->Valid() && writer->bytes() < kPieceBytes) {
      Write();
      --left;
      cursor->Next();
    }
    if (left > 0 && !cursor->Valid()) {
      // The caller checked the range against the snapshot's count: the rows cannot run out
      // unless the read failed. Cut the stream rather than end it short but valid.
      const Status s = cursor->status();
      throw std::runtime_error(s.ok() ? "the download's rows ran out before its range ended"
                                      : s.ToString());
    }
    writer->TakeWritten(sink);
    if (left == 0) {
      sink->append(writer->Finish());
      ended = true;
    }
    if (compressor) {
      compressor->Update(raw, &out);
      raw.clear();
      if (ended) compressor->Finish(&out);
    }
    return !ended;
  }
};

}  // namespace

Result<DownloadColumns> ResolveDownloadColumns(const proto::TableSchema& schema,
                                               std::string_view list, bool with_partition_columns) {
  DownloadColumns out;
  const auto ncols = static_cast<int>(schema.columns.size());
  list = Trim(list);
  if (list.empty()) {
    const int total =
        ncols + (with_partition_columns ? static_cast<int>(schema.partition_columns.size()) : 0);
    for (int i = 0; i < total; ++i) out.push_back(i);
    return out;
  }
  std::vector<bool> seen(schema.columns.size() + schema.partition_columns.size(), false);
  for (std::string_view rest = list; !rest.empty();) {
    const size_t comma = rest.find(',');
    const std::string_view name = Trim(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    int c = schema.FindColumn(name);
    if (c < 0 && with_partition_columns) {
      const int p = schema.FindPartitionColumn(name);
      if (p >= 0) c = ncols + p;
    }
    if (c < 0) {
      return InvalidArgument(fmt::format("column '{}' in 'columns' is not a {}column of the table",
                                         name, with_partition_columns ? "" : "data "));
    }
    if (seen[static_cast<size_t>(c)]) {
      return InvalidArgument(fmt::format("column '{}' is named twice in 'columns'", name));
    }
    seen[static_cast<size_t>(c)] = true;
    out.push_back(c);
  }
  return out;
}

nlohmann::json DownloadSchemaJson(const proto::TableSchema& schema, bool with_partition_columns) {
  using nlohmann::json;
  json columns = json::array();
  for (const proto::Column& c : schema.columns) {
    columns.push_back({{"name", c.name},
                       {"type", c.type.ToString()},
                       {"comment", c.comment},
                       {"nullable", c.nullable}});
  }
  json partition_keys = json::array();
  for (const proto::Column& c : schema.partition_columns) {
    json column = {{"name", c.name}, {"type", c.type.ToString()}, {"comment", c.comment}};
    if (with_partition_columns) {
      column["nullable"] = true;
      columns.push_back(std::move(column));
    } else {
      partition_keys.push_back(std::move(column));
    }
  }
  return {{"columns", std::move(columns)}, {"partitionKeys", std::move(partition_keys)}};
}

Result<std::string> ResolveDownloadPartition(storage::Engine& engine,
                                             const storage::TableInfo& table,
                                             std::string_view partition, bool must_exist) {
  DT_ASSIGN_OR_RETURN(PartitionPlan plan, PlanPartitions(table.schema, partition));
  if (!plan.full) return std::move(plan.canonical);
  if (!must_exist) return std::move(*plan.full);
  DT_ASSIGN_OR_RETURN(std::vector<storage::PartitionInfo> partitions,
                      engine.ListPartitions(table.project, table.name));
  for (const storage::PartitionInfo& p : partitions) {
    if (p.partition == *plan.full) return std::move(*plan.full);
  }
  return Status(ErrorCode::kNoSuchPartition,
                fmt::format("partition '{}' of table '{}' does not exist", *plan.full, table.name));
}

Result<uint64_t> CountDownloadRows(storage::Engine& engine, const DownloadSource& source) {
  DT_ASSIGN_OR_RETURN(storage::TableInfo table, engine.DescribeTable(source.project, source.table));
  DT_ASSIGN_OR_RETURN(std::unique_ptr<SourceCursor> cursor,
                      SourceCursor::Open(engine, source, table.schema));
  uint64_t n = 0;
  for (; cursor->Valid(); cursor->Next()) ++n;
  DT_RETURN_IF_ERROR(cursor->status());
  return n;
}

Result<RowRange> ParseRowRange(std::string_view text) {
  auto refuse = [&] {
    return InvalidArgument(
        fmt::format("rowrange '{}' is not (start,count) with two non-negative integers", text));
  };
  std::string_view t = Trim(text);
  if (t.size() < 2 || t.front() != '(' || t.back() != ')') return refuse();
  t = t.substr(1, t.size() - 2);
  const size_t comma = t.find(',');
  if (comma == std::string_view::npos) return refuse();
  RowRange range;
  for (auto [part, out] : {std::pair{Trim(t.substr(0, comma)), &range.start},
                           std::pair{Trim(t.substr(comma + 1)), &range.count}}) {
    auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), *out);
    if (part.empty() || ec != std::errc() || end != part.data() + part.size()) return refuse();
  }
  if (range.start > UINT64_MAX - range.count) return refuse();
  return range;
}

Result<Response> DownloadResponse(storage::Engine& engine, const DownloadSource& source,
                                  const DownloadColumns& columns, RowRange range,
                                  const std::string& encoding) {
  auto state = std::make_shared<DownloadState>();
  DT_ASSIGN_OR_RETURN(state->table, engine.DescribeTable(source.project, source.table));
  DT_ASSIGN_OR_RETURN(state->cursor, SourceCursor::Open(engine, source, state->table.schema));
  // The download's columns are those of its version (the session's), whatever changed since.
  state->table.schema = state->cursor->schema();
  const proto::TableSchema& schema = state->table.schema;
  state->stream_schema.columns = schema.columns;
  for (const proto::Column& c : schema.partition_columns) {
    state->stream_schema.columns.push_back(c);
    state->stream_schema.columns.back().nullable = true;
  }
  for (int c : columns) {
    if (c < 0 || static_cast<size_t>(c) >= state->stream_schema.columns.size()) {
      return InvalidArgument(fmt::format("download column index {} is out of range", c));
    }
    if (static_cast<size_t>(c) >= schema.columns.size()) state->with_partition_columns = true;
  }
  state->columns = columns;
  if (!encoding.empty()) {
    DT_ASSIGN_OR_RETURN(state->compressor, proto::StreamCompressor::Make(encoding));
  }
  if (!state->cursor->Skip(range.start) || (range.count > 0 && !state->cursor->Valid())) {
    DT_RETURN_IF_ERROR(state->cursor->status());
    return InvalidArgument(fmt::format("rowrange ({},{}) is past the last row of the download",
                                       range.start, range.count));
  }
  state->writer = std::make_unique<proto::RecordStreamWriter>(state->stream_schema);
  state->left = range.count;
  Response r;
  r.headers["content-type"] = "application/octet-stream";
  if (!encoding.empty()) r.headers["content-encoding"] = encoding;
  r.stream = [state](std::string& out) { return state->Next(out); };
  return r;
}

}  // namespace deltatunnel::server
