// Authentication: ODPS v2 signatures and bearer tokens, per project (api.md section 1).
#include "api_fixture.h"
#include "deltatunnel/proto/odps_signature.h"

#include <openssl/evp.h>

#include <ctime>

using namespace deltatunnel::testing;

namespace {

ServerOptions AuthOn() {
  ServerOptions options;
  options.config_toml = R"([auth]
enabled = true
access_keys = [ { id = "ak1", secret = "s3cret", projects = ["p"] } ]
bearer_tokens = [ { token = "tok-q", projects = ["q"] }, { token = "tok-all", projects = ["*"] } ]
)";
  return options;
}

// Headers of a request signed with `secret`; `date` "" leaves the Date header out (and signs an
// empty line for it), `content_md5` is sent and signed when not empty.
HttpHeaders Signed(const std::string& method, const std::string& path,
                   const std::vector<std::pair<std::string, std::string>>& query,
                   const std::string& secret = "s3cret", const std::string& date = HttpDate(),
                   const std::string& content_md5 = "") {
  deltatunnel::proto::SignatureInput in;
  in.method = method;
  in.path = path;
  in.query = query;
  in.headers = {{"content-type", "application/json"}, {"x-odps-tunnel-version", "6"}};
  HttpHeaders out = {{"Content-Type", "application/json"}, {"x-odps-tunnel-version", "6"}};
  if (!date.empty()) {
    in.headers["date"] = date;
    out["Date"] = date;
  }
  if (!content_md5.empty()) {
    in.headers["content-md5"] = content_md5;
    out["Content-MD5"] = content_md5;
  }
  out["Authorization"] = deltatunnel::proto::OdpsAuthorization("ak1", secret, in);
  return out;
}

}  // namespace

TEST_CASE("with authentication on, requests need a credential with rights", "[auth]") {
  ServerProcess server(AuthOn());
  auto c = server.Client();
  CHECK(c.Get("/healthz").status == 200);
  CHECK(c.Get("/readyz").status == 200);

  auto anonymous = c.Get("/api/v1/projects/p/tables");
  CHECK(anonymous.status == 401);
  CHECK(anonymous.Json()["Code"] == "Unauthorized");

  const std::string path = "/api/v1/projects/p/tables";
  auto create = c.Send("POST", path, KvTableJson("t"), Signed("POST", path, {}));
  INFO(create.body);
  CHECK(create.status == 201);

  auto bad_sig = c.Send("GET", path, "", Signed("GET", path, {}, "wrong"));
  CHECK(bad_sig.status == 401);

  const std::string upserts = "/projects/p/tables/t/upserts";
  auto session = c.Send("POST", upserts + "?slotnum=1&curr_project=p", "",
                        Signed("POST", upserts, {{"slotnum", "1"}, {"curr_project", "p"}}));
  INFO(session.body);
  CHECK(session.status == 200);

  auto other = c.Send("GET", "/api/v1/projects/q/tables", "",
                      Signed("GET", "/api/v1/projects/q/tables", {}));
  CHECK(other.status == 403);
  CHECK(other.Json()["Code"] == "AccessDenied");

  auto token_q = c.Send("GET", path, "", {{"Authorization", "Bearer tok-q"}});
  CHECK(token_q.status == 403);
  auto token_all = c.Send("GET", path, "", {{"Authorization", "Bearer tok-all"}});
  CHECK(token_all.status == 200);
  CHECK(c.Send("GET", path, "", {{"Authorization", "Bearer nope"}}).status == 401);

  // /metrics too, with a credential granting every project: it names every project's tables.
  CHECK(c.Get("/metrics").status == 401);
  CHECK(c.Send("GET", "/metrics", "", {{"Authorization", "Bearer tok-q"}}).status == 403);
  CHECK(c.Send("GET", "/metrics", "", {{"Authorization", "Bearer tok-all"}}).status == 200);
  CHECK(c.Send("GET", "/metrics", "", {{"Authorization", "Bearer nope"}}).status == 401);
  // Backups hold every project's tables: the same rule (backups are off here, so a granted
  // request gets as far as the 503 that says so).
  for (const char* method : {"GET", "POST"}) {
    CHECK(c.Send(method, "/api/v1/backups").status == 401);
    CHECK(c.Send(method, "/api/v1/backups", "", {{"Authorization", "Bearer tok-q"}}).status == 403);
    CHECK(c.Send(method, "/api/v1/backups", "", {{"Authorization", "Bearer tok-all"}}).status ==
          503);
  }
  CHECK(c.Send("DELETE", "/api/v1/backups/1", "", {{"Authorization", "Bearer tok-q"}}).status ==
        403);
  CHECK(
      c.Send("POST", "/api/v1/backups/1/verify", "", {{"Authorization", "Bearer tok-q"}}).status ==
      403);
}

