#include "dispatcher.h"

#include <catch2/catch.hpp>
#include <future>
#include <thread>

#include <nlohmann/json.hpp>

using namespace deltatunnel::server;

namespace {

struct Fixture {
  Router router;
  WorkerPool workers{2};
  Metrics metrics;
  std::atomic<ServerState> state{ServerState::kServing};
  Dispatcher dispatcher{router, workers, metrics, state};

  Response Run(std::string method, std::string target) {
    Request req;
    req.method = std::move(method);
    req.target = std::move(target);
    req.request_id = "rid-1";
    std::promise<Response> answer;
    dispatcher.Dispatch(std::move(req), [&](Response r) { answer.set_value(std::move(r)); });
    return answer.get_future().get();
  }
};

nlohmann::json Body(const Response& r) { return nlohmann::json::parse(r.body); }

}  // namespace

TEST_CASE("an unknown path is 404 NoSuchObject with the JSON error body", "[dispatcher]") {
  Fixture f;
  Response r = f.Run("GET", "/nowhere?x=1");
  CHECK(r.status == 404);
  CHECK(r.headers["content-type"] == "application/json");
  auto body = Body(r);
  CHECK(body["Code"] == "NoSuchObject");
  CHECK(body["RequestId"] == "rid-1");
  CHECK_THAT(body["Message"].get<std::string>(), Catch::Contains("/nowhere"));
}

TEST_CASE("a known path with another method is 405 with Allow", "[dispatcher]") {
  Fixture f;
  f.router.Add("GET", "/thing", [](Request&) { return Response{}; });
  Response r = f.Run("DELETE", "/thing");
  CHECK(r.status == 405);
  CHECK(r.headers["allow"] == "GET");
  CHECK(Body(r)["Code"] == "InvalidArgument");
}

TEST_CASE("path captures and the decoded query reach the handler", "[dispatcher]") {
  Fixture f;
  f.router.Add("PUT", "/p/{project}/t/{table}", [](Request& req) {
    Response r;
    r.body = req.path + "|" + req.params["project"] + "|" + req.params["table"] + "|" +
             *req.Query("partition") + "|" + *req.Query("note");
    return r;
  });
  Response r = f.Run("PUT", "/p/my%20proj/t/orders?partition=ds%3D1&note=a+b");
  CHECK(r.status == 200);
  CHECK(r.body == "/p/my proj/t/orders|my proj|orders|ds=1|a b");
  CHECK(f.Run("PUT", "/p/x/t/y?bad=%zz").status == 400);
  CHECK(f.Run("PUT", "/p/%zz/t/y").status == 400);
}

TEST_CASE("blocking handlers run on a worker thread", "[dispatcher]") {
  Fixture f;
  std::thread::id handler_thread;
  f.router.Add("GET", "/slow",
               [&](Request&) {
                 handler_thread = std::this_thread::get_id();
                 return Response{};
               },
               {.blocking = true});
  f.router.Add("GET", "/fast", [&](Request&) {
    handler_thread = std::this_thread::get_id();
    return Response{};
  });
  CHECK(f.Run("GET", "/slow").status == 200);
  CHECK(handler_thread != std::this_thread::get_id());
  CHECK(f.Run("GET", "/fast").status == 200);
  CHECK(handler_thread == std::this_thread::get_id());
}

TEST_CASE("a handler's exception is a 500 InternalServerError", "[dispatcher]") {
  Fixture f;
  f.router.Add("GET", "/boom", [](Request&) -> Response { throw std::runtime_error("kaput"); });
  Response r = f.Run("GET", "/boom");
  CHECK(r.status == 500);
  CHECK(Body(r)["Code"] == "InternalServerError");
  CHECK_THAT(Body(r)["Message"].get<std::string>(), Catch::Contains("kaput"));
}

TEST_CASE("while starting or draining only always-available routes answer", "[dispatcher]") {
  Fixture f;
  f.router.Add("GET", "/api", [](Request&) { return Response{}; });
  f.router.Add("GET", "/ops", [](Request&) { return Response{}; }, {.always_available = true});
  for (ServerState s : {ServerState::kStarting, ServerState::kDraining}) {
    f.state = s;
    Response r = f.Run("GET", "/api");
    CHECK(r.status == 503);
    CHECK(r.headers["retry-after"] == "1");
    CHECK(Body(r)["Code"] == "ServiceUnavailable");
    CHECK(f.Run("GET", "/ops").status == 200);
  }
}

TEST_CASE("answers are counted by surface and status", "[dispatcher]") {
  Fixture f;
  f.dispatcher.Record("/projects/p/tables/t/upserts?upsertid=1", 200, 0.01);
  f.dispatcher.Record("/api/v1/projects", 404, 0.01);
  f.dispatcher.Record("/healthz", 200, 0.01);
  f.dispatcher.Record("/", 200, 0.01);
  std::string text = f.metrics.Render();
  CHECK_THAT(text,
             Catch::Contains("deltatunnel_http_requests_total{surface=\"tunnel\",code=\"200\"} 1"));
  CHECK_THAT(text,
             Catch::Contains("deltatunnel_http_requests_total{surface=\"native\",code=\"404\"} 1"));
  CHECK_THAT(text,
             Catch::Contains("deltatunnel_http_requests_total{surface=\"ops\",code=\"200\"} 1"));
  CHECK_THAT(
      text, Catch::Contains("deltatunnel_http_requests_total{surface=\"console\",code=\"200\"} 1"));
  CHECK_THAT(text, Catch::Contains(
                       "deltatunnel_http_request_duration_seconds_count{surface=\"tunnel\"} 1"));
}

TEST_CASE("ErrorResponse maps codes and sets Retry-After for 429 and 503", "[dispatcher]") {
  using deltatunnel::ErrorCode;
  Response slot = ErrorResponse({ErrorCode::kSlotExceeded, "full"}, "r", 3);
  CHECK(slot.status == 429);
  CHECK(slot.headers["retry-after"] == "3");
  CHECK(HttpStatusOf(ErrorCode::kRequestTooLarge) == 413);
  CHECK(HttpStatusOf(ErrorCode::kVersionExpired) == 410);
  CHECK(HttpStatusOf(ErrorCode::kUpsertSessionNotFound) == 404);
  Response conflict = ErrorResponse({ErrorCode::kStatusConflict, "done"}, "r");
  CHECK(conflict.status == 409);
  CHECK(conflict.headers.count("retry-after") == 0);
}
