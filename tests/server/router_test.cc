#include "deltatunnel/server/router.h"

#include <catch2/catch.hpp>

using namespace deltatunnel::server;
using Kind = Router::Match::Kind;

namespace {

Handler Answer(int status) {
  return [status](Request&) {
    Response r;
    r.status = status;
    return r;
  };
}

int Call(const Router::Match& m) {
  REQUIRE(m.kind == Kind::kFound);
  Request req;
  return m.route->handler(req).status;
}

}  // namespace

TEST_CASE("captures and literal segments", "[router]") {
  Router r;
  r.Add("GET", "/api/v1/projects/{project}/tables/{table}", Answer(1));
  r.Add("GET", "/api/v1/projects/{project}/tables", Answer(2));
  r.Add("POST", "/api/v1/projects/{project}/tables/{table}/load", Answer(3), {.blocking = true});

  auto m = r.Find("GET", "/api/v1/projects/shop/tables/orders");
  CHECK(Call(m) == 1);
  CHECK(m.params == std::map<std::string, std::string>{{"project", "shop"}, {"table", "orders"}});
  CHECK(Call(r.Find("GET", "/api/v1/projects/shop/tables")) == 2);
  auto load = r.Find("POST", "/api/v1/projects/shop/tables/orders/load");
  CHECK(Call(load) == 3);
  CHECK(load.route->options.blocking);

  CHECK(r.Find("GET", "/api/v1/projects/shop").kind == Kind::kNotFound);
  CHECK(r.Find("GET", "/api/v1/projects/shop/tables/orders/").kind == Kind::kNotFound);
  CHECK(r.Find("GET", "/").kind == Kind::kNotFound);
}

TEST_CASE("captured segments are percent-decoded, '+' kept, '%2F' stays in the segment",
          "[router]") {
  Router r;
  r.Add("GET", "/t/{name}", Answer(1));
  auto m = r.Find("GET", "/t/a%2Fb+c%20d");
  REQUIRE(m.kind == Kind::kFound);
  CHECK(m.params.at("name") == "a/b+c d");
  auto bad = r.Find("GET", "/t/%zz");
  CHECK(bad.kind == Kind::kBadPath);
  CHECK_FALSE(bad.error.empty());
}

TEST_CASE("optional groups: the Tunnel path with and without a schema", "[router]") {
  Router r;
  r.Add("POST", "/projects/{project}[/schemas/{schema}]/tables/{table}/upserts", Answer(7));
  CHECK(r.size() == 2);
  auto plain = r.Find("POST", "/projects/p/tables/t/upserts");
  CHECK(Call(plain) == 7);
  CHECK(plain.params.count("schema") == 0);
  auto schema = r.Find("POST", "/projects/p/schemas/default/tables/t/upserts");
  CHECK(Call(schema) == 7);
  CHECK(schema.params == std::map<std::string, std::string>{
                             {"project", "p"}, {"schema", "default"}, {"table", "t"}});
}

TEST_CASE("a known path with another method lists the allowed ones", "[router]") {
  Router r;
  r.Add("GET", "/x/{id}", Answer(1));
  r.Add("DELETE", "/x/{id}", Answer(2));
  auto m = r.Find("PUT", "/x/1");
  CHECK(m.kind == Kind::kMethodNotAllowed);
  CHECK(m.allowed == std::vector<std::string>{"DELETE", "GET"});
  CHECK(Call(r.Find("DELETE", "/x/1")) == 2);
}

TEST_CASE("the most specific route wins", "[router]") {
  Router r;
  r.Add("GET", "/a/{x}/c", Answer(1));
  r.Add("GET", "/a/b/{y}", Answer(2));
  r.Add("GET", "/a/{x}/{y}", Answer(3));
  CHECK(Call(r.Find("GET", "/a/b/c")) == 2);
  CHECK(Call(r.Find("GET", "/a/z/c")) == 1);
  CHECK(Call(r.Find("GET", "/a/z/z")) == 3);
}

TEST_CASE("malformed and duplicate patterns are programming errors", "[router]") {
  Router r;
  r.Add("GET", "/a/{x}", Answer(1));
  CHECK_THROWS_AS(r.Add("GET", "/a/{y}", Answer(1)), std::logic_error);
  CHECK_THROWS_AS(r.Add("GET", "no-slash", Answer(1)), std::invalid_argument);
  CHECK_THROWS_AS(r.Add("GET", "/a/x{y}", Answer(1)), std::invalid_argument);
  CHECK_THROWS_AS(r.Add("GET", "/a/{y}/{y}", Answer(1)), std::invalid_argument);
  CHECK_THROWS_AS(r.Add("GET", "/a[/b", Answer(1)), std::invalid_argument);
  CHECK_THROWS_AS(r.Add("GET", "/a/b]", Answer(1)), std::invalid_argument);
  CHECK_NOTHROW(r.Add("POST", "/a/{x}", Answer(1)));
}

TEST_CASE("Wrap puts a handler in front of a registered route", "[router]") {
  Router r;
  r.Add("GET", "/metrics", Answer(200));
  r.Add("GET", "/other", Answer(201));
  r.Wrap("GET", "/metrics", [](Handler next) -> Handler {
    return [next](Request& req) {
      Response resp = next(req);
      resp.status += 1;
      return resp;
    };
  });
  CHECK(Call(r.Find("GET", "/metrics")) == 201);
  CHECK(Call(r.Find("GET", "/other")) == 201);
  CHECK_THROWS_AS(r.Wrap("GET", "/nope", [](Handler h) { return h; }), std::logic_error);
}
