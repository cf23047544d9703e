#include "store/cluster/etcd_client.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <charconv>

#include "deltatunnel/proto/base64.h"
#include "mutex.h"
#include "store/cluster/http_channel.h"
#include "thread_annotations.h"

namespace deltatunnel::storage::cluster {
namespace {

namespace http = boost::beast::http;
using json = nlohmann::json;

std::string B64(std::string_view bytes) {
  std::string out;
  proto::AppendBase64(bytes, &out);
  return out;
}

Status Unavailable(std::string message) {
  return Status(ErrorCode::kServiceUnavailable, "etcd: " + std::move(message));
}

Status NotEtcd(std::string message) {
  return Status(ErrorCode::kInternalServerError,
                "etcd answered unexpectedly: " + std::move(message));
}

// A field of an answer: etcd's JSON gateway writes 64-bit integers as strings and leaves out
// fields holding their default.
// Nothing here throws on an answer of another shape: a field of the wrong type reads as absent.
int64_t Int(const json& j, const char* field) {
  auto it = j.find(field);
  if (it == j.end()) return 0;
  if (it->is_number_integer()) return it->get<int64_t>();
  if (!it->is_string()) return 0;
  const std::string& s = it->get_ref<const std::string&>();
  int64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

bool Bool(const json& j, const char* field) {
  auto it = j.find(field);
  return it != j.end() && it->is_boolean() && it->get<bool>();
}

std::string Str(const json& j, const char* field) {
  auto it = j.find(field);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

json Obj(const json& j, const char* field) {
  auto it = j.find(field);
  return it != j.end() && it->is_object() ? *it : json::object();
}

Result<std::string> Bytes(const json& j, const char* field) {
  auto it = j.find(field);
  if (it == j.end() || it->is_null()) return std::string();
  std::string out;
  if (!it->is_string() || !proto::DecodeBase64(it->get<std::string>(), &out)) {
    return NotEtcd(fmt::format("'{}' is not base64", field));
  }
  return out;
}

Result<KeyValue> ToKeyValue(const json& j) {
  KeyValue kv;
  DT_ASSIGN_OR_RETURN(kv.key, Bytes(j, "key"));
  DT_ASSIGN_OR_RETURN(kv.value, Bytes(j, "value"));
  kv.create_revision = Int(j, "create_revision");
  kv.mod_revision = Int(j, "mod_revision");
  kv.version = Int(j, "version");
  kv.lease = Int(j, "lease");
  return kv;
}

const char* TargetName(Compare::Target t) {
  switch (t) {
    case Compare::Target::kValue:
      return "VALUE";
    case Compare::Target::kModRevision:
      return "MOD";
    case Compare::Target::kCreateRevision:
      return "CREATE";
    case Compare::Target::kVersion:
      return "VERSION";
  }
  return "MOD";
}

const char* ResultName(Compare::Result r) {
  switch (r) {
    case Compare::Result::kEqual:
      return "EQUAL";
    case Compare::Result::kNotEqual:
      return "NOT_EQUAL";
    case Compare::Result::kLess:
      return "LESS";
    case Compare::Result::kGreater:
      return "GREATER";
  }
  return "EQUAL";
}

json CompareJson(const Compare& c) {
  json j = {
      {"key", B64(c.key)}, {"target", TargetName(c.target)}, {"result", ResultName(c.result)}};
  switch (c.target) {
    case Compare::Target::kValue:
      j["value"] = B64(c.value);
      break;
    case Compare::Target::kModRevision:
      j["mod_revision"] = std::to_string(c.number);
      break;
    case Compare::Target::kCreateRevision:
      j["create_revision"] = std::to_string(c.number);
      break;
    case Compare::Target::kVersion:
      j["version"] = std::to_string(c.number);
      break;
  }
  return j;
}

json OpJson(const Op& op) {
  if (op.kind == Op::Kind::kPut) {
    json put = {{"key", B64(op.key)}, {"value", B64(op.value)}};
    if (op.lease != 0) put["lease"] = std::to_string(op.lease);
    return {{"request_put", put}};
  }
  json del = {{"key", B64(op.key)}};
  if (!op.range_end.empty()) del["range_end"] = B64(op.range_end);
  return {{"request_delete_range", del}};
}

class GatewayClient final : public EtcdClient {
 public:
  explicit GatewayClient(EtcdOptions options) : options_(std::move(options)) {
    for (std::string& e : options_.endpoints) {
      if (e.starts_with("http://")) e.erase(0, 7);
      while (!e.empty() && e.back() == '/') e.pop_back();
    }
  }

  Status Check() {
    if (options_.endpoints.empty()) {
      return Status(ErrorCode::kInvalidArgument, "etcd: no endpoints");
    }
    for (const std::string& e : options_.endpoints) {
      if (e.rfind(':') == std::string::npos || e.starts_with("https://")) {
        return Status(ErrorCode::kInvalidArgument,
                      fmt::format("etcd endpoint '{}' is not host:port or http://host:port", e));
      }
    }
    // One call, so that a cluster that is not there is told at once.
    return Call("/v3/maintenance/status", json::object(), /*idempotent=*/true).status();
  }

  Result<std::optional<KeyValue>> Get(std::string_view key) override {
    DT_ASSIGN_OR_RETURN(std::vector<KeyValue> kvs, RangeAt(key, {}, 1, 0, nullptr, nullptr));
    if (kvs.empty()) return std::optional<KeyValue>();
    return std::optional<KeyValue>(std::move(kvs.front()));
  }

  Result<std::vector<KeyValue>> Range(std::string_view key, std::string_view range_end,
                                      int64_t limit, int64_t revision, bool* more) override {
    return RangeAt(key, range_end, limit, revision, more, nullptr);
  }

  Result<std::vector<KeyValue>> RangeAt(std::string_view key, std::string_view range_end,
                                        int64_t limit, int64_t revision, bool* more,
                                        int64_t* header_revision) {
    json req = {{"key", B64(key)}};
    if (!range_end.empty()) req["range_end"] = B64(range_end);
    if (limit > 0) req["limit"] = std::to_string(limit);
    if (revision > 0) req["revision"] = std::to_string(revision);
    DT_ASSIGN_OR_RETURN(json answer, Call("/v3/kv/range", req, /*idempotent=*/true));
    std::vector<KeyValue> out;
    if (auto it = answer.find("kvs"); it != answer.end() && it->is_array()) {
      out.reserve(it->size());
      for (const json& j : *it) {
        DT_ASSIGN_OR_RETURN(KeyValue kv, ToKeyValue(j));
        out.push_back(std::move(kv));
      }
    }
    if (more != nullptr) *more = Bool(answer, "more");
    if (header_revision != nullptr) *header_revision = Int(Obj(answer, "header"), "revision");
    return out;
  }

  Result<std::vector<KeyValue>> RangePrefix(std::string_view prefix, int64_t page) override {
    const std::string end = PrefixEnd(prefix);
    std::vector<KeyValue> out;
    std::string from(prefix);
    int64_t revision = 0;
    for (;;) {
      bool more = false;
      int64_t at = 0;
      DT_ASSIGN_OR_RETURN(std::vector<KeyValue> kvs,
                          RangeAt(from, end, page, revision, &more, &at));
      if (revision == 0) revision = at;  // every page at the first page's revision
      for (KeyValue& kv : kvs) out.push_back(std::move(kv));
      if (!more || out.empty()) return out;
      from = out.back().key;
      from.push_back('\0');  // the next key after it
    }
  }

  Result<int64_t> Put(std::string_view key, std::string_view value, int64_t lease) override {
    json req = {{"key", B64(key)}, {"value", B64(value)}};
    if (lease != 0) req["lease"] = std::to_string(lease);
    DT_ASSIGN_OR_RETURN(json answer, Call("/v3/kv/put", req));
    return Int(Obj(answer, "header"), "revision");
  }

  Result<int64_t> Delete(std::string_view key, std::string_view range_end) override {
    json req = {{"key", B64(key)}};
    if (!range_end.empty()) req["range_end"] = B64(range_end);
    DT_ASSIGN_OR_RETURN(json answer, Call("/v3/kv/deleterange", req));
    return Int(answer, "deleted");
  }

  Result<TxnResult> Txn(const std::vector<Compare>& compares, const std::vector<Op>& success,
                        const std::vector<Op>& failure) override {
    json req = {{"compare", json::array()}, {"success", json::array()}, {"failure", json::array()}};
    for (const Compare& c : compares) req["compare"].push_back(CompareJson(c));
    for (const Op& op : success) req["success"].push_back(OpJson(op));
    for (const Op& op : failure) req["failure"].push_back(OpJson(op));
    DT_ASSIGN_OR_RETURN(json answer, Call("/v3/kv/txn", req));
    TxnResult r;
    r.succeeded = Bool(answer, "succeeded");
    r.revision = Int(Obj(answer, "header"), "revision");
    return r;
  }

  Result<Lease> GrantLease(int64_t ttl_seconds) override {
    DT_ASSIGN_OR_RETURN(json answer,
                        Call("/v3/lease/grant", {{"TTL", std::to_string(ttl_seconds)}}));
    if (const std::string error = Str(answer, "error"); !error.empty()) {
      return Unavailable("granting a lease: " + error);
    }
    return Lease{Int(answer, "ID"), Int(answer, "TTL")};
  }

  Result<Lease> KeepAlive(int64_t lease_id) override {
    DT_ASSIGN_OR_RETURN(json answer,
                        Call("/v3/lease/keepalive", {{"ID", std::to_string(lease_id)}}));
    const json result = Obj(answer, "result");
    const int64_t ttl = Int(result, "TTL");
    if (ttl <= 0) {
      return Status(ErrorCode::kNoSuchObject, fmt::format("etcd lease {:x} expired", lease_id));
    }
    return Lease{lease_id, ttl};
  }

  Status RevokeLease(int64_t lease_id) override {
    return Call("/v3/lease/revoke", {{"ID", std::to_string(lease_id)}}).status();
  }

 private:
  // POSTs `body` to the current member; on a connection that cannot be made, tries the next
  // members. A request that may have reached a member is not sent again (a transaction would
  // then answer as if it had not applied): its failure is answered, outcome unknown. A read
  // (`idempotent`) that failed on a kept-alive connection (which the member may have closed
  // while idle) is sent once more on a new one.
  Result<json> Call(std::string_view target, const json& body, bool idempotent = false)
      EXCLUDES(mu_) {
    MutexLock lock(&mu_);
    const std::string payload = body.dump();
    Status last;
    bool fresh_retry = idempotent;
    for (size_t tried = 0; tried < options_.endpoints.size();) {
      bool sent = false;
      const bool reused = channel_ != nullptr && channel_->connected();
      Result<std::string> answer = Exchange(target, payload, &sent);
      if (answer.ok()) return Parse(target, *answer);
      last = answer.status();
      Close();
      if (sent && reused && fresh_retry) {
        fresh_retry = false;
        continue;
      }
      if (sent) return last;
      current_ = (current_ + 1) % options_.endpoints.size();
      ++tried;
    }
    return last;
  }

  Result<json> Parse(std::string_view target, const std::string& text) {
    json answer = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (answer.is_discarded() || !answer.is_object()) {
      return NotEtcd(fmt::format("{}: not a JSON object", target));
    }
    return answer;
  }

  // One request on the current member's connection (made if needed), within the timeout.
  Result<std::string> Exchange(std::string_view target, const std::string& payload, bool* sent)
      REQUIRES(mu_) {
    const std::string& endpoint = options_.endpoints[current_];
    if (!channel_) channel_ = std::make_unique<HttpChannel>(endpoint, "etcd");
    HttpRequest req{http::verb::post, std::string(target), 11};
    req.set(http::field::host, endpoint);
    req.set(http::field::content_type, "application/json");
    req.body() = payload;
    DT_ASSIGN_OR_RETURN(HttpResponse res, channel_->Exchange(req, options_.timeout, sent));
    if (res.result() != http::status::ok) return Refused(res.result_int(), res.body());
    return std::move(res.body());
  }

  // etcd's error answer: {"error": "...", "code": grpc code, "message": "..."}.
  static Status Refused(unsigned status, const std::string& body) {
    json j = json::parse(body, nullptr, false);
    std::string message = body;
    int code = 0;
    if (j.is_object()) {
      message = !Str(j, "message").empty() ? Str(j, "message") : Str(j, "error");
      code = static_cast<int>(Int(j, "code"));
    }
    // gRPC codes: 3 INVALID_ARGUMENT, 9 FAILED_PRECONDITION, 11 OUT_OF_RANGE -> the request;
    // 4 DEADLINE_EXCEEDED, 14 UNAVAILABLE and the rest -> etcd cannot serve now.
    if (code == 3 || code == 9 || code == 11) {
      return Status(ErrorCode::kInvalidArgument, "etcd refused the request: " + message);
    }
    return Unavailable(fmt::format("HTTP {}: {}", status, message));
  }

  void Close() REQUIRES(mu_) { channel_.reset(); }

  EtcdOptions options_;
  Mutex mu_;
  std::unique_ptr<HttpChannel> channel_ GUARDED_BY(mu_);  // to endpoints[current_]
  size_t current_ GUARDED_BY(mu_) = 0;
};

}  // namespace

std::string PrefixEnd(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    if (static_cast<unsigned char>(end.back()) < 0xff) {
      end.back() = static_cast<char>(static_cast<unsigned char>(end.back()) + 1);
      return end;
    }
    end.pop_back();
  }
  return std::string(1, '\0');  // every key (etcd's "\0" range end)
}

Result<std::unique_ptr<EtcdClient>> EtcdClient::Connect(EtcdOptions options) {
  auto client = std::make_unique<GatewayClient>(std::move(options));
  DT_RETURN_IF_ERROR(client->Check());
  return std::unique_ptr<EtcdClient>(std::move(client));
}

}  // namespace deltatunnel::storage::cluster
