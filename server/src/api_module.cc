#include "api_module.h"

#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "api_context.h"
#include "api_metrics.h"
#include "api_util.h"
#include "auth.h"
#include "deltatunnel/storage/fault_injection.h"
#include "engine_options.h"
#include "feed/commit_watch.h"
#include "feed/consumers.h"
#include "native/backups.h"
#include "native/compaction.h"
#include "native/load.h"
#include "native/read.h"
#include "native/rejects.h"
#include "native/tables.h"
#include "odps/instance_store.h"
#include "odps/routes.h"
#include "tunnel/download_sessions.h"
#include "tunnel/table_downloads.h"
#include "tunnel/tunnel_surface.h"

namespace deltatunnel::server {
namespace {

using ApiHandler = Response (*)(ApiContext&, Request&);

// Tunnel download sessions hold no data (tunnel/download_sessions.h): a few hundred bytes each.
// They live 24 h, as MaxCompute's do.
constexpr size_t kMaxDownloadSessions = 4096;
constexpr int64_t kDownloadLifetimeMs = 24 * 3600 * 1000;

class ApiModule final : public ServerModule {
 public:
  explicit ApiModule(MemoryBudget* budget) { ctx_.budget = budget; }

  std::string_view name() const override { return "api"; }

  void RegisterRoutes(Router& router) override {
    const std::string tables = "/api/v1/projects/{project}/tables";
    const std::string table = tables + "/{table}";
    Add(router, "POST", tables, HandleCreateTable);
    Add(router, "GET", tables, HandleListTables);
    Add(router, "GET", table, HandleDescribeTable);
    Add(router, "PATCH", table, HandleAlterTable);
    Add(router, "DELETE", table, HandleDropTable);
    Add(router, "GET", table + "/partitions", HandleListPartitions);
    Add(router, "DELETE", table + "/partitions", HandleDropPartition);
    Add(router, "POST", table + "/truncate", HandleTruncate);
    Add(router, "GET", table + "/versions", HandleVersions);
    Add(router, "GET", table + "/sessions", HandleListSessions);
    Add(router, "POST", table + "/load", HandleLoad);
    Add(router, "GET", table + "/data", HandleData);
    Add(router, "POST", table + "/lookup", HandleLookup);
    Add(router, "GET", table + "/changes", HandleChanges);
    Add(router, "GET", table + "/history", HandleHistory);
    Add(router, "POST", table + "/consumers", HandleCreateConsumer);
    Add(router, "GET", table + "/consumers", HandleListConsumers);
    Add(router, "GET", table + "/consumers/{consumer}", HandleGetConsumer);
    Add(router, "DELETE", table + "/consumers/{consumer}", HandleDropConsumer);
    Add(router, "GET", table + "/consumers/{consumer}/changes", HandleConsumerChanges);
    Add(router, "POST", table + "/consumers/{consumer}/ack", HandleAckConsumer);
    Add(router, "GET", table + "/rejects", HandleListRejects);
    Add(router, "DELETE", table + "/rejects", HandlePurgeRejects);
    Add(router, "GET", table + "/rejects/{reject}", HandleGetRejects);
    Add(router, "DELETE", table + "/rejects/{reject}", HandlePurgeRejectSet);
    Add(router, "GET", table + "/rejects/{reject}/rows", HandleRejectRows);
    Add(router, "POST", table + "/rejects/{reject}/replay", HandleReplayRejects);
    Add(router, "POST", table + "/compact", HandleCompact);
    Add(router, "GET", "/api/v1/compactions", HandleListCompactions);
    Add(router, "POST", "/api/v1/backups", HandleStartBackup);
    Add(router, "GET", "/api/v1/backups", HandleListBackups);
    Add(router, "POST", "/api/v1/backups/{backup_id}/verify", HandleVerifyBackup);
    Add(router, "DELETE", "/api/v1/backups/{backup_id}", HandleDeleteBackup);
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
    // Test hook (--test-hooks only): the data directory's file operations fail on command
    // (storage/fault_injection.h): POST ?kind=wal|sst|manifest|options|any&op=create|append|sync|
    // rename|delete&error=nospace|eio[&times=N] arms a fault, DELETE lifts them all.
    for (const char* method : {"POST", "DELETE"}) {
      router.Add(
          method, "/_test/fault",
          [this](Request& req) -> Response {
            if (!faults_)
              return ErrorResponse({ErrorCode::kNoSuchObject, "no such path"}, req.request_id);
            return Answer(req, [&]() -> Result<Response> { return TestFault(req); });
          },
          RouteOptions{.blocking = true});
    }
    // api.md section 1: with authentication on, every request but /healthz and /readyz carries
    // credentials, /metrics included; as it names every project's tables, it needs a credential
    // granting every project ("*").
    router.Wrap("GET", "/metrics", [this](Handler next) -> Handler {
      return [this, next](Request& req) {
        if (!auth_) {
          return ErrorResponse({ErrorCode::kServiceUnavailable, "the server is starting"},
                               req.request_id);
        }
        if (Status s = auth_->CheckAdmin(req); !s.ok()) return ErrorResponse(s, req.request_id);
        return next(req);
      };
    });
    // The Tunnel upserts resource, bare and under the ODPS endpoint's /api prefix.
    for (std::string_view prefix : odps::kPrefixes) {
      const std::string upserts =
          std::string(prefix) + "/projects/{project}[/schemas/{schema}]/tables/{table}/upserts";
      for (const char* method : {"POST", "GET", "PUT", "DELETE"}) {
        Add(router, method, upserts, HandleUpserts);
      }
    }
    odps::RegisterOdpsRoutes(
        [&](const char* method, const std::string& pattern, odps::OdpsHandler handler) {
          Add(router, method, pattern, handler);
        });
    // Tunnel table download sessions are opened by POST on the table resource, bare and under
    // the endpoint's /api prefix; GET on it is the ODPS table metadata, whose handler passes
    // ?downloadid requests on (odps::HandleTableTunnelGet).
    const std::string table_resource = "/projects/{project}[/schemas/{schema}]/tables/{table}";
    for (std::string_view prefix : odps::kPrefixes) {
      Add(router, "POST", std::string(prefix) + table_resource, HandleTableDownloads);
    }
  }

