// Partition spec grammar, as clients send it (quotes already stripped by most; we strip them too):
//   spec  := "" | item { "," item }
//   item  := name "=" value          -- spaces around names and values are ignored
//   value := text | "'" text "'" | '"' text '"'
// Values: STRING any non-empty text without ',' and '=' (they would make the canonical form
// ambiguous) or control characters; BIGINT a decimal integer; DATE YYYY-MM-DD.
#include "deltatunnel/proto/partition_spec.h"

#include <charconv>

#include "deltatunnel/proto/civil_date.h"

namespace deltatunnel::proto {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string_view StripQuotes(std::string_view s) {
  if (s.size() >= 2 && (s.front() == '\'' || s.front() == '"') && s.back() == s.front()) {
    return s.substr(1, s.size() - 2);
  }
  return s;
}

Status ParseValue(const Column& c, std::string_view text, Value* value, std::string* canonical) {
  auto refuse = [&](std::string_view why) {
    return InvalidArgument("partition column '" + c.name + "': " + std::string(why));
  };
  if (text.empty()) return refuse("the value is empty");
  switch (c.type.kind) {
    case TypeKind::kBigint: {
      std::string_view digits = text;
      if (digits.front() == '+') digits.remove_prefix(1);
      int64_t v = 0;
      auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
      if (ec != std::errc() || end != digits.data() + digits.size()) {
        return refuse("'" + std::string(text) + "' is not a BIGINT");
      }
      *value = v;
      *canonical = std::to_string(v);
      return Status::Ok();
    }
    case TypeKind::kDate: {
      int64_t days;
      if (!ParseDate(text, &days)) {
        return refuse("'" + std::string(text) + "' is not a DATE (YYYY-MM-DD, 0001 to 9999)");
      }
      *value = days;
      *canonical = std::string(text);
      return Status::Ok();
    }
    default:
      for (char ch : text) {
        if (ch == ',' || ch == '=' || static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) {
          return refuse("the value may not contain ',', '=' or control characters");
        }
      }
      *value = std::string(text);
      *canonical = std::string(text);
      return Status::Ok();
  }
}

}  // namespace

Result<PartitionSpec> ParsePartitionSpec(const TableSchema& schema, std::string_view spec) {
  PartitionSpec out;
  spec = Trim(spec);
  const size_t n = schema.partition_columns.size();
  if (n == 0) {
    if (!spec.empty()) {
      return InvalidArgument("the table is not partitioned, but a partition was given: '" +
                             std::string(spec) + "'");
    }
    return out;
  }
  if (spec.empty()) {
    std::string names;
    for (const Column& c : schema.partition_columns) names += (names.empty() ? "" : ",") + c.name;
    return InvalidArgument("the table is partitioned by " + names + ": a partition is required");
  }
  out.values.resize(n);
  std::vector<std::string> texts(n);
  std::vector<bool> seen(n, false);
  while (!spec.empty()) {
    const size_t comma = spec.find(',');
    std::string_view item = spec.substr(0, comma);
    spec = comma == std::string_view::npos ? std::string_view() : spec.substr(comma + 1);
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      return InvalidArgument("partition spec item '" + std::string(Trim(item)) +
                             "' is not name=value");
    }
    const std::string_view name = Trim(item.substr(0, eq));
    const int i = schema.FindPartitionColumn(name);
    if (i < 0) return InvalidArgument("unknown partition column '" + std::string(name) + "'");
    if (seen[i]) {
      return InvalidArgument("partition column '" + schema.partition_columns[i].name +
                             "' is given twice");
    }
    seen[i] = true;
    DT_RETURN_IF_ERROR(ParseValue(schema.partition_columns[i],
                                  StripQuotes(Trim(item.substr(eq + 1))), &out.values[i],
                                  &texts[i]));
  }
  for (size_t i = 0; i < n; ++i) {
    if (!seen[i]) {
      return InvalidArgument("partition column '" + schema.partition_columns[i].name +
                             "' is missing from the partition spec");
    }
    if (i > 0) out.canonical += ',';
    out.canonical += schema.partition_columns[i].name;
    out.canonical += '=';
    out.canonical += texts[i];
  }
  return out;
}

}  // namespace deltatunnel::proto
