#include "api_module.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "api_context.h"
#include "api_metrics.h"
#include "api_util.h"
#include "auth.h"
#include "native_compaction.h"
#include "native_load.h"
#include "native_read.h"
#include "native_tables.h"
#include "tunnel/download_sessions.h"
#include "tunnel/table_downloads.h"
#include "tunnel_surface.h"

namespace deltatunnel::server {
namespace {

using ApiHandler = Response (*)(ApiContext&, Request&);

// Tunnel download sessions hold no data (tunnel/download_sessions.h): a few hundred bytes each.
// They live 24 h, as MaxCompute's do.
constexpr size_t kMaxDownloadSessions = 4096;
constexpr int64_t kDownloadLifetimeMs = 24 * 3600 * 1000;

class ApiModule final : public ServerModule {
 public:
  std::string_view name() const override { return "api"; }

  void RegisterRoutes(Router& router) override {
    const std::string tables = "/api/v1/projects/{project}/tables";
    const std::string table = tables + "/{table}";
    Add(router, "POST", tables, HandleCreateTable);
    Add(router, "GET", tables, HandleListTables);
    Add(router, "GET", table, HandleDescribeTable);
    Add(router, "DELETE", table, HandleDropTable);
    Add(router, "GET", table + "/partitions", HandleListPartitions);
    Add(router, "GET", table + "/versions", HandleVersions);
    Add(router, "GET", table + "/sessions", HandleListSessions);
    Add(router, "POST", table + "/load", HandleLoad);
    Add(router, "GET", table + "/data", HandleData);
    Add(router, "POST", table + "/lookup", HandleLookup);
    Add(router, "GET", table + "/changes", HandleChanges);
    Add(router, "POST", table + "/compact", HandleCompact);
    Add(router, "GET", "/api/v1/compactions", HandleListCompactions);
    // Test hook (--test-hooks only): hold each compaction this long before it publishes.
    router.Add(
        "POST", "/_test/compaction-hold",
        [this](Request& req) -> Response {
          if (!ctx_.test_hooks)
            return ErrorResponse({ErrorCode::kNoSuchObject, "no such path"}, req.request_id);
          return Answer(req, [&]() -> Result<Response> {
            DT_ASSIGN_OR_RETURN(uint64_t ms, QueryUint(req, "ms", 0, 0, 600000));
            compaction_hold_ms_ = ms;
            return JsonResponse({{"hold_ms", ms}});
          });
        },
        RouteOptions{.blocking = true});
    // api.md section 1: with authentication on, every request but /healthz and /readyz carries
    // credentials, /metrics included (any valid key or token; no project is named).
    router.Wrap("GET", "/metrics", [this](Handler next) -> Handler {
      return [this, next](Request& req) {
        if (!auth_) {
          return ErrorResponse({ErrorCode::kServiceUnavailable, "the server is starting"},
                               req.request_id);
        }
        if (Status s = auth_->Check(req, ""); !s.ok()) return ErrorResponse(s, req.request_id);
        return next(req);
      };
    });
    const std::string upserts = "/projects/{project}[/schemas/{schema}]/tables/{table}/upserts";
    for (const char* method : {"POST", "GET", "PUT", "DELETE"}) {
      Add(router, method, upserts, HandleUpserts);
    }
    // Tunnel table downloads, also under the endpoint's /api prefix. GET without ?downloads or
    // ?downloadid is the ODPS table metadata: once that is served, its handler dispatches here on
    // IsTableDownloadRequest (and the instance tunnel to HandleInstanceDownloads).
    const std::string table_resource = "/projects/{project}[/schemas/{schema}]/tables/{table}";
    for (const char* prefix : {"", "/api"}) {
      for (const char* method : {"POST", "GET"}) {
        Add(router, method, prefix + table_resource, HandleTableDownloads);
      }
    }
  }

