#include "odps/tables.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "deltatunnel/proto/partition_spec.h"
#include "odps/reply.h"
#include "odps/result_csv.h"
#include "odps/table_xml.h"
#include "tunnel/table_downloads.h"

namespace deltatunnel::server::odps {
namespace {

// Page size when the client names none.
constexpr size_t kDefaultMaxItems = 10000;
// The most rows ?data&linenum answers (MaxCompute's own bound for a preview).
constexpr size_t kMaxHeadRows = 10000;

const std::string& Project(const Request& req) { return req.params.at("project"); }
const std::string& Table(const Request& req) { return req.params.at("table"); }

bool HasKey(const Request& req, std::string_view key) {
  for (const auto& [k, v] : req.query) {
    if (k == key) return true;
  }
  return false;
}

std::string QueryValue(const Request& req, std::string_view key) {
  const std::string* v = req.Query(key);
  return v == nullptr ? std::string() : *v;
}

Result<size_t> MaxItems(const Request& req) {
  const std::string v = QueryValue(req, "maxitems");
  if (v.empty()) return kDefaultMaxItems;
  char* end = nullptr;
  const unsigned long long n = std::strtoull(v.c_str(), &end, 10);
  if (*end != '\0' || n == 0 || n > 1000000) {
    return InvalidArgument(fmt::format("maxitems '{}' is not a number in 1..1000000", v));
  }
  return static_cast<size_t>(n);
}

std::string Unquote(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  if (s.size() >= 2 && (s.front() == '\'' || s.front() == '"') && s.back() == s.front()) {
    s = s.substr(1, s.size() - 2);
  }
  return std::string(s);
}

// A partition's last modification: its last version's time (the table's creation if unknown).
int64_t ModifiedAt(const storage::TableInfo& info, const storage::PartitionInfo& p) {
  return p.committed_at_ms != 0 ? p.committed_at_ms : info.created_at_ms;
}

int64_t LastModified(ApiContext& ctx, const storage::TableInfo& info) {
  auto versions = ctx.engine->Versions(info.project, info.name, 1);
  if (!versions.ok() || versions->empty()) return info.created_at_ms;
  return versions->front().committed_at_ms;
}

Result<Response> Partition(ApiContext& ctx, const storage::TableInfo& info,
                           const std::string& spec_text) {
  DT_ASSIGN_OR_RETURN(proto::PartitionSpec spec, proto::ParsePartitionSpec(info.schema, spec_text));
  DT_ASSIGN_OR_RETURN(std::vector<storage::PartitionInfo> parts,
                      ctx.engine->ListPartitions(info.project, info.name));
  for (const storage::PartitionInfo& p : parts) {
    if (p.partition != spec.canonical) continue;
    return XmlResponse(PartitionXml(info, p, ModifiedAt(info, p)));
  }
  return Status(
      ErrorCode::kNoSuchPartition,
      fmt::format("partition '{}' of table '{}' does not exist", spec.canonical, info.name));
}

// Whether the partition's canonical spec has every column=value of `prefix` ("pt='a'", any case
// of names, quotes optional).
Result<bool> MatchesPrefix(const storage::TableInfo& info, const std::string& canonical,
                           const std::string& prefix) {
  if (prefix.empty()) return true;
  std::string_view rest = prefix;
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      return InvalidArgument(fmt::format("partition prefix item '{}' is not column=value", item));
    }
    const int col = info.schema.FindPartitionColumn(Unquote(item.substr(0, eq)));
    if (col < 0) {
      return InvalidArgument(
          fmt::format("unknown partition column '{}'", Unquote(item.substr(0, eq))));
    }
    const std::string want =
        info.schema.partition_columns[col].name + "=" + Unquote(item.substr(eq + 1));
    bool found = false;
    std::string_view have = canonical;
    while (!have.empty() && !found) {
      const size_t c = have.find(',');
      found = have.substr(0, c) == want;
      have = c == std::string_view::npos ? std::string_view() : have.substr(c + 1);
    }
    if (!found) return false;
  }
  return true;
}

