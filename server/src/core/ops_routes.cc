#include "ops_routes.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <memory>
#include <thread>

#include <nlohmann/json.hpp>

namespace deltatunnel::server {
namespace {

Response Json(const nlohmann::json& body, int status = 200) {
  Response r;
  r.status = status;
  r.headers["content-type"] = "application/json";
  r.body = body.dump();
  return r;
}

uint64_t QueryNumber(const Request& req, std::string_view name, uint64_t fallback) {
  const std::string* v = req.Query(name);
  uint64_t n = fallback;
  if (v != nullptr) std::from_chars(v->data(), v->data() + v->size(), n);
  return n;
}

}  // namespace

void AddOperationsRoutes(Router& router, const std::atomic<ServerState>& state, Metrics& metrics,
                         const Readiness& readiness) {
  RouteOptions always{.blocking = false, .always_available = true};
  router.Add(
      "GET", "/healthz",
      [](Request&) {
        return Json({{"status", "ok"}});
      },
      always);
  router.Add(
      "GET", "/readyz",
      [&state, &readiness](Request& req) {
        ServerState s = state.load();
        if (s == ServerState::kServing) {
          auto why = readiness.NotReady();
          if (!why) return Json({{"status", "ready"}});
          return ErrorResponse({ErrorCode::kServiceUnavailable, "not ready: " + *why},
                               req.request_id);
        }
        const char* why = s == ServerState::kStarting ? "starting" : "shutting down";
        return ErrorResponse({ErrorCode::kServiceUnavailable, std::string("the server is ") + why},
                             req.request_id);
      },
      always);
  router.Add(
      "GET", "/metrics",
      [&metrics](Request&) {
        Response r;
        r.headers["content-type"] = "text/plain; version=0.0.4; charset=utf-8";
        r.body = metrics.Render();
        return r;
      },
      always);
}

void AddTestRoutes(Router& router) {
  RouteOptions blocking{.blocking = true, .always_available = false};
  router.Add(
      "GET", "/_test/sleep",
      [](Request& req) {
        // Sleeps in steps of 10 ms, as long work asks between its pieces whether to go on.
        const uint64_t ms = QueryNumber(req, "ms", 0);
        for (uint64_t slept = 0; slept < ms; slept += 10) {
          if (Status s = req.Interrupted(); !s.ok()) return ErrorResponse(s, req.request_id);
          std::this_thread::sleep_for(
              std::chrono::milliseconds(std::min<uint64_t>(10, ms - slept)));
        }
        return Json({{"slept_ms", ms}});
      },
      blocking);
  router.Add(
      "GET", "/_test/stream",
      [](Request& req) {
        uint64_t pieces = QueryNumber(req, "pieces", 3);
        uint64_t bytes = QueryNumber(req, "bytes", 16);
        Response r;
        r.headers["content-type"] = "application/octet-stream";
        auto next = std::make_shared<uint64_t>(0);
        r.stream = [pieces, bytes, next](std::string& out) {
          if (*next >= pieces) return false;
          out.append(bytes, static_cast<char>('a' + (*next)++ % 26));
          return *next < pieces;
        };
        return r;
      },
      blocking);
  router.Add(
      "POST", "/_test/echo",
      [](Request& req) {
        Response r;
        r.headers["content-type"] = "application/octet-stream";
        r.body = std::move(req.body);
        return r;
      },
      blocking);
}

}  // namespace deltatunnel::server
