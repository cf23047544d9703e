// Authentication: ODPS v2 signatures and bearer tokens, per project (api.md section 1).
#include "api_fixture.h"
#include "deltatunnel/proto/odps_signature.h"

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

HttpHeaders Signed(const std::string& method, const std::string& path,
                   const std::vector<std::pair<std::string, std::string>>& query,
                   const std::string& secret = "s3cret") {
  deltatunnel::proto::SignatureInput in;
  in.method = method;
  in.path = path;
  in.query = query;
  in.headers = {{"date", "Wed, 25 Nov 2026 10:10:10 GMT"},
                {"content-type", "application/json"},
                {"x-odps-tunnel-version", "6"}};
  return {{"Date", in.headers["date"]},
          {"Content-Type", "application/json"},
          {"x-odps-tunnel-version", "6"},
          {"Authorization", deltatunnel::proto::OdpsAuthorization("ak1", secret, in)}};
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

  // /metrics too: any valid credential, no project named.
  CHECK(c.Get("/metrics").status == 401);
  CHECK(c.Send("GET", "/metrics", "", {{"Authorization", "Bearer tok-q"}}).status == 200);
  CHECK(c.Send("GET", "/metrics", "", {{"Authorization", "Bearer nope"}}).status == 401);
}