  Status Open(const ServerConfig& config, Metrics& metrics) override {
    DT_ASSIGN_OR_RETURN(storage::EngineOptions options, EngineOptionsOf(config));
    if (config.test_hooks) {
      options.compaction_pause = [this] {
        std::this_thread::sleep_for(std::chrono::milliseconds(compaction_hold_ms_.load()));
      };
      faults_ = std::make_shared<storage::FaultInjector>();
      options.faults = faults_;
      options.resume_interval_ms = 100;
    }
    options.on_version = [commits = commits_](const std::string& project, const std::string& table,
                                              uint64_t version) {
      commits->Published(project, table, version);
    };
    DT_ASSIGN_OR_RETURN(engine_, storage::Engine::Open(options));

    std::map<std::string, uint32_t> groups;
    for (const QuotaGroup& g : config.quota.groups) groups[g.name] = g.slots;
    slots_ = std::make_unique<SlotPool>(config.quota.default_slots, groups);
    auth_ = std::make_unique<Authenticator>(config.auth);
    metrics_ = std::make_unique<ApiMetrics>(metrics);

    // The cluster backend keeps nothing in data_dir: no disk to guard.
    const bool local = !options.cluster.has_value();
    disk_guard_ =
        std::make_unique<DiskGuard>(config.data_dir, local ? config.storage.min_free_bytes : 0);
    ctx_.disk_guard = disk_guard_.get();
    ctx_.auth = auth_.get();
    downloads_ = std::make_unique<DownloadSessions>(kMaxDownloadSessions, kDownloadLifetimeMs);
    ctx_.downloads = downloads_.get();
    ctx_.engine = engine_.get();
    ctx_.slots = slots_.get();
    ctx_.metrics = metrics_.get();
    ctx_.worker_addr = config.listen;
    ctx_.max_decompressed_bytes = config.body_limit_bytes * config.limits.decompress_ratio;
    ctx_.max_rows_per_request = config.limits.max_rows_per_request;
    ctx_.max_lookup_keys = config.limits.max_lookup_keys;
    ctx_.default_timezone = config.timezone;
    ctx_.test_hooks = config.test_hooks;
    instances_ = std::make_unique<odps::InstanceStore>();
    ctx_.instances = instances_.get();
    ctx_.commits = commits_.get();
    refresher_ = std::thread([this] { RefreshGauges(); });
    if (local) {
      spdlog::info("storage engine open in {}", config.data_dir);
    } else {
      spdlog::info("storage engine open on etcd {} and bucket {} at {} (prefix {})",
                   fmt::join(config.cluster.etcd_endpoints, ","), config.cluster.s3_bucket,
                   config.cluster.s3_endpoint, config.cluster.prefix);
    }
    return Status::Ok();
  }

