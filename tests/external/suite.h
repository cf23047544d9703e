// What every test of the external suite shares: the server and credentials it was given (flags or
// DELTATUNNEL_* environment variables, read by main.cc), an HTTP client that signs each request
// (ODPS v2 with an access key, else a bearer token), and names unique to this run, so the suite can
// run again and again against one server.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "http_client.h"

namespace deltatunnel::external {

using testing::HttpHeaders;
using testing::HttpResponse;
using testing::NdjsonRows;
using Query = std::vector<std::pair<std::string, std::string>>;

struct Credentials {
  std::string access_id;   // ODPS signing when set
  std::string access_key;  // its secret
  std::string token;       // a bearer token, used when no access_id is set
  bool empty() const { return access_id.empty() && token.empty(); }
};

struct SuiteConfig {
  std::string endpoint;  // http://host:port
  std::string host;
  uint16_t port = 0;
  Credentials credentials;
  std::string project = "integration";  // where the suite creates its tables
  std::string denied_project;           // one the credentials have no rights on ("": no 403 checks)
  int wait_ready_s = 60;                // how long to wait for /readyz before the first test
  std::string run_id;                   // prefix of every table this run creates
};

SuiteConfig& Suite();

// "it_<time>_<random>_<suffix>": a table name no other run uses.
std::string UniqueName(const std::string& suffix);

// HTTP to the suite's server, every request signed with `credentials`.
class Api {
 public:
  Api() : Api(Suite().credentials) {}
  explicit Api(Credentials credentials);

  // `path` unencoded; query values are percent-encoded here (and signed decoded, as the server
  // checks them). Throws std::runtime_error when the server cannot be reached.
  HttpResponse Send(const std::string& method, const std::string& path, const Query& query = {},
                    std::string body = "", HttpHeaders headers = {});
  HttpResponse Get(const std::string& path, const Query& query = {}) {
    return Send("GET", path, query);
  }

 private:
  testing::HttpClient http_;
  Credentials credentials_;
};

// /api/v1/projects/{project}/tables[/{table}] in the suite's project.
inline std::string TablesPath() { return "/api/v1/projects/" + Suite().project + "/tables"; }
inline std::string TablePath(const std::string& table) { return TablesPath() + "/" + table; }

// The error Code of an answer's JSON body, "" when there is none.
std::string ErrorCode(const HttpResponse& response);

// Drops the table when the test ends, however it ends (a failed drop is ignored).
class ScopedTable {
 public:
  ScopedTable(Api& api, std::string name) : api_(api), name_(std::move(name)) {}
  ~ScopedTable();
  ScopedTable(const ScopedTable&) = delete;
  ScopedTable& operator=(const ScopedTable&) = delete;
  const std::string& name() const { return name_; }

 private:
  Api& api_;
  std::string name_;
};

}  // namespace deltatunnel::external
