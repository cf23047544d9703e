#include "odps/instances.h"

#include <fmt/format.h>

#include <chrono>

#include <nlohmann/json.hpp>

#include "odps/instance_store.h"
#include "odps/job.h"
#include "odps/reply.h"
#include "odps/result_csv.h"
#include "odps/sql/parser.h"
#include "odps/statement_runner.h"
#include "odps/table_xml.h"
#include "odps/xml.h"
#include "tunnel/instance_downloads.h"

namespace deltatunnel::server::odps {
namespace {

// Rows a SELECT's ?result carries at most, as MaxCompute's own CSV result does (pyodps warns that
// this fallback is limited to 10 000 records).
constexpr size_t kResultRowLimit = 10000;

constexpr std::string_view kRunsOnly =
    "deltatunnel runs only CREATE TABLE, ALTER TABLE ... ADD|DROP PARTITION, ALTER TABLE ... SET "
    "TBLPROPERTIES|LIFECYCLE|COMMENT, ALTER TABLE ... COMPACT MAJOR, TRUNCATE TABLE, DROP TABLE "
    "and SELECT * FROM t [WHERE partition = value ...], and Merge tasks";

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

const std::string& Project(const Request& req) { return req.params.at("project"); }

bool HasKey(const Request& req, std::string_view key) {
  for (const auto& [k, v] : req.query) {
    if (k == key) return true;
  }
  return false;
}

// The prefix the client used (/api or none), so Location points where it sent the POST.
std::string PrefixOf(const Request& req) { return req.path.rfind("/api/", 0) == 0 ? "/api" : ""; }

Response Refuse(const Request& req, std::string_view why) {
  return ParseErrorXml(fmt::format("{}. {}; for anything else use the native API "
                                   "(/api/v1/projects/{{p}}/tables...: load, data, lookup, "
                                   "changes, compact).",
                                   why, kRunsOnly),
                       req.request_id);
}

// A SELECT's result: its rows as CSV, and the <ResultDescriptor> JSON pyodps reads to type the
// CSV's values ({"IsSelect", "SelectResultStatus", "Schema"}).
struct SelectResult {
  std::string csv;
  std::string descriptor;
};

Result<SelectResult> ReadSelect(ApiContext& ctx, const SelectTarget& target) {
  DT_ASSIGN_OR_RETURN(storage::TableInfo info,
                      ctx.engine->DescribeTable(target.project, target.table));
  DT_ASSIGN_OR_RETURN(CsvRows rows, ScanCsv(*ctx.engine, info, target.partition, target.version,
                                            kResultRowLimit, ""));
  SelectResult out;
  out.csv = std::move(rows.csv);
  out.descriptor = nlohmann::json({{"IsSelect", true},
                                   {"SelectResultStatus", rows.truncated ? "TRUNCATED" : "FULL"},
                                   {"Schema", {{"Columns", std::move(rows.columns)}}}})
                       .dump();
  return out;
}

std::string TaskStatus(const InstanceRecord& r) { return r.success ? "Success" : "Failed"; }

}  // namespace

Response HandleCreateInstance(ApiContext& ctx, Request& req) {
  auto job = ParseJob(req.body);
  if (!job.ok()) return ErrorXml(job.status(), req.request_id);
  const std::string& project = Project(req);
  TaskOutcome outcome;
  if (job->kind == Job::Kind::kSql) {
    auto statement = sql::ParseStatement(job->query);
    if (!statement.ok()) return Refuse(req, statement.status().message());
    outcome = RunStatement(ctx, project, *statement);
  } else {
    auto target = sql::ParseMergeTarget(job->target);
    if (!target.ok()) return Refuse(req, "Merge <TableName>: " + target.status().message());
    outcome = RunStatement(ctx, project, sql::Statement(std::move(target).value()));
  }
  if (outcome.kind == TaskOutcome::Kind::kRefused) return Refuse(req, outcome.message);

  InstanceRecord record;
  record.project = project;
  record.job = std::move(job).value();
  record.start_ms = NowMs();
  record.end_ms = record.start_ms;
  record.success = outcome.kind == TaskOutcome::Kind::kSuccess;
  record.result = record.success && !outcome.select ? "" : outcome.message;
  record.select = std::move(outcome.select);
  const std::string id = ctx.instances->Add(std::move(record));
  Response r;
  r.status = 201;
  r.headers["location"] = fmt::format("{}/projects/{}/instances/{}", PrefixOf(req), project, id);
  return r;
}

Response HandleGetInstance(ApiContext& ctx, Request& req) {
  if (HasKey(req, "downloadid")) return HandleInstanceTunnel(ctx, req);
  const std::string& id = req.params.at("instance");
  std::optional<InstanceRecord> r = ctx.instances->Get(Project(req), id);
  if (!r) {
    return ErrorXml({ErrorCode::kNoSuchObject,
                     fmt::format("instance '{}' not found in project '{}' (instances are kept in "
                                 "memory, the newest 10000, until a restart)",
                                 id, Project(req))},
                    req.request_id);
  }
  const std::string task_attrs = fmt::format("Type=\"{}\"", XmlEscape(r->job.task_type));
  const std::string name = XmlEscape(r->job.task_name);
  Response out;
  if (HasKey(req, "taskstatus")) {
    out = XmlResponse(fmt::format(
        "<Instance><Status>Terminated</Status><Tasks><Task {}><Name>{}</Name>"
        "<StartTime>{}</StartTime><EndTime>{}</EndTime><Status>{}</Status></Task></Tasks>"
        "</Instance>",
        task_attrs, name, XmlEscape(HttpDate(r->start_ms)), XmlEscape(HttpDate(r->end_ms)),
        TaskStatus(*r)));
  } else if (HasKey(req, "result")) {
    std::string text = r->result;
    std::string format = "text";
    std::string descriptor;
    if (r->success && r->select) {
      auto select = ReadSelect(ctx, *r->select);
      if (!select.ok()) return ErrorXml(select.status(), req.request_id);
      text = std::move(select->csv);
      format = "csv";
      descriptor = "<ResultDescriptor>" + XmlCData(select->descriptor) + "</ResultDescriptor>";
    }
    out = XmlResponse(
        fmt::format("<Instance><Tasks><Task {}><Name>{}</Name><Result Format=\"{}\">{}</Result>{}"
                    "<Status>{}</Status></Task></Tasks></Instance>",
                    task_attrs, name, format, XmlCData(text), descriptor, TaskStatus(*r)));
  } else if (HasKey(req, "source")) {
    out = XmlResponse(JobXml(r->job));
  } else {
    out = XmlResponse("<Instance><Status>Terminated</Status></Instance>");
  }
  out.headers["x-odps-start-time"] = HttpDate(r->start_ms);
  out.headers["x-odps-end-time"] = HttpDate(r->end_ms);
  out.headers["x-odps-owner"] = std::string(kOwner);
  out.headers["last-modified"] = HttpDate(r->end_ms);
  return out;
}

Response HandleInstanceTunnel(ApiContext& ctx, Request& req) {
  // The snapshot the instance's SELECT read, served by the instance tunnel
  // (tunnel/instance_downloads.h). An instance without one answers InvalidArgument, on which
  // pyodps reads ?result instead.
  InstanceResultLookup lookup = [&ctx](const std::string& project,
                                       const std::string& id) -> Result<DownloadSource> {
    std::optional<InstanceRecord> r = ctx.instances->Get(project, id);
    if (!r) return Status(ErrorCode::kNoSuchObject, fmt::format("instance '{}' not found", id));
    if (!r->select) {
      return InvalidArgument(fmt::format("instance '{}' has no SELECT result to download", id));
    }
    return DownloadSource{r->select->project, r->select->table, r->select->version,
                          r->select->partition.value_or("")};
  };
  return HandleInstanceDownloads(ctx, req, lookup);
}

}  // namespace deltatunnel::server::odps
