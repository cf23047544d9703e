// Operations and authentication (api.md sections 1 and 6, wire-format.md section 7): /healthz and
// /readyz answer anyone; with authentication on, a request without a valid credential is 401 and a
// valid one without rights on the project is 403. The auth checks need the suite's credentials:
// without any the server is taken to run with authentication off, and they are skipped.
#include <catch2/catch.hpp>

#include "suite.h"

using namespace deltatunnel::external;

namespace {

// Each credential the suite was given, separately.
std::vector<std::pair<std::string, Credentials>> GivenCredentials() {
  const Credentials& c = Suite().credentials;
  std::vector<std::pair<std::string, Credentials>> out;
  if (!c.access_id.empty()) out.push_back({"access key", {c.access_id, c.access_key, ""}});
  if (!c.token.empty()) out.push_back({"bearer token", {"", "", c.token}});
  return out;
}

}  // namespace

TEST_CASE("health and readiness answer without credentials", "[ops]") {
  Api anonymous(Credentials{});
  CHECK(anonymous.Get("/healthz").status == 200);
  CHECK(anonymous.Get("/readyz").status == 200);
}

TEST_CASE("with authentication on, a request needs a valid credential", "[auth]") {
  if (Suite().credentials.empty()) {
    WARN("no credentials given: the 401 checks are skipped");
    return;
  }
  Api anonymous(Credentials{});
  auto none = anonymous.Get(TablesPath());
  CHECK(none.status == 401);
  CHECK(ErrorCode(none) == "Unauthorized");
  auto tunnel = anonymous.Send("POST", "/projects/" + Suite().project + "/tables/t/upserts",
                               {{"slotnum", "1"}});
  CHECK(tunnel.status == 401);

  Api bad_token(Credentials{"", "", "not-" + Suite().credentials.token + "-a-token"});
  CHECK(bad_token.Get(TablesPath()).status == 401);
  Api unknown_key(Credentials{UniqueName("nobody"), "secret", ""});
  CHECK(unknown_key.Get(TablesPath()).status == 401);
  if (!Suite().credentials.access_id.empty()) {
    Api wrong_secret(Credentials{Suite().credentials.access_id, "wrong-secret", ""});
    auto r = wrong_secret.Get(TablesPath());
    CHECK(r.status == 401);
    CHECK(ErrorCode(r) == "Unauthorized");
  }

  // Each given credential is accepted on the suite's project (404 only while it has no table).
  for (const auto& [what, credentials] : GivenCredentials()) {
    INFO(what);
    Api api(credentials);
    auto r = api.Get(TablesPath());
    INFO(r.body);
    CHECK((r.status == 200 || ErrorCode(r) == "NoSuchProject"));
  }
}

TEST_CASE("a credential without rights on a project is 403 there", "[auth]") {
  if (Suite().credentials.empty() || Suite().denied_project.empty()) {
    WARN("no credentials or no --denied-project given: the 403 checks are skipped");
    return;
  }
  const std::string denied = Suite().denied_project;
  for (const auto& [what, credentials] : GivenCredentials()) {
    INFO(what);
    Api api(credentials);
    auto list = api.Get("/api/v1/projects/" + denied + "/tables");
    CHECK(list.status == 403);
    CHECK(ErrorCode(list) == "AccessDenied");
    auto create = api.Send("POST", "/api/v1/projects/" + denied + "/tables", {},
                           R"({"name": "t", "columns": [{"name": "k", "type": "BIGINT"}],
                               "primary_key": ["k"]})");
    CHECK(create.status == 403);
    auto session =
        api.Send("POST", "/projects/" + denied + "/tables/t/upserts", {{"slotnum", "1"}});
    CHECK(session.status == 403);
    CHECK(ErrorCode(session) == "AccessDenied");
  }
}
