// RowWriter (format/row_writer.h).
#include "deltatunnel/server/format_row_writer.h"

#include <charconv>

#include "deltatunnel/server/format_value_writer.h"

namespace deltatunnel::server {
namespace {

const TimeZone kUtc;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

void AppendInt(int64_t v, std::string* out) {
  char buf[24];
  out->append(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
}

}  // namespace

Result<RowWriter> RowWriter::Create(const proto::TableSchema& schema,
                                    const RowWriterOptions& options) {
  RowWriter w;
  w.schema_ = &schema;
  w.zone_ = options.time_zone != nullptr ? options.time_zone : &kUtc;
  w.format_ = options.format;
  w.changes_ = options.changes;
  auto add = [&w, &schema](bool partition, int index) {
    OutColumn c;
    c.partition = partition;
    c.index = index;
    c.key = partition || schema.IsKeyColumn(index);
    c.name = partition ? schema.partition_columns[index].name : schema.columns[index].name;
    AppendJsonString(c.name, &c.json_key);
    c.json_key.push_back(':');
    w.columns_.push_back(std::move(c));
  };
  if (Trim(options.columns).empty()) {
    for (size_t i = 0; i < schema.columns.size(); ++i) add(false, static_cast<int>(i));
    for (size_t j = 0; j < schema.partition_columns.size(); ++j) add(true, static_cast<int>(j));
    return w;
  }
  std::string_view rest = options.columns;
  for (;;) {
    const size_t comma = rest.find(',');
    const std::string_view name = Trim(rest.substr(0, comma));
    if (name.empty()) return InvalidArgument("columns= has an empty column name");
    const int i = schema.FindColumn(name);
    const int j = i < 0 ? schema.FindPartitionColumn(name) : -1;
    if (i < 0 && j < 0) {
      return InvalidArgument("columns= names unknown column '" + std::string(name) + "'");
    }
    for (const OutColumn& c : w.columns_) {
      if (c.partition == (i < 0) && c.index == (i < 0 ? j : i)) {
        return InvalidArgument("columns= names '" + c.name + "' twice");
      }
    }
    add(i < 0, i < 0 ? j : i);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return w;
}

void RowWriter::Begin(std::string* out) {
  if (format_ == BodyFormat::kJson) {
    out->push_back('[');
    return;
  }
  if (format_ != BodyFormat::kCsv) return;
  for (size_t i = 0; i < columns_.size(); ++i) {
    if (i > 0) out->push_back(',');
    AppendCsvText(columns_[i].name, out);
  }
  if (changes_) out->append(columns_.empty() ? "__op,__version" : ",__op,__version");
  out->append("\r\n");
}

void RowWriter::Write(const proto::Row& row, const proto::Row& partition, std::string* out) {
  WriteRow(row, partition, false, nullptr, 0, out);
}

void RowWriter::WriteChange(const proto::Row& row, const proto::Row& partition, proto::RowOp op,
                            int64_t version, std::string* out) {
  WriteRow(row, partition, op == proto::RowOp::kDelete, &op, version, out);
}

void RowWriter::End(std::string* out) {
  if (format_ == BodyFormat::kJson) out->append(rows_ > 0 ? "\n]\n" : "]\n");
}

void RowWriter::WriteRow(const proto::Row& row, const proto::Row& partition, bool keys_only,
                         const proto::RowOp* op, int64_t version, std::string* out) {
  static const proto::Value kNull;
  auto value_of = [&](const OutColumn& c) -> const proto::Value& {
    const proto::Row& from = c.partition ? partition : row;
    return static_cast<size_t>(c.index) < from.size() ? from[c.index] : kNull;
  };
  auto type_of = [&](const OutColumn& c) -> const proto::Type& {
    return c.partition ? schema_->partition_columns[c.index].type : schema_->columns[c.index].type;
  };
  const std::string_view op_name = op == nullptr                  ? ""
                                   : *op == proto::RowOp::kDelete ? "delete"
                                                                  : "upsert";
  if (format_ == BodyFormat::kCsv) {
    for (size_t i = 0; i < columns_.size(); ++i) {
      if (i > 0) out->push_back(',');
      const OutColumn& c = columns_[i];
      if (keys_only && !c.key) continue;
      AppendCsvValue(type_of(c), value_of(c), *zone_, out);
    }
    if (op != nullptr) {
      if (!columns_.empty()) out->push_back(',');
      out->append(op_name);
      out->push_back(',');
      AppendInt(version, out);
    }
    out->append("\r\n");
    ++rows_;
    return;
  }
  if (format_ == BodyFormat::kJson) out->append(rows_ == 0 ? "\n" : ",\n");
  out->push_back('{');
  bool first = true;
  for (const OutColumn& c : columns_) {
    if (keys_only && !c.key) continue;
    if (!first) out->push_back(',');
    first = false;
    out->append(c.json_key);
    AppendJsonValue(type_of(c), value_of(c), *zone_, out);
  }
  if (op != nullptr) {
    out->append(first ? "\"__op\":\"" : ",\"__op\":\"");
    out->append(op_name);
    out->append("\",\"__version\":");
    AppendInt(version, out);
  }
  out->push_back('}');
  if (format_ == BodyFormat::kNdjson) out->push_back('\n');
  ++rows_;
}

}  // namespace deltatunnel::server
