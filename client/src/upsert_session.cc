#include "deltatunnel/client/upsert_session.h"

#include <algorithm>
#include <thread>

namespace deltatunnel::client {

UpsertSession::UpsertSession(Client& client, std::string project, std::string table)
    : client_(client), project_(std::move(project)), table_(std::move(table)) {}

std::string UpsertSession::Path() const {
  return "/projects/" + PercentEncode(project_) + "/tables/" + PercentEncode(table_) + "/upserts";
}

Query UpsertSession::BaseQuery() const {
  Query q{{"upsertid", id_}};
  if (!partition_.empty()) q.emplace_back("partition", partition_);
  return q;
}

std::string UpsertSession::status() const {
  std::lock_guard lock(mu_);
  return status_;
}

Status UpsertSession::Apply(const nlohmann::json& json) {
  if (!json.is_object() || !json.contains("id") || !json.contains("status") ||
      !json.contains("slots")) {
    return Internal("the session JSON lacks id, status or slots: " + json.dump().substr(0, 200));
  }
  std::lock_guard lock(mu_);
  status_ = json["status"].get<std::string>();
  commit_version_ = json.value("commit_version", uint64_t{0});
  if (!id_.empty()) return Status::Ok();  // the shape of a session does not change
  id_ = json["id"].get<std::string>();
  json_ = json;
  DT_ASSIGN_OR_RETURN(schema_, SchemaFromSessionJson(json));
  hasher_ = json.value("hasher", "default") == "legacy" ? proto::Hasher::kLegacy
                                                        : proto::Hasher::kDefault;
  uint32_t buckets = 0;
  for (const auto& slot : json["slots"]) {
    for (const auto& b : slot["buckets"]) buckets = std::max(buckets, b.get<uint32_t>() + 1);
  }
  slot_of_bucket_.assign(buckets, "");
  for (const auto& slot : json["slots"]) {
    for (const auto& b : slot["buckets"]) {
      slot_of_bucket_[b.get<uint32_t>()] = slot["slot_id"].get<std::string>();
    }
  }
  return Status::Ok();
}

Result<std::unique_ptr<UpsertSession>> UpsertSession::Create(Client& client, std::string project,
                                                             std::string table,
                                                             const SessionOptions& options) {
  std::unique_ptr<UpsertSession> s(new UpsertSession(client, std::move(project), std::move(table)));
  s->partition_ = options.partition;
  Query q{{"slotnum", std::to_string(options.slot_num)},
          {"lifecycle", std::to_string(options.lifecycle_hours)}};
  if (!options.partition.empty()) q.emplace_back("partition", options.partition);
  // Retried: a lost answer leaves at worst an idle session that expires with its lifecycle.
  DT_ASSIGN_OR_RETURN(HttpResponse res, client.Call("POST", s->Path(), q));
  auto json = nlohmann::json::parse(res.body, nullptr, false);
  DT_RETURN_IF_ERROR(s->Apply(json));
  return s;
}

Result<std::unique_ptr<UpsertSession>> UpsertSession::Reload(Client& client, std::string project,
                                                             std::string table, std::string id,
                                                             std::string partition) {
  std::unique_ptr<UpsertSession> s(new UpsertSession(client, std::move(project), std::move(table)));
  s->partition_ = std::move(partition);
  Query q{{"upsertid", id}};
  if (!s->partition_.empty()) q.emplace_back("partition", s->partition_);
  DT_ASSIGN_OR_RETURN(HttpResponse res, client.Call("GET", s->Path(), q));
  DT_RETURN_IF_ERROR(s->Apply(nlohmann::json::parse(res.body, nullptr, false)));
  return s;
}

Status UpsertSession::Refresh() {
  DT_ASSIGN_OR_RETURN(HttpResponse res, client_.Call("GET", Path(), BaseQuery()));
  return Apply(nlohmann::json::parse(res.body, nullptr, false));
}

Status UpsertSession::WriteBucket(uint32_t bucket, std::string_view stream, uint64_t record_count,
                                  const std::string& content_encoding) {
  if (bucket >= slot_of_bucket_.size()) {
    return InvalidArgument("bucket " + std::to_string(bucket) + " is not below the table's " +
                           std::to_string(slot_of_bucket_.size()) + " buckets");
  }
  Query q = BaseQuery();
  q.emplace_back("bucketid", std::to_string(bucket));
  q.emplace_back("slotid", slot_of_bucket_[bucket]);
  q.emplace_back("record_count", std::to_string(record_count));
  std::vector<std::pair<std::string, std::string>> headers{
      {"Content-Type", "application/octet-stream"}};
  if (!content_encoding.empty()) headers.emplace_back("Content-Encoding", content_encoding);
  return client_.Call("PUT", Path(), q, stream, std::move(headers)).status();
}

Result<nlohmann::json> UpsertSession::WriteRows(std::string_view body,
                                                const std::string& content_type,
                                                bool partial_update, const std::string& timezone) {
  Query q = BaseQuery();
  if (partial_update) q.emplace_back("partial_update", "true");
  if (!timezone.empty()) q.emplace_back("timezone", timezone);
  DT_ASSIGN_OR_RETURN(HttpResponse res,
                      client_.Call("PUT", Path(), q, body, {{"Content-Type", content_type}}));
  auto json = nlohmann::json::parse(res.body, nullptr, false);
  if (json.is_discarded()) return Internal("write: the answer is not JSON");
  return json;
}

Status UpsertSession::Commit(const CommitOptions& options, const Backoff::Sleeper& sleeper) {
  const auto deadline = std::chrono::steady_clock::now() + options.timeout;
  auto wait = options.poll_initial;
  for (bool first = true;; first = false) {
    // Client::Call retries a commit whose answer was lost; the server answers a repeated commit
    // with the session's status and never applies it twice.
    Result<HttpResponse> res = client_.Call("POST", Path(), BaseQuery());
    if (!res.ok()) {
      // Gone while polling: the protocol takes it as committed (a committed session may be
      // forgotten once its lifetime is over). On the first POST it is a real error.
      if (!first && res.status().code() == ErrorCode::kUpsertSessionNotFound) {
        std::lock_guard lock(mu_);
        status_ = "committed";
        return Status::Ok();
      }
      return res.status();
    }
    DT_RETURN_IF_ERROR(Apply(nlohmann::json::parse(res->body, nullptr, false)));
    const std::string now = status();
    if (now == "committed") return Status::Ok();
    if (now != "normal" && now != "committing") {
      return Status(ErrorCode::kStatusConflict,
                    "session " + id_ + " ended as '" + now + "' instead of committed");
    }
    if (std::chrono::steady_clock::now() + wait > deadline) {
      return Status(ErrorCode::kServiceUnavailable,
                    "session " + id_ + " still '" + now + "' after the commit timeout");
    }
    if (sleeper) {
      sleeper(wait);
    } else {
      std::this_thread::sleep_for(wait);
    }
    wait = std::min(wait * 2, options.poll_max);
  }
}

Status UpsertSession::Abort() {
  DT_ASSIGN_OR_RETURN(HttpResponse res, client_.Call("DELETE", Path(), BaseQuery()));
  std::lock_guard lock(mu_);
  status_ = "aborted";
  return Status::Ok();
}

}  // namespace deltatunnel::client