  // Not ready while storage cannot take writes: a filesystem fault stopped them, or the data
  // directory's free space is below storage.min_free_bytes. Ready again once the cause is gone.
  Status Ready() override {
    if (!engine_) return Status::Ok();
    DT_RETURN_IF_ERROR(engine_->Writable());
    return disk_guard_->CheckWritable();
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
        RouteOptions{.blocking = true, .admit = [this](const Request& req) -> Status {
                       if (!auth_) return Status::Ok();  // not open yet: the handler answers 503
                       auto it = req.params.find("project");
                       return auth_->CheckHeaders(req, it == req.params.end() ? "" : it->second);
                     }});
  }

  Result<Response> TestFault(Request& req) {
    if (req.method == "DELETE") {
      faults_->Clear();
      return JsonResponse({{"injected", faults_->injected()}});
    }
    auto pick = [&](std::string_view name, auto values) -> Result<decltype(values[0].second)> {
      std::optional<std::string> v = QueryString(req, name);
      for (const auto& [text, value] : values) {
        if (v && *v == text) return value;
      }
      return InvalidArgument("bad or missing " + std::string(name));
    };
    using storage::Fault;
    using storage::FileKind;
    using storage::FileOp;
    DT_ASSIGN_OR_RETURN(FileKind kind,
                        pick("kind", std::array<std::pair<std::string_view, FileKind>, 5>{
                                         {{"wal", FileKind::kWal},
                                          {"sst", FileKind::kTable},
                                          {"manifest", FileKind::kManifest},
                                          {"options", FileKind::kOptions},
                                          {"any", FileKind::kAny}}}));
    DT_ASSIGN_OR_RETURN(FileOp op, pick("op", std::array<std::pair<std::string_view, FileOp>, 5>{
                                                  {{"create", FileOp::kCreate},
                                                   {"append", FileOp::kAppend},
                                                   {"sync", FileOp::kSync},
                                                   {"rename", FileOp::kRename},
                                                   {"delete", FileOp::kDelete}}}));
    DT_ASSIGN_OR_RETURN(
        Fault fault, pick("error", std::array<std::pair<std::string_view, Fault>, 2>{
                                       {{"nospace", Fault::kNoSpace}, {"eio", Fault::kIoError}}}));
    DT_ASSIGN_OR_RETURN(uint64_t times, QueryUint(req, "times", 0, 0, 1000000));
    faults_->Arm(kind, op, fault, times == 0 ? -1 : static_cast<int>(times));
    return JsonResponse({{"armed", true}});
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
  std::unique_ptr<odps::InstanceStore> instances_;
  // Made before the engine, whose commits it hears; shared with the feeds that wait on it.
  std::shared_ptr<CommitWatch> commits_ = std::make_shared<CommitWatch>();
  std::unique_ptr<DownloadSessions> downloads_;
  ApiContext ctx_;
  std::thread refresher_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool closing_ = false;  // guarded by mu_
  std::atomic<uint64_t> compaction_hold_ms_{0};
  std::shared_ptr<storage::FaultInjector> faults_;  // --test-hooks only
};

}  // namespace

std::unique_ptr<ServerModule> MakeApiModule(MemoryBudget* budget) {
  return std::make_unique<ApiModule>(budget);
}

}  // namespace deltatunnel::server