Result<Response> Partitions(ApiContext& ctx, const storage::TableInfo& info, const Request& req) {
  DT_ASSIGN_OR_RETURN(size_t max_items, MaxItems(req));
  DT_ASSIGN_OR_RETURN(std::vector<storage::PartitionInfo> parts,
                      ctx.engine->ListPartitions(info.project, info.name));
  std::sort(parts.begin(), parts.end(),
            [](const auto& a, const auto& b) { return a.partition < b.partition; });
  const std::string marker = QueryValue(req, "marker");
  const std::string prefix = QueryValue(req, "partition");
  std::vector<storage::PartitionInfo> page;
  std::vector<int64_t> modified;
  std::string next;
  for (const storage::PartitionInfo& p : parts) {
    // A non-partitioned table has one partition, "", which is no partition to list.
    if (p.partition.empty() || (!marker.empty() && p.partition <= marker)) continue;
    DT_ASSIGN_OR_RETURN(bool match, MatchesPrefix(info, p.partition, prefix));
    if (!match) continue;
    if (page.size() == max_items) {
      next = page.back().partition;
      break;
    }
    page.push_back(p);
    modified.push_back(ModifiedAt(info, p));
  }
  return XmlResponse(PartitionListXml(info, page, modified, next));
}

// GET ?data&linenum=N[&partition=SPEC][&cols=a,b]: pyodps head(), the first N rows as CSV.
Result<Response> Head(ApiContext& ctx, const storage::TableInfo& info, const Request& req) {
  const std::string linenum = QueryValue(req, "linenum");
  char* end = nullptr;
  const unsigned long long n = std::strtoull(linenum.c_str(), &end, 10);
  if (linenum.empty() || *end != '\0' || n == 0 || n > kMaxHeadRows) {
    return InvalidArgument(
        fmt::format("linenum '{}' is not a number in 1..{}", linenum, kMaxHeadRows));
  }
  std::optional<std::string> partition;
  if (const std::string* spec = req.Query("partition"); spec != nullptr && !spec->empty()) {
    DT_ASSIGN_OR_RETURN(proto::PartitionSpec p, proto::ParsePartitionSpec(info.schema, *spec));
    partition = p.canonical;
  }
  DT_ASSIGN_OR_RETURN(CsvRows rows, ScanCsv(*ctx.engine, info, partition, std::nullopt, n,
                                            QueryValue(req, "cols")));
  Response r;
  r.headers["content-type"] = "text/csv";
  r.body = std::move(rows.csv);
  return r;
}

}  // namespace

Response HandleListTables(ApiContext& ctx, Request& req) {
  return AnswerXml(req, [&]() -> Result<Response> {
    DT_ASSIGN_OR_RETURN(size_t max_items, MaxItems(req));
    auto tables = ctx.engine->ListTables(Project(req));
    std::vector<storage::TableInfo> all;
    if (tables.ok()) {
      all = std::move(tables).value();
    } else if (tables.status().code() != ErrorCode::kNoSuchProject) {
      return tables.status();  // a project without tables lists none
    }
    std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    const std::string marker = QueryValue(req, "marker");
    const std::string prefix = QueryValue(req, "name");
    std::vector<storage::TableInfo> page;
    std::string next;
    for (storage::TableInfo& t : all) {
      if (!marker.empty() && t.name <= marker) continue;
      if (t.name.rfind(prefix, 0) != 0) continue;
      if (page.size() == max_items) {
        next = page.back().name;
        break;
      }
      page.push_back(std::move(t));
    }
    return XmlResponse(TableListXml(page, next));
  });
}

Response HandleGetTable(ApiContext& ctx, Request& req) {
  if (HasKey(req, "downloadid") || HasKey(req, "uploadid")) return HandleTableTunnelGet(ctx, req);
  return AnswerXml(req, [&]() -> Result<Response> {
    DT_ASSIGN_OR_RETURN(storage::TableInfo info,
                        ctx.engine->DescribeTable(Project(req), Table(req)));
    if (HasKey(req, "data")) return Head(ctx, info, req);
    if (HasKey(req, "partitions")) return Partitions(ctx, info, req);
    if (const std::string* spec = req.Query("partition")) return Partition(ctx, info, *spec);
    Response r = XmlResponse(TableXml(info, LastModified(ctx, info)));
    r.headers["last-modified"] = HttpDate(LastModified(ctx, info));
    r.headers["x-odps-owner"] = std::string(kOwner);
    return r;
  });
}

Response HandleTableTunnelGet(ApiContext& ctx, Request& req) {
  return HandleTableDownloads(ctx, req);
}

}  // namespace deltatunnel::server::odps
