#include "deltatunnel/client/client.h"

#include <ctime>

#include "deltatunnel/proto/odps_signature.h"

namespace deltatunnel::client {
namespace {

std::string RfcDate() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

Result<std::unique_ptr<Client>> Client::Open(ClientOptions options) {
  DT_ASSIGN_OR_RETURN(auto host_port, ParseEndpoint(options.endpoint));
  auto transport = MakeBeastTransport(host_port.first, host_port.second, options);
  return std::make_unique<Client>(std::move(options), std::move(transport));
}

Client::Client(ClientOptions options, std::unique_ptr<HttpTransport> transport,
               Backoff::Sleeper sleeper)
    : options_(std::move(options)),
      transport_(std::move(transport)),
      backoff_(options_.retry, std::move(sleeper)) {
  auto hp = ParseEndpoint(options_.endpoint);
  if (hp.ok()) host_port_ = hp->first + ":" + std::to_string(hp->second);
}

HttpRequest Client::Prepare(const std::string& method, const std::string& path, const Query& query,
                            std::vector<std::pair<std::string, std::string>> headers,
                            std::string_view body) const {
  HttpRequest req;
  req.method = method;
  req.target = path;
  for (size_t i = 0; i < query.size(); ++i) {
    req.target += (i == 0 ? "?" : "&") + PercentEncode(query[i].first);
    if (!query[i].second.empty()) req.target += "=" + PercentEncode(query[i].second);
  }
  headers.emplace_back("User-Agent", options_.user_agent);
  headers.emplace_back("x-odps-tunnel-version", "6");
  if (!options_.access_id.empty()) {
    headers.emplace_back("Date", RfcDate());
    proto::SignatureInput in;
    in.method = method;
    in.path = path;
    in.query = query;
    for (const auto& [name, value] : headers) in.headers[Lower(name)] = value;
    headers.emplace_back("Authorization",
                         proto::OdpsAuthorization(options_.access_id, options_.access_key, in));
  } else if (!options_.token.empty()) {
    headers.emplace_back("Authorization", "Bearer " + options_.token);
  }
  req.headers = std::move(headers);
  req.body = body;
  return req;
}

Result<HttpResponse> Client::Call(const std::string& method, const std::string& path,
                                  const Query& query, std::string_view body,
                                  std::vector<std::pair<std::string, std::string>> headers,
                                  Retry retry) {
  return CallWith(method, path, query, body, headers, retry,
                  [this](const HttpRequest& req) { return transport_->Send(req); }, {});
}

Result<HttpResponse> Client::CallWith(
    const std::string& method, const std::string& path, const Query& query, std::string_view body,
    const std::vector<std::pair<std::string, std::string>>& headers, Retry retry,
    const std::function<Result<HttpResponse>(const HttpRequest&)>& send,
    const std::function<bool()>& may_retry) {
  const int max_retries = retry == Retry::kYes ? backoff_.max_retries() : 0;
  for (int attempt = 0;; ++attempt) {
    // Signed afresh each time: the Date header ages.
    HttpRequest req = Prepare(method, path, query, headers, body);
    Result<HttpResponse> res = send(req);
    std::optional<std::chrono::milliseconds> retry_after;
    Status failure;
    if (!res.ok()) {
      failure = res.status();
    } else if (res->status >= 200 && res->status < 300) {
      return res;
    } else {
      failure = StatusFromResponse(*res);
      if (!IsRetryableHttpStatus(res->status)) return failure;
      retry_after = ParseRetryAfter(res->Header("retry-after"));
    }
    if (attempt >= max_retries || (may_retry && !may_retry())) return failure;
    backoff_.Sleep(backoff_.Delay(attempt, retry_after));
  }
}

Result<nlohmann::json> Client::CallJson(const std::string& method, const std::string& path,
                                        const Query& query, std::string body, Retry retry) {
  std::vector<std::pair<std::string, std::string>> headers;
  if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
  DT_ASSIGN_OR_RETURN(HttpResponse res, Call(method, path, query, body, std::move(headers), retry));
  if (res.body.empty()) return nlohmann::json::object();
  auto json = nlohmann::json::parse(res.body, nullptr, false);
  if (json.is_discarded()) {
    return Status(ErrorCode::kInternalServerError,
                  method + " " + path + ": the answer is not JSON: " + res.body.substr(0, 200));
  }
  return json;
}

namespace {
std::string TablesPath(const std::string& project) {
  return "/api/v1/projects/" + PercentEncode(project) + "/tables";
}
std::string TablePath(const std::string& project, const std::string& table) {
  return TablesPath(project) + "/" + PercentEncode(table);
}
}  // namespace

Result<nlohmann::json> Client::CreateTable(const std::string& project,
                                           const nlohmann::json& table) {
  // Not retried blindly: a lost answer would make the retry answer TableAlreadyExists.
  return CallJson("POST", TablesPath(project), {}, table.dump(), Retry::kYes);
}

Result<nlohmann::json> Client::DescribeTable(const std::string& project, const std::string& table) {
  return CallJson("GET", TablePath(project, table));
}

Result<nlohmann::json> Client::ListTables(const std::string& project) {
  return CallJson("GET", TablesPath(project));
}

Status Client::DropTable(const std::string& project, const std::string& table) {
  return Call("DELETE", TablePath(project, table)).status();
}

Result<nlohmann::json> Client::AlterTable(const std::string& project, const std::string& table,
                                          const nlohmann::json& properties) {
  // Setting the same values again is harmless: retried like any idempotent call.
  return CallJson("PATCH", TablePath(project, table), {},
                  nlohmann::json{{"properties", properties}}.dump());
}

Result<nlohmann::json> Client::ChangeSchema(const std::string& project, const std::string& table,
                                            const nlohmann::json& change) {
  return CallJson("PATCH", TablePath(project, table), {}, change.dump(), Retry::kNo);
}

Result<nlohmann::json> Client::ListPartitions(const std::string& project,
                                              const std::string& table) {
  return CallJson("GET", TablePath(project, table) + "/partitions");
}

Result<nlohmann::json> Client::ListSessions(const std::string& project, const std::string& table) {
  return CallJson("GET", TablePath(project, table) + "/sessions");
}

Result<nlohmann::json> Client::Truncate(const std::string& project, const std::string& table,
                                        const std::string& partition) {
  Query q;
  if (!partition.empty()) q.emplace_back("partition", partition);
  return CallJson("POST", TablePath(project, table) + "/truncate", q);
}

Result<nlohmann::json> Client::DropPartition(const std::string& project, const std::string& table,
                                             const std::string& partition, bool if_exists) {
  Query q{{"partition", partition}};
  if (if_exists) q.emplace_back("if_exists", "true");
  return CallJson("DELETE", TablePath(project, table) + "/partitions", q);
}

namespace {
ReadAnswer ToReadAnswer(HttpResponse res) {
  ReadAnswer a;
  a.body = std::move(res.body);
  const std::string v = res.Header("x-deltatunnel-version");
  if (!v.empty()) a.version = std::stoll(v);
  return a;
}
}  // namespace

Result<ReadAnswer> Client::ReadData(const std::string& project, const std::string& table,
                                    const ReadOptions& o) {
  Query q;
  if (!o.partition.empty()) q.emplace_back("partition", o.partition);
  if (o.version) q.emplace_back("version", std::to_string(*o.version));
  if (!o.timestamp.empty()) q.emplace_back("timestamp", o.timestamp);
  if (!o.columns.empty()) q.emplace_back("columns", o.columns);
  if (o.limit) q.emplace_back("limit", std::to_string(*o.limit));
  if (!o.format.empty()) q.emplace_back("format", o.format);
  if (!o.timezone.empty()) q.emplace_back("timezone", o.timezone);
  DT_ASSIGN_OR_RETURN(HttpResponse res, Call("GET", TablePath(project, table) + "/data", q));
  return ToReadAnswer(std::move(res));
}

Result<nlohmann::json> Client::Lookup(const std::string& project, const std::string& table,
                                      const nlohmann::json& body) {
  return CallJson("POST", TablePath(project, table) + "/lookup", {}, body.dump());
}

Result<nlohmann::json> Client::History(const std::string& project, const std::string& table,
                                       const std::string& key, const std::string& partition,
                                       std::optional<int64_t> limit) {
  Query q{{"key", key}};
  if (!partition.empty()) q.emplace_back("partition", partition);
  if (limit) q.emplace_back("limit", std::to_string(*limit));
  return CallJson("GET", TablePath(project, table) + "/history", q);
}

Result<ReadAnswer> Client::Changes(const std::string& project, const std::string& table,
                                   int64_t from_version, std::optional<int64_t> to_version,
                                   const std::string& partition) {
  Query q{{"from_version", std::to_string(from_version)}};
  if (to_version) q.emplace_back("to_version", std::to_string(*to_version));
  if (!partition.empty()) q.emplace_back("partition", partition);
  DT_ASSIGN_OR_RETURN(HttpResponse res, Call("GET", TablePath(project, table) + "/changes", q));
  return ToReadAnswer(std::move(res));
}

Result<ReadAnswer> Client::FullChanges(const std::string& project, const std::string& table,
                                       int64_t from_version, std::optional<int64_t> to_version,
                                       bool include_before, const std::string& partition) {
  Query q{{"from_version", std::to_string(from_version)}, {"form", "full"}};
  if (to_version) q.emplace_back("to_version", std::to_string(*to_version));
  if (include_before) q.emplace_back("include", "before");
  if (!partition.empty()) q.emplace_back("partition", partition);
  DT_ASSIGN_OR_RETURN(HttpResponse res, Call("GET", TablePath(project, table) + "/changes", q));
  return ToReadAnswer(std::move(res));
}

Result<nlohmann::json> Client::CreateConsumer(const std::string& project, const std::string& table,
                                              const std::string& name,
                                              std::optional<int64_t> from_version) {
  nlohmann::json body{{"name", name}};
  if (from_version) body["from_version"] = *from_version;
  return CallJson("POST", TablePath(project, table) + "/consumers", {}, body.dump());
}

Result<nlohmann::json> Client::ListConsumers(const std::string& project, const std::string& table) {
  return CallJson("GET", TablePath(project, table) + "/consumers");
}

Result<ReadAnswer> Client::ConsumerChanges(const std::string& project, const std::string& table,
                                           const std::string& name, bool include_before) {
  Query q;
  if (include_before) q.emplace_back("include", "before");
  DT_ASSIGN_OR_RETURN(
      HttpResponse res,
      Call("GET", TablePath(project, table) + "/consumers/" + PercentEncode(name) + "/changes", q));
  return ToReadAnswer(std::move(res));
}

Result<nlohmann::json> Client::AckConsumer(const std::string& project, const std::string& table,
                                           const std::string& name, int64_t version) {
  return CallJson("POST", TablePath(project, table) + "/consumers/" + PercentEncode(name) + "/ack",
                  {}, nlohmann::json{{"version", version}}.dump(), Retry::kYes);
}

Status Client::DropConsumer(const std::string& project, const std::string& table,
                            const std::string& name) {
  return Call("DELETE", TablePath(project, table) + "/consumers/" + PercentEncode(name)).status();
}

Result<nlohmann::json> Client::Versions(const std::string& project, const std::string& table,
                                        std::optional<int64_t> limit) {
  Query q;
  if (limit) q.emplace_back("limit", std::to_string(*limit));
  return CallJson("GET", TablePath(project, table) + "/versions", q);
}

namespace {

// The parameters a load and a reject set's replay share.
void AddLoadParams(const std::optional<int64_t>& max_bad_rows, bool partial_update,
                   const std::string& timezone, Query* q) {
  if (max_bad_rows) q->emplace_back("max_bad_rows", std::to_string(*max_bad_rows));
  if (partial_update) q->emplace_back("partial_update", "true");
  if (!timezone.empty()) q->emplace_back("timezone", timezone);
}

}  // namespace

Result<nlohmann::json> Client::Load(const std::string& project, const std::string& table,
                                    std::string body, const LoadOptions& o) {
  Query q;
  if (!o.partition.empty()) q.emplace_back("partition", o.partition);
  AddLoadParams(o.max_bad_rows, o.partial_update, o.timezone, &q);
  std::vector<std::pair<std::string, std::string>> headers{{"Content-Type", o.content_type}};
  if (!o.idempotency_key.empty()) headers.emplace_back("Idempotency-Key", o.idempotency_key);
  const Retry retry = o.idempotency_key.empty() ? Retry::kNo : Retry::kYes;
  DT_ASSIGN_OR_RETURN(HttpResponse res, Call("POST", TablePath(project, table) + "/load", q, body,
                                             std::move(headers), retry));
  auto json = nlohmann::json::parse(res.body, nullptr, false);
  if (json.is_discarded()) return Internal("load: the answer is not JSON");
  return json;
}

namespace {
std::string RejectsPath(const std::string& project, const std::string& table) {
  return TablePath(project, table) + "/rejects";
}
std::string RejectSetPath(const std::string& project, const std::string& table, uint64_t id) {
  return RejectsPath(project, table) + "/" + std::to_string(id);
}
}  // namespace

Result<nlohmann::json> Client::ListRejects(const std::string& project, const std::string& table) {
  return CallJson("GET", RejectsPath(project, table));
}

Result<nlohmann::json> Client::GetRejects(const std::string& project, const std::string& table,
                                          uint64_t id) {
  return CallJson("GET", RejectSetPath(project, table, id));
}

Result<RejectRowsAnswer> Client::RejectRows(const std::string& project, const std::string& table,
                                            uint64_t id) {
  DT_ASSIGN_OR_RETURN(HttpResponse res, Call("GET", RejectSetPath(project, table, id) + "/rows"));
  RejectRowsAnswer a;
  a.content_type = res.Header("content-type");
  a.body = std::move(res.body);
  return a;
}

Result<nlohmann::json> Client::ReplayRejects(const std::string& project, const std::string& table,
                                             uint64_t id, std::string_view body,
                                             const std::string& content_type,
                                             const ReplayOptions& o) {
  Query q;
  AddLoadParams(o.max_bad_rows, o.partial_update, o.timezone, &q);
  std::vector<std::pair<std::string, std::string>> headers;
  if (!body.empty()) headers.emplace_back("Content-Type", content_type);
  // Retried: the server replays a set at most once, so a retry after a lost answer applies
  // nothing and answers StatusConflict ("replayed already").
  DT_ASSIGN_OR_RETURN(HttpResponse res, Call("POST", RejectSetPath(project, table, id) + "/replay",
                                             q, body, std::move(headers), Retry::kYes));
  auto json = nlohmann::json::parse(res.body, nullptr, false);
  if (json.is_discarded()) return Internal("replay: the answer is not JSON");
  return json;
}

Result<nlohmann::json> Client::PurgeRejects(const std::string& project, const std::string& table,
                                            std::optional<uint64_t> id) {
  if (!id) return CallJson("DELETE", RejectsPath(project, table));
  DT_RETURN_IF_ERROR(Call("DELETE", RejectSetPath(project, table, *id)).status());
  return nlohmann::json{{"purged", nlohmann::json::array({*id})}};
}

Result<nlohmann::json> Client::Compact(const std::string& project, const std::string& table,
                                       const std::string& partition) {
  Query q;
  if (!partition.empty()) q.emplace_back("partition", partition);
  // Repeating it is harmless: the server answers the queued compaction's id.
  return CallJson("POST", TablePath(project, table) + "/compact", q);
}

Result<nlohmann::json> Client::ListCompactions() { return CallJson("GET", "/api/v1/compactions"); }

// Not retried: a repeat after a lost answer would start a second backup (harmless, but not asked
// for); the caller sees the failure and lists the backups.
Result<nlohmann::json> Client::StartBackup() {
  return CallJson("POST", "/api/v1/backups", {}, {}, Retry::kNo);
}

Result<nlohmann::json> Client::ListBackups() { return CallJson("GET", "/api/v1/backups"); }

Result<nlohmann::json> Client::VerifyBackup(uint32_t backup_id) {
  return CallJson("POST", "/api/v1/backups/" + std::to_string(backup_id) + "/verify");
}

Status Client::DeleteBackup(uint32_t backup_id) {
  return Call("DELETE", "/api/v1/backups/" + std::to_string(backup_id)).status();
}

}  // namespace deltatunnel::client
