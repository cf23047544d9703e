// deltatunnel-integration: the integration suite against a running server. Catch2's own flags
// (test names, tags, -s, -r junit, ...) work alongside the suite's:
//
//   deltatunnel-integration --endpoint http://127.0.0.1:8080 --access-id ID --access-key KEY
//   deltatunnel-integration --endpoint http://127.0.0.1:8080 --token TOKEN --denied-project other
//
// Each flag falls back to an environment variable (DELTATUNNEL_ENDPOINT, DELTATUNNEL_ACCESS_ID,
// DELTATUNNEL_ACCESS_KEY, DELTATUNNEL_TOKEN, DELTATUNNEL_PROJECT, DELTATUNNEL_DENIED_PROJECT).
// Exit status: 0 when every test passed, else the failures' count (Catch2), 2 for bad flags, 3
// when the server never became ready.
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "suite.h"

namespace {

using deltatunnel::external::Suite;
using deltatunnel::external::SuiteConfig;

void FromEnv(const char* name, std::string& out) {
  if (const char* value = std::getenv(name); value != nullptr && *value != '\0') out = value;
}

// "http://host:port[/]" into host and port (80 when absent).
bool ParseEndpoint(SuiteConfig& c) {
  std::string rest = c.endpoint;
  if (rest.rfind("http://", 0) != 0) return false;
  rest = rest.substr(7);
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  if (rest.empty() || rest.find('/') != std::string::npos) return false;
  c.host = rest;
  c.port = 80;
  size_t colon = rest.rfind(':');
  if (colon == std::string::npos) return true;
  c.host = rest.substr(0, colon);
  try {
    int port = std::stoi(rest.substr(colon + 1));
    if (port < 1 || port > 65535) return false;
    c.port = static_cast<uint16_t>(port);
  } catch (const std::exception&) {
    return false;
  }
  return !c.host.empty();
}

// Polls /readyz (no credentials needed) until it answers 200 or the time is up.
bool WaitReady(int seconds) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  std::string last = "no answer";
  do {
    try {
      deltatunnel::external::Api api(deltatunnel::external::Credentials{});
      auto r = api.Get("/readyz");
      if (r.status == 200) return true;
      last = "status " + std::to_string(r.status);
    } catch (const std::exception& e) {
      last = e.what();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  } while (std::chrono::steady_clock::now() < deadline);
  std::fprintf(stderr, "deltatunnel-integration: %s never became ready in %d s (%s)\n",
               Suite().endpoint.c_str(), seconds, last.c_str());
  return false;
}

}  // namespace

int main(int argc, char* argv[]) {
  SuiteConfig& c = Suite();
  FromEnv("DELTATUNNEL_ENDPOINT", c.endpoint);
  FromEnv("DELTATUNNEL_ACCESS_ID", c.credentials.access_id);
  FromEnv("DELTATUNNEL_ACCESS_KEY", c.credentials.access_key);
  FromEnv("DELTATUNNEL_TOKEN", c.credentials.token);
  FromEnv("DELTATUNNEL_PROJECT", c.project);
  FromEnv("DELTATUNNEL_DENIED_PROJECT", c.denied_project);

  Catch::Session session;
  using Catch::clara::Opt;
  Catch::clara::Parser cli = session.cli();
  cli |=
      Opt(c.endpoint, "url")["--endpoint"]("the server, http://host:port ($DELTATUNNEL_ENDPOINT)");
  cli |= Opt(c.credentials.access_id, "id")["--access-id"]("AccessId, to sign requests (ODPS)");
  cli |= Opt(c.credentials.access_key, "key")["--access-key"]("its secret");
  cli |= Opt(c.credentials.token, "token")["--token"]("bearer token, used with no AccessId");
  cli |= Opt(c.project, "name")["--project"]("where tables are created (integration)");
  cli |= Opt(c.denied_project, "name")["--denied-project"]("one without rights: 403 expected");
  cli |= Opt(c.wait_ready_s, "seconds")["--wait-ready"]("wait for /readyz first (60)");
  session.cli(cli);
  if (int rc = session.applyCommandLine(argc, argv); rc != 0) return 2;
  if (session.configData().showHelp || session.configData().listTests ||
      session.configData().listTags || session.configData().listTestNamesOnly) {
    return session.run();
  }
  if (!ParseEndpoint(c)) {
    std::fprintf(stderr,
                 "deltatunnel-integration: give the server as --endpoint http://host:port or "
                 "DELTATUNNEL_ENDPOINT (got '%s')\n",
                 c.endpoint.c_str());
    return 2;
  }
  if (!c.credentials.access_id.empty() && c.credentials.access_key.empty()) {
    std::fprintf(stderr, "deltatunnel-integration: --access-id needs --access-key\n");
    return 2;
  }
  if (!WaitReady(c.wait_ready_s)) return 3;
  const char* auth = !c.credentials.access_id.empty() ? "ODPS access key"
                     : !c.credentials.token.empty()   ? "bearer token"
                                                      : "none (auth checks skipped)";
  fmt::print("deltatunnel-integration: {}, project '{}', credentials: {}{}\n", c.endpoint,
             c.project, auth,
             c.denied_project.empty() ? "" : ", denied project '" + c.denied_project + "'");
  std::fflush(stdout);
  return session.run();
}
