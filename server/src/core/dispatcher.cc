#include "dispatcher.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cctype>
#include <memory>

#include "deltatunnel/server/url.h"

namespace deltatunnel::server {
namespace {

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

Response MethodNotAllowed(const Request& req, const std::vector<std::string>& allowed) {
  std::string list;
  for (const std::string& m : allowed) list += (list.empty() ? "" : ", ") + m;
  Response r =
      ErrorResponse(InvalidArgument(fmt::format("method {} is not allowed on {}; allowed: {}",
                                                req.method, req.path, list)),
                    req.request_id);
  r.status = 405;
  r.headers["allow"] = list;
  return r;
}

}  // namespace

std::string_view SurfaceOf(std::string_view path) {
  if (path == "/projects" || StartsWith(path, "/projects/")) return "tunnel";
  if (path == "/api" || StartsWith(path, "/api/")) return "native";
  if (path == "/healthz" || path == "/readyz" || path == "/metrics" ||
      StartsWith(path, "/_test/")) {
    return "ops";
  }
  return "console";
}

Dispatcher::Dispatcher(const Router& router, WorkerPool& workers, Metrics& metrics,
                       const std::atomic<ServerState>& state, uint32_t project_limit,
                       WorkerPool* stream_workers, WorkerPool* live_workers)
    : router_(router),
      workers_(workers),
      stream_workers_(stream_workers != nullptr ? *stream_workers : workers),
      live_workers_(live_workers != nullptr ? *live_workers : stream_workers_),
      gate_(workers, project_limit),
      metrics_(metrics),
      state_(state) {}

Response RunHandler(const Handler& handler, Request& req) {
  try {
    return handler(req);
  } catch (const std::exception& e) {
    spdlog::error("request {} {} {}: handler threw: {}", req.request_id, req.method, req.path,
                  e.what());
    return ErrorResponse(Internal(fmt::format("internal error: {}", e.what())), req.request_id);
  } catch (...) {
    spdlog::error("request {} {} {}: handler threw", req.request_id, req.method, req.path);
    return ErrorResponse(Internal("internal error"), req.request_id);
  }
}

void Dispatcher::Dispatch(Request req, std::function<void(Response)> done) {
  auto [raw_path, raw_query] = SplitTarget(req.target);
  auto path = PercentDecode(raw_path, false);
  if (!path.ok()) {
    return done(ErrorResponse(InvalidArgument("bad request path: " + path.status().message()),
                              req.request_id));
  }
  req.path = std::move(path).value();
  auto query = ParseQuery(raw_query);
  if (!query.ok()) {
    return done(ErrorResponse(InvalidArgument("bad query string: " + query.status().message()),
                              req.request_id));
  }
  req.query = std::move(query).value();

  Router::Match m = router_.Find(req.method, raw_path);
  switch (m.kind) {
    case Router::Match::Kind::kBadPath:
      return done(ErrorResponse(InvalidArgument("bad request path: " + m.error), req.request_id));
    case Router::Match::Kind::kNotFound:
      return done(ErrorResponse(
          {ErrorCode::kNoSuchObject, fmt::format("no resource at {} {}", req.method, req.path)},
          req.request_id));
    case Router::Match::Kind::kMethodNotAllowed:
      return done(MethodNotAllowed(req, m.allowed));
    case Router::Match::Kind::kFound:
      break;
  }
  const Route& route = *m.route;
  ServerState state = state_.load();
  if (!route.options.always_available && state != ServerState::kServing) {
    const char* why = state == ServerState::kStarting ? "starting" : "shutting down";
    return done(ErrorResponse(
        {ErrorCode::kServiceUnavailable, fmt::format("the server is {}; retry later", why)},
        req.request_id));
  }
  req.params = std::move(m.params);
  if (!route.options.blocking) return done(RunHandler(route.handler, req));
  // Project names compare case-insensitively: one lane per project however it is spelled.
  std::string project;
  if (auto it = req.params.find("project"); it != req.params.end()) {
    project = it->second;
    for (char& c : project) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  auto shared = std::make_shared<Request>(std::move(req));
  gate_.Submit(project, [handler = &route.handler, shared, done = std::move(done)] {
    done(RunHandler(*handler, *shared));
  });
}

Status Dispatcher::Admit(const Request& head) const {
  auto [raw_path, raw_query] = SplitTarget(head.target);
  Router::Match m = router_.Find(head.method, raw_path);
  if (m.kind != Router::Match::Kind::kFound || !m.route->options.admit) return Status::Ok();
  // Not serving yet (or any more): Dispatch answers 503 without the modules behind `admit`.
  if (state_.load() != ServerState::kServing) return Status::Ok();
  auto path = PercentDecode(raw_path, false);
  auto query = ParseQuery(raw_query);
  if (!path.ok() || !query.ok()) return Status::Ok();
  Request req;
  req.method = head.method;
  req.target = head.target;
  req.headers = head.headers;
  req.request_id = head.request_id;
  req.remote = head.remote;
  req.path = std::move(path).value();
  req.query = std::move(query).value();
  req.params = std::move(m.params);
  return m.route->options.admit(req);
}

void Dispatcher::RunBlocking(std::function<void()> task, Lane lane) {
  (lane == Lane::kLive ? live_workers_ : stream_workers_).Submit(std::move(task));
}

void Dispatcher::CountCancelled(Cancellation::Reason reason) {
  metrics_
      .Counter(
          "deltatunnel_requests_cancelled_total",
          "Requests whose work was stopped before it was done: their client closed the "
          "connection (client_gone) or they ran past limits.request_deadline_s (deadline).",
          {{"reason", reason == Cancellation::Reason::kClientGone ? "client_gone" : "deadline"}})
      .Inc();
}

void Dispatcher::Record(std::string_view target, int status, double seconds) {
  std::string_view surface = SurfaceOf(SplitTarget(target).first);
  metrics_
      .Counter("deltatunnel_http_requests_total", "HTTP requests answered, by surface and status.",
               {{"surface", std::string(surface)}, {"code", std::to_string(status)}})
      .Inc();
  metrics_
      .Histogram("deltatunnel_http_request_duration_seconds",
                 "From a request's header read to its answer written, seconds.",
                 Metrics::LatencyBuckets(), {{"surface", std::string(surface)}})
      .Observe(seconds);
}

}  // namespace deltatunnel::server