  Status Open(const ServerConfig& config, Metrics& metrics) override {
    storage::EngineOptions options;
    options.data_dir = config.data_dir;
    options.sync_commits = config.storage.sync_commits;
    options.default_commit_threshold = config.storage.default_commit_threshold;
    options.block_cache_bytes = config.storage.block_cache_mb << 20;
    options.file_delete_bytes_per_sec = config.storage.file_delete_rate_mb << 20;
    options.idempotency_ttl_hours = config.storage.idempotency_ttl_hours;
    options.compaction_threads = config.compaction.threads;
    options.compaction_nice = config.compaction.nice;
    options.max_pending_deltas = config.compaction.max_pending_deltas;
    if (config.test_hooks) {
      options.compaction_pause = [this] {
        std::this_thread::sleep_for(std::chrono::milliseconds(compaction_hold_ms_.load()));
      };
    }
    DT_ASSIGN_OR_RETURN(engine_, storage::Engine::Open(options));

    std::map<std::string, uint32_t> groups;
    for (const QuotaGroup& g : config.quota.groups) groups[g.name] = g.slots;
    slots_ = std::make_unique<SlotPool>(config.quota.default_slots, groups);
    auth_ = std::make_unique<Authenticator>(config.auth);
    metrics_ = std::make_unique<ApiMetrics>(metrics);

    disk_guard_ = std::make_unique<DiskGuard>(config.data_dir, config.storage.min_free_bytes);
    ctx_.disk_guard = disk_guard_.get();
    downloads_ = std::make_unique<DownloadSessions>(kMaxDownloadSessions, kDownloadLifetimeMs);
    ctx_.downloads = downloads_.get();
    ctx_.engine = engine_.get();
    ctx_.slots = slots_.get();
    ctx_.metrics = metrics_.get();
    ctx_.worker_addr = config.listen;
    ctx_.max_decompressed_bytes = std::max<uint64_t>(config.body_limit_bytes * 4, 64ull << 20);
    ctx_.default_timezone = config.timezone;
    ctx_.test_hooks = config.test_hooks;
    refresher_ = std::thread([this] { RefreshGauges(); });
    spdlog::info("storage engine open in {}", config.data_dir);
    return Status::Ok();
  }

  void Close() override {
    {
      std::lock_guard lock(mu_);
      closing_ = true;
    }
    cv_.notify_all();
    if (refresher_.joinable()) refresher_.join();
    engine_.reset();
  }

 private:
  void Add(Router& router, const char* method, const std::string& pattern, ApiHandler handler) {
    router.Add(
        method, pattern,
        [this, handler](Request& req) {
          const auto& params = req.params;
          auto it = params.find("project");
          Status s = auth_->Check(req, it == params.end() ? std::string() : it->second);
          if (!s.ok()) return ErrorResponse(s, req.request_id);
          Response r = handler(ctx_, req);
          metrics_->OnResponse(r);
          return r;
        },
        RouteOptions{.blocking = true});
  }

  // Gauges that reflect state rather than events, refreshed once a second.
  void RefreshGauges() {
    std::unique_lock lock(mu_);
    while (!closing_) {
      metrics_->Refresh(*engine_, *slots_);
      cv_.wait_for(lock, std::chrono::seconds(1));
    }
  }

  std::unique_ptr<storage::Engine> engine_;
  std::unique_ptr<SlotPool> slots_;
  std::unique_ptr<Authenticator> auth_;
  std::unique_ptr<ApiMetrics> metrics_;
  std::unique_ptr<DiskGuard> disk_guard_;
  std::unique_ptr<DownloadSessions> downloads_;
  ApiContext ctx_;
  std::thread refresher_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool closing_ = false;  // guarded by mu_
  std::atomic<uint64_t> compaction_hold_ms_{0};
};

}  // namespace

std::unique_ptr<ServerModule> MakeApiModule() { return std::make_unique<ApiModule>(); }

}  // namespace deltatunnel::server