TEST_CASE("a signed request's Date must be fresh and its Content-MD5 right", "[auth][overload]") {
  ServerProcess server(AuthOn());
  auto c = server.Client();
  const std::string path = "/api/v1/projects/p/tables";
  REQUIRE(c.Send("POST", path, KvTableJson("base"), {{"Authorization", "Bearer tok-all"}}).status ==
          201);
  CHECK(c.Send("GET", path, "", Signed("GET", path, {})).status == 200);
  // Within the 15 minutes either way.
  CHECK(c.Send("GET", path, "", Signed("GET", path, {}, "s3cret", HttpDate(-600))).status == 200);
  CHECK(c.Send("GET", path, "", Signed("GET", path, {}, "s3cret", HttpDate(600))).status == 200);
  for (const std::string& date :
       {HttpDate(-2 * 3600), HttpDate(-3 * 365 * 86400), HttpDate(86400), std::string("not a date"),
        std::string("Wed, 25 Nov 2026 10:10:10"), std::string()}) {
    INFO("Date: '" << date << "'");
    auto r = c.Send("GET", path, "", Signed("GET", path, {}, "s3cret", date));
    INFO(r.body);
    CHECK(r.status == 401);
    CHECK(r.Json()["Code"] == "Unauthorized");
  }

  // Content-MD5 binds the body to the signature: another body under the same header is refused.
  const std::string body = KvTableJson("t");
  unsigned char digest[16];
  unsigned int n = 0;
  EVP_Digest(body.data(), body.size(), digest, &n, EVP_md5(), nullptr);
  unsigned char b64[32];
  const int len = EVP_EncodeBlock(b64, digest, static_cast<int>(n));
  const std::string md5(reinterpret_cast<const char*>(b64), static_cast<size_t>(len));
  auto other =
      c.Send("POST", path, KvTableJson("u"), Signed("POST", path, {}, "s3cret", HttpDate(), md5));
  INFO(other.body);
  CHECK(other.status == 400);
  auto ok = c.Send("POST", path, body, Signed("POST", path, {}, "s3cret", HttpDate(), md5));
  INFO(ok.body);
  CHECK(ok.status == 201);
  auto listed = c.Send("GET", path, "", Signed("GET", path, {}));
  INFO(listed.body);
  CHECK(listed.body.find("\"u\"") == std::string::npos);
}

TEST_CASE("listings across projects show only the caller's projects", "[auth][overload]") {
  ServerOptions options = AuthOn();
  options.config_toml += "[compaction]\nthreads = 1\n";
  ServerProcess server(options);
  auto c = server.Client();
  const HttpHeaders all = {{"Authorization", "Bearer tok-all"}};
  for (const std::string project : {"p", "q"}) {
    const std::string tables = "/api/v1/projects/" + project + "/tables";
    REQUIRE(c.Send("POST", tables, KvTableJson("t"), all).status == 201);
    HttpHeaders h = all;
    h["Content-Type"] = "application/x-ndjson";
    REQUIRE(c.Send("POST", tables + "/t/load",
                   R"({"k": 1, "s": "a"})"
                   "\n",
                   h)
                .status == 200);
    auto compact = c.Send("POST", tables + "/t/compact", "", all);
    INFO(compact.body);
    REQUIRE(compact.status < 300);
  }
  auto every = c.Send("GET", "/api/v1/compactions", "", all);
  INFO(every.body);
  REQUIRE(every.status == 200);
  CHECK(every.body.find("\"q\"") != std::string::npos);
  CHECK(every.body.find("\"p\"") != std::string::npos);
  auto only_q = c.Send("GET", "/api/v1/compactions", "", {{"Authorization", "Bearer tok-q"}});
  INFO(only_q.body);
  REQUIRE(only_q.status == 200);
  CHECK(only_q.body.find("\"q\"") != std::string::npos);
  CHECK(only_q.body.find("\"p\"") == std::string::npos);
}
