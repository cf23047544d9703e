#include "console_routes.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "auth.h"
#include "console_assets.h"
#include "metrics_history.h"
#include "openapi_route.h"

namespace deltatunnel::server {
namespace {

constexpr size_t kHistoryCapacity = 3600;  // one hour at one sample a second
constexpr auto kSampleInterval = std::chrono::seconds(1);

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

Response StaticResponse(const ConsoleAsset& asset) {
  Response r;
  r.headers["content-type"] = std::string(ConsoleContentType(asset.path));
  r.headers["cache-control"] = "no-cache";
  r.headers["x-content-type-options"] = "nosniff";
  if (asset.path == "index.html") {
    r.headers["content-security-policy"] =
        "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "frame-ancestors 'none'";
  }
  r.body = std::string(asset.data);
  return r;
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool ParseNumber(const std::string* text, int64_t& out) {
  if (text == nullptr) return true;
  if (text->empty() || text->size() > 18) return false;
  int64_t v = 0;
  for (char c : *text) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

class ConsoleModule final : public ServerModule {
 public:
  std::string_view name() const override { return "console"; }

  void RegisterRoutes(Router& router) override {
    for (const ConsoleAsset& asset : ConsoleAssets()) {
      Handler serve = [&asset](Request&) { return StaticResponse(asset); };
      if (asset.path == "index.html") {
        router.Add("GET", "/", serve);
      }
      router.Add("GET", "/console/" + std::string(asset.path), serve);
    }
    router.Add(
        "GET", "/api/v1/metrics/history", [this](Request& req) { return HandleHistory(req); },
        RouteOptions{.blocking = true});
    AddOpenApiRoute(router);
  }

  Status Open(const ServerConfig& config, Metrics& metrics) override {
    auth_ = std::make_unique<Authenticator>(config.auth);
    metrics_ = &metrics;
    history_ = std::make_unique<MetricsHistory>(kHistoryCapacity);
    sampler_ = std::thread([this] { RunSampler(); });
    return Status::Ok();
  }

  void Close() override {
    {
      std::lock_guard lock(mu_);
      closing_ = true;
    }
    cv_.notify_all();
    if (sampler_.joinable()) sampler_.join();
  }

 private:
  Response HandleHistory(Request& req) {
    // Server-wide figures: a credential granting every project, where authentication is on.
    if (Status s = auth_->CheckAdmin(req); !s.ok()) return ErrorResponse(s, req.request_id);
    int64_t since = 0;
    int64_t limit = 0;
    if (!ParseNumber(req.Query("since"), since)) {
      return ErrorResponse({ErrorCode::kInvalidArgument,
                            "since must be epoch milliseconds (a non-negative integer)"},
                           req.request_id);
    }
    if (!ParseNumber(req.Query("limit"), limit)) {
      return ErrorResponse({ErrorCode::kInvalidArgument, "limit must be a non-negative integer"},
                           req.request_id);
    }
    Response r;
    r.headers["content-type"] = "application/json";
    r.headers["cache-control"] = "no-store";
    r.body = history_->ToJson(since, static_cast<size_t>(limit)).dump();
    return r;
  }

  // One sample at once, then one a second on a steady schedule, until Close().
  void RunSampler() {
    auto next = std::chrono::steady_clock::now();
    std::unique_lock lock(mu_);
    while (!closing_) {
      lock.unlock();
      history_->Sample(metrics_->Snapshot(), NowMs());
      lock.lock();
      next += kSampleInterval;
      const auto now = std::chrono::steady_clock::now();
      if (next < now) next = now;  // fell behind (a stalled machine): do not catch up in a burst
      cv_.wait_until(lock, next, [this] { return closing_; });
    }
  }

  std::unique_ptr<Authenticator> auth_;
  Metrics* metrics_ = nullptr;
  std::unique_ptr<MetricsHistory> history_;
  std::thread sampler_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool closing_ = false;  // guarded by mu_
};

}  // namespace

std::string_view ConsoleContentType(std::string_view path) {
  if (EndsWith(path, ".html")) return "text/html; charset=utf-8";
  if (EndsWith(path, ".js")) return "text/javascript; charset=utf-8";
  if (EndsWith(path, ".css")) return "text/css; charset=utf-8";
  if (EndsWith(path, ".svg")) return "image/svg+xml";
  if (EndsWith(path, ".png")) return "image/png";
  if (EndsWith(path, ".json")) return "application/json";
  return "text/plain; charset=utf-8";
}

std::unique_ptr<ServerModule> MakeConsoleModule() { return std::make_unique<ConsoleModule>(); }

}  // namespace deltatunnel::server
