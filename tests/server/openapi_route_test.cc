// docs/openapi.json against the routes the daemon really serves, both ways (issue 29): a route
// added without documenting it, or a documented path nobody serves, fails here.
#include "openapi_route.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <set>
#include <string>

#include "deltatunnel/server/server.h"
#include "server_modules.h"

using namespace deltatunnel::server;

namespace {

using Endpoint = std::pair<std::string, std::string>;  // method, path

std::string Upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
  return s;
}

// Routes that are not part of the API: the console's static files (their names are the
// console's business) and the test hooks (404 unless the server runs with --test-hooks).
bool Undocumented(const std::string& path) {
  return path.rfind("/console/", 0) == 0 || path.rfind("/_test/", 0) == 0;
}

std::set<Endpoint> ServedEndpoints() {
  ServerConfig config;  // no test hooks: the routes a deployment serves
  Server server(config);
  for (auto& module : MakeServerModules()) server.AddModule(std::move(module));
  server.PrepareRoutes();
  std::set<Endpoint> out;
  for (const Route& r : server.router().Routes()) {
    std::string path;
    for (const std::string& seg : r.segments) path += "/" + seg;
    if (path.empty()) path = "/";
    if (!Undocumented(path)) out.insert({r.method, path});
  }
  return out;
}

std::set<Endpoint> DocumentedEndpoints(const nlohmann::json& doc) {
  static const std::set<std::string> kMethods = {"get", "put", "post", "delete", "patch", "head"};
  std::set<Endpoint> out;
  for (const auto& [path, item] : doc.at("paths").items()) {
    for (const auto& [method, op] : item.items()) {
      if (kMethods.count(method) != 0) out.insert({Upper(method), path});
    }
  }
  return out;
}

}  // namespace

TEST_CASE("the embedded OpenAPI document is OpenAPI 3 JSON", "[openapi]") {
  const nlohmann::json doc = nlohmann::json::parse(OpenApiDocument());
  CHECK(doc.at("openapi").get<std::string>().rfind("3.", 0) == 0);
  CHECK(doc.at("info").contains("title"));
  CHECK(!doc.at("paths").empty());
}

TEST_CASE("every served route is in the OpenAPI document", "[openapi]") {
  const std::set<Endpoint> documented =
      DocumentedEndpoints(nlohmann::json::parse(OpenApiDocument()));
  const std::set<Endpoint> served = ServedEndpoints();
  REQUIRE(served.size() > 10);
  for (const Endpoint& e : served) {
    INFO("served but not in docs/openapi.json: " << e.first << " " << e.second);
    CHECK(documented.count(e) == 1);
  }
}

TEST_CASE("every path of the OpenAPI document is served", "[openapi]") {
  const std::set<Endpoint> documented =
      DocumentedEndpoints(nlohmann::json::parse(OpenApiDocument()));
  const std::set<Endpoint> served = ServedEndpoints();
  for (const Endpoint& e : documented) {
    INFO("in docs/openapi.json but not served: " << e.first << " " << e.second);
    CHECK(served.count(e) == 1);
  }
}

TEST_CASE("every operation's path parameters are declared", "[openapi]") {
  const nlohmann::json doc = nlohmann::json::parse(OpenApiDocument());
  for (const auto& [path, item] : doc.at("paths").items()) {
    for (const auto& [method, op] : item.items()) {
      std::set<std::string> declared;
      for (const auto& p : op.value("parameters", nlohmann::json::array())) {
        nlohmann::json param = p;
        if (p.contains("$ref")) {
          const std::string ref = p.at("$ref");
          param = doc.at("components").at("parameters").at(ref.substr(ref.rfind('/') + 1));
        }
        if (param.at("in") == "path") declared.insert(param.at("name").get<std::string>());
      }
      std::set<std::string> in_path;
      for (size_t open = path.find('{'); open != std::string::npos;
           open = path.find('{', open + 1)) {
        in_path.insert(path.substr(open + 1, path.find('}', open) - open - 1));
      }
      INFO(method << " " << path);
      CHECK(declared == in_path);
    }
  }
}
