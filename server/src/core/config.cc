#include "deltatunnel/server/config.h"

#include <fmt/format.h>

#include <charconv>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <limits>
#include <set>
#include <sstream>
#include <toml.hpp>

namespace deltatunnel::server {
namespace {

Status Bad(std::string_view key, std::string_view reason) {
  return InvalidArgument(fmt::format("config key '{}': {}", key, reason));
}

// Expands ${NAME} and ${NAME:-fallback} from the environment.
Result<std::string> ExpandEnv(std::string_view key, std::string_view in) {
  std::string out;
  size_t i = 0;
  while (i < in.size()) {
    size_t start = in.find("${", i);
    if (start == std::string_view::npos) break;
    size_t end = in.find('}', start);
    if (end == std::string_view::npos) return Bad(key, "'${' without a closing '}'");
    out.append(in.substr(i, start - i));
    std::string_view ref = in.substr(start + 2, end - start - 2);
    std::string_view name = ref;
    std::string_view fallback;
    bool has_fallback = false;
    if (size_t sep = ref.find(":-"); sep != std::string_view::npos) {
      name = ref.substr(0, sep);
      fallback = ref.substr(sep + 2);
      has_fallback = true;
    }
    if (name.empty()) return Bad(key, "empty environment variable name in '${}'");
    const char* value = std::getenv(std::string(name).c_str());
    if (value != nullptr && *value != '\0') {
      out.append(value);
    } else if (has_fallback) {
      out.append(fallback);
    } else {
      return Bad(key, fmt::format("environment variable {} is not set", name));
    }
    i = end + 1;
  }
  out.append(in.substr(i));
  return out;
}

// Reads one TOML table, remembering which keys were read so that the rest can be refused.
class TableReader {
 public:
  TableReader(const toml::value& table, std::string prefix)
      : table_(table.as_table()), prefix_(std::move(prefix)) {}

  std::string Key(std::string_view name) const {
    return prefix_.empty() ? std::string(name) : prefix_ + "." + std::string(name);
  }

  const toml::value* Find(std::string_view name) {
    known_.insert(std::string(name));
    auto it = table_.find(std::string(name));
    return it == table_.end() ? nullptr : &it->second;
  }

  Status Bool(std::string_view name, bool& out) {
    const toml::value* v = Find(name);
    if (v == nullptr) return Status::Ok();
    if (!v->is_boolean()) return Bad(Key(name), "expected true or false");
    out = v->as_boolean();
    return Status::Ok();
  }

  template <typename T>
  Status Uint(std::string_view name, T& out) {
    const toml::value* v = Find(name);
    if (v == nullptr) return Status::Ok();
    if (!v->is_integer()) return Bad(Key(name), "expected an integer");
    int64_t i = v->as_integer();
    if (i < 0 || static_cast<uint64_t>(i) > std::numeric_limits<T>::max()) {
      return Bad(Key(name), fmt::format("{} is out of range", i));
    }
    out = static_cast<T>(i);
    return Status::Ok();
  }

  Status String(std::string_view name, std::string& out) {
    const toml::value* v = Find(name);
    if (v == nullptr) return Status::Ok();
    return StringValue(Key(name), *v, out);
  }

  static Status StringValue(const std::string& key, const toml::value& v, std::string& out) {
    if (!v.is_string()) return Bad(key, "expected a string");
    DT_ASSIGN_OR_RETURN(out, ExpandEnv(key, v.as_string().str));
    return Status::Ok();
  }

  Status StringList(std::string_view name, std::vector<std::string>& out) {
    const toml::value* v = Find(name);
    if (v == nullptr) return Status::Ok();
    if (!v->is_array()) return Bad(Key(name), "expected an array of strings");
    out.clear();
    for (const toml::value& item : v->as_array()) {
      std::string s;
      DT_RETURN_IF_ERROR(StringValue(Key(name), item, s));
      out.push_back(std::move(s));
    }
    return Status::Ok();
  }

  // Calls `each` with a reader for every table of an array of tables.
  Status Tables(std::string_view name, const std::function<Status(TableReader&)>& each) {
    const toml::value* v = Find(name);
    if (v == nullptr) return Status::Ok();
    if (!v->is_array()) return Bad(Key(name), "expected an array of tables");
    const auto& items = v->as_array();
    for (size_t i = 0; i < items.size(); ++i) {
      std::string key = fmt::format("{}[{}]", Key(name), i);
      if (!items[i].is_table()) return Bad(key, "expected a table");
      TableReader reader(items[i], key);
      DT_RETURN_IF_ERROR(each(reader));
      DT_RETURN_IF_ERROR(reader.RefuseUnknown());
    }
    return Status::Ok();
  }

  // Calls `read` with a reader for the sub-table `name`, when present.
  Status Section(std::string_view name, const std::function<Status(TableReader&)>& read) {
    const toml::value* v = Find(name);
    if (v == nullptr) return Status::Ok();
    if (!v->is_table()) return Bad(Key(name), "expected a table ([" + Key(name) + "])");
    TableReader reader(*v, Key(name));
    DT_RETURN_IF_ERROR(read(reader));
    return reader.RefuseUnknown();
  }

  Status RefuseUnknown() const {
    std::set<std::string> unknown;
    for (const auto& [name, value] : table_) {
      if (known_.count(name) == 0) unknown.insert(name);
    }
    if (unknown.empty()) return Status::Ok();
    return InvalidArgument(fmt::format("unknown config key '{}'", Key(*unknown.begin())));
  }

 private:
  const toml::table& table_;
  std::string prefix_;
  std::set<std::string> known_;
};

Status ReadStorage(TableReader& r, StorageConfig& c) {
  DT_RETURN_IF_ERROR(r.String("backend", c.backend));
  DT_RETURN_IF_ERROR(r.Bool("sync_commits", c.sync_commits));
  DT_RETURN_IF_ERROR(r.Uint("default_commit_threshold", c.default_commit_threshold));
  DT_RETURN_IF_ERROR(r.Uint("block_cache_mb", c.block_cache_mb));
  DT_RETURN_IF_ERROR(r.Uint("file_delete_rate_mb", c.file_delete_rate_mb));
  DT_RETURN_IF_ERROR(r.Uint("idempotency_ttl_hours", c.idempotency_ttl_hours));
  DT_RETURN_IF_ERROR(r.Uint("consumer_hold_hours", c.consumer_hold_hours));
  if (c.consumer_hold_hours < 1 || c.consumer_hold_hours > 8760) {
    return InvalidArgument("storage.consumer_hold_hours must be 1 to 8760");
  }
  DT_RETURN_IF_ERROR(r.Uint("reject_quarantine_mb", c.reject_quarantine_mb));
  if (c.reject_quarantine_mb < 1 || c.reject_quarantine_mb > 1048576) {
    return InvalidArgument("storage.reject_quarantine_mb must be 1 to 1048576");
  }
  return r.Uint("min_free_bytes", c.min_free_bytes);
}

Status ReadCluster(TableReader& r, ClusterConfig& c) {
  DT_RETURN_IF_ERROR(r.StringList("etcd_endpoints", c.etcd_endpoints));
  DT_RETURN_IF_ERROR(r.String("prefix", c.prefix));
  DT_RETURN_IF_ERROR(r.Uint("etcd_max_txn_ops", c.etcd_max_txn_ops));
  DT_RETURN_IF_ERROR(r.Uint("etcd_max_request_bytes", c.etcd_max_request_bytes));
  DT_RETURN_IF_ERROR(r.Uint("lease_ttl_s", c.lease_ttl_s));
  DT_RETURN_IF_ERROR(r.Uint("chunk_cache_mb", c.chunk_cache_mb));
  DT_RETURN_IF_ERROR(r.String("s3_endpoint", c.s3_endpoint));
  DT_RETURN_IF_ERROR(r.String("s3_bucket", c.s3_bucket));
  DT_RETURN_IF_ERROR(r.String("s3_region", c.s3_region));
  DT_RETURN_IF_ERROR(r.Bool("s3_path_style", c.s3_path_style));
  DT_RETURN_IF_ERROR(r.String("s3_access_key_id", c.s3_access_key_id));
  return r.String("s3_secret_access_key", c.s3_secret_access_key);
}

Status ReadAccessKey(TableReader& k, AuthConfig& c) {
  AccessKey key;
  DT_RETURN_IF_ERROR(k.String("id", key.id));
  DT_RETURN_IF_ERROR(k.String("secret", key.secret));
  DT_RETURN_IF_ERROR(k.StringList("projects", key.projects));
  c.access_keys.push_back(std::move(key));
  return Status::Ok();
}

Status ReadBearerToken(TableReader& t, AuthConfig& c) {
  BearerToken token;
  DT_RETURN_IF_ERROR(t.String("token", token.token));
  DT_RETURN_IF_ERROR(t.StringList("projects", token.projects));
  c.bearer_tokens.push_back(std::move(token));
  return Status::Ok();
}

Status ReadAuth(TableReader& r, AuthConfig& c) {
  DT_RETURN_IF_ERROR(r.Bool("enabled", c.enabled));
  DT_RETURN_IF_ERROR(r.Uint("max_clock_skew_s", c.max_clock_skew_s));
  c.access_keys.clear();
  c.bearer_tokens.clear();
  DT_RETURN_IF_ERROR(r.Tables("access_keys", [&c](TableReader& k) { return ReadAccessKey(k, c); }));
  return r.Tables("bearer_tokens", [&c](TableReader& t) { return ReadBearerToken(t, c); });
}

Status ReadQuotaGroup(TableReader& g, QuotaConfig& c) {
  QuotaGroup group;
  DT_RETURN_IF_ERROR(g.String("name", group.name));
  DT_RETURN_IF_ERROR(g.Uint("slots", group.slots));
  c.groups.push_back(std::move(group));
  return Status::Ok();
}

Status ReadQuota(TableReader& r, QuotaConfig& c) {
  DT_RETURN_IF_ERROR(r.Uint("default_slots", c.default_slots));
  c.groups.clear();
  return r.Tables("groups", [&c](TableReader& g) { return ReadQuotaGroup(g, c); });
}

Status ReadCompaction(TableReader& r, CompactionConfig& c) {
  DT_RETURN_IF_ERROR(r.Uint("threads", c.threads));
  DT_RETURN_IF_ERROR(r.Uint("nice", c.nice));
  return r.Uint("max_pending_deltas", c.max_pending_deltas);
}

Status ReadBackup(TableReader& r, BackupConfig& c) {
  DT_RETURN_IF_ERROR(r.String("dir", c.dir));
  return r.Uint("rate_mb", c.rate_mb);
}

Status ReadLimits(TableReader& r, LimitsConfig& c) {
  DT_RETURN_IF_ERROR(r.Uint("decompress_ratio", c.decompress_ratio));
  DT_RETURN_IF_ERROR(r.Uint("max_rows_per_request", c.max_rows_per_request));
  DT_RETURN_IF_ERROR(r.Uint("min_body_rate_bytes_s", c.min_body_rate_bytes_s));
  DT_RETURN_IF_ERROR(r.Uint("max_lookup_keys", c.max_lookup_keys));
  DT_RETURN_IF_ERROR(r.Uint("request_deadline_s", c.request_deadline_s));
  DT_RETURN_IF_ERROR(r.Uint("project_requests_in_flight", c.project_requests_in_flight));
  return r.Uint("memory_budget_bytes", c.memory_budget_bytes);
}

Status ReadTop(TableReader& r, ServerConfig& c) {
  DT_RETURN_IF_ERROR(r.String("listen", c.listen));
  DT_RETURN_IF_ERROR(r.String("data_dir", c.data_dir));
  DT_RETURN_IF_ERROR(r.Uint("io_threads", c.io_threads));
  DT_RETURN_IF_ERROR(r.Uint("worker_threads", c.worker_threads));
  DT_RETURN_IF_ERROR(r.Uint("body_limit_bytes", c.body_limit_bytes));
  DT_RETURN_IF_ERROR(r.Uint("read_timeout_s", c.read_timeout_s));
  DT_RETURN_IF_ERROR(r.Uint("idle_timeout_s", c.idle_timeout_s));
  DT_RETURN_IF_ERROR(r.Uint("shutdown_grace_s", c.shutdown_grace_s));
  DT_RETURN_IF_ERROR(r.String("log_level", c.log_level));
  DT_RETURN_IF_ERROR(r.String("timezone", c.timezone));
  DT_RETURN_IF_ERROR(
      r.Section("storage", [&](TableReader& s) { return ReadStorage(s, c.storage); }));
  DT_RETURN_IF_ERROR(
      r.Section("cluster", [&](TableReader& s) { return ReadCluster(s, c.cluster); }));
  DT_RETURN_IF_ERROR(r.Section("auth", [&](TableReader& s) { return ReadAuth(s, c.auth); }));
  DT_RETURN_IF_ERROR(r.Section("quota", [&](TableReader& s) { return ReadQuota(s, c.quota); }));
  DT_RETURN_IF_ERROR(
      r.Section("compaction", [&](TableReader& s) { return ReadCompaction(s, c.compaction); }));
  DT_RETURN_IF_ERROR(r.Section("limits", [&](TableReader& s) { return ReadLimits(s, c.limits); }));
  DT_RETURN_IF_ERROR(r.Section("backup", [&](TableReader& s) { return ReadBackup(s, c.backup); }));
  return r.RefuseUnknown();
}

Status InRange(std::string_view key, uint64_t v, uint64_t min, uint64_t max) {
  if (v >= min && v <= max) return Status::Ok();
  return Bad(key, fmt::format("{} is not in [{}, {}]", v, min, max));
}

Status ValidateCluster(const ServerConfig& c) {
  if (c.storage.backend == "local") return Status::Ok();
  if (c.storage.backend != "cluster") {
    return Bad("storage.backend",
               fmt::format("'{}' is not \"local\" or \"cluster\"", c.storage.backend));
  }
  const ClusterConfig& k = c.cluster;
  const std::string_view why = "must be set when storage.backend is \"cluster\"";
  if (k.etcd_endpoints.empty()) return Bad("cluster.etcd_endpoints", why);
  if (k.s3_endpoint.empty()) return Bad("cluster.s3_endpoint", why);
  if (k.s3_endpoint.starts_with("https://")) {
    return Bad("cluster.s3_endpoint",
               "https is not supported yet: reach the store over http "
               "(on a private network, or through a local TLS proxy)");
  }
  if (k.s3_bucket.empty()) return Bad("cluster.s3_bucket", why);
  if (k.s3_region.empty()) return Bad("cluster.s3_region", "must not be empty");
  DT_RETURN_IF_ERROR(InRange("cluster.lease_ttl_s", k.lease_ttl_s, 2, 300));
  DT_RETURN_IF_ERROR(InRange("cluster.chunk_cache_mb", k.chunk_cache_mb, 0, 1 << 20));
  DT_RETURN_IF_ERROR(InRange("cluster.etcd_max_txn_ops", k.etcd_max_txn_ops, 16, 1 << 20));
  DT_RETURN_IF_ERROR(
      InRange("cluster.etcd_max_request_bytes", k.etcd_max_request_bytes, 64 << 10, 1ull << 31));
  if (!c.backup.dir.empty()) {
    return Bad("backup.dir",
               "backups copy the local backend's files; with storage.backend = "
               "\"cluster\" the data is in etcd and object storage, which keep "
               "their own copies");
  }
  return Status::Ok();
}

bool ValidTimezone(std::string_view tz) {
  if (tz == "UTC" || tz == "Z") return true;
  if (tz.size() == 6 && (tz[0] == '+' || tz[0] == '-') && tz[3] == ':') {
    auto digit = [&](size_t i) { return tz[i] >= '0' && tz[i] <= '9'; };
    return digit(1) && digit(2) && digit(4) && digit(5) && tz.substr(1, 2) <= "18" &&
           tz.substr(4, 2) <= "59";
  }
  if (tz.empty() || tz.front() == '/' || tz.back() == '/' ||
      tz.find("..") != std::string_view::npos) {
    return false;
  }
  for (char ch : tz) {
    bool ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
              ch == '/' || ch == '_' || ch == '-' || ch == '+';
    if (!ok) return false;
  }
  return true;
}

Status ValidateProjects(const std::string& key, const std::vector<std::string>& projects) {
  if (projects.empty()) return Bad(key, "must list at least one project (or \"*\")");
  for (const std::string& p : projects) {
    if (p.empty()) return Bad(key, "a project name is empty");
  }
  return Status::Ok();
}

}  // namespace

Result<HostPort> ParseHostPort(std::string_view text) {
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) {
    return InvalidArgument(fmt::format("'{}' is not HOST:PORT", text));
  }
  std::string_view host = text.substr(0, colon);
  std::string_view port_text = text.substr(colon + 1);
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') {
      return InvalidArgument(fmt::format("'{}': an IPv6 host is written [addr]", text));
    }
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return InvalidArgument(fmt::format("'{}': write an IPv6 host as [addr]:port", text));
  }
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port > 65535) {
    return InvalidArgument(fmt::format("'{}': the port must be a number from 0 to 65535", text));
  }
  return HostPort{std::string(host), static_cast<uint16_t>(port)};
}

Status ValidateConfig(const ServerConfig& c) {
  if (auto hp = ParseHostPort(c.listen); !hp.ok()) return Bad("listen", hp.status().message());
  if (c.data_dir.empty()) return Bad("data_dir", "must not be empty");
  DT_RETURN_IF_ERROR(InRange("io_threads", c.io_threads, 1, 256));
  DT_RETURN_IF_ERROR(InRange("worker_threads", c.worker_threads, 1, 1024));
  DT_RETURN_IF_ERROR(InRange("body_limit_bytes", c.body_limit_bytes, 1024, 64ull << 30));
  DT_RETURN_IF_ERROR(InRange("read_timeout_s", c.read_timeout_s, 1, 86400));
  DT_RETURN_IF_ERROR(InRange("idle_timeout_s", c.idle_timeout_s, 1, 86400));
  DT_RETURN_IF_ERROR(InRange("shutdown_grace_s", c.shutdown_grace_s, 0, 3600));
  static const std::set<std::string> kLevels = {"trace", "debug",    "info", "warn",
                                                "error", "critical", "off"};
  if (kLevels.count(c.log_level) == 0) {
    return Bad("log_level", fmt::format("'{}' is not one of trace, debug, info, warn, error, "
                                        "critical, off",
                                        c.log_level));
  }
  if (!ValidTimezone(c.timezone)) {
    return Bad("timezone", fmt::format("'{}' is not UTC, an IANA zone name or +HH:MM", c.timezone));
  }
  DT_RETURN_IF_ERROR(
      InRange("storage.default_commit_threshold", c.storage.default_commit_threshold, 1, 100000));
  DT_RETURN_IF_ERROR(InRange("storage.block_cache_mb", c.storage.block_cache_mb, 0, 1 << 20));
  DT_RETURN_IF_ERROR(
      InRange("storage.file_delete_rate_mb", c.storage.file_delete_rate_mb, 0, 1 << 20));
  DT_RETURN_IF_ERROR(
      InRange("storage.idempotency_ttl_hours", c.storage.idempotency_ttl_hours, 1, 24 * 3650));
  DT_RETURN_IF_ERROR(ValidateCluster(c));
  for (size_t i = 0; i < c.auth.access_keys.size(); ++i) {
    const AccessKey& k = c.auth.access_keys[i];
    std::string key = fmt::format("auth.access_keys[{}]", i);
    if (k.id.empty()) return Bad(key + ".id", "must not be empty");
    if (k.secret.empty()) return Bad(key + ".secret", "must not be empty");
    DT_RETURN_IF_ERROR(ValidateProjects(key + ".projects", k.projects));
  }
  for (size_t i = 0; i < c.auth.bearer_tokens.size(); ++i) {
    const BearerToken& t = c.auth.bearer_tokens[i];
    std::string key = fmt::format("auth.bearer_tokens[{}]", i);
    if (t.token.empty()) return Bad(key + ".token", "must not be empty");
    DT_RETURN_IF_ERROR(ValidateProjects(key + ".projects", t.projects));
  }
  if (c.auth.enabled && c.auth.access_keys.empty() && c.auth.bearer_tokens.empty()) {
    return Bad("auth.enabled", "is true but no access_keys or bearer_tokens are configured");
  }
  DT_RETURN_IF_ERROR(InRange("quota.default_slots", c.quota.default_slots, 1, 1 << 20));
  std::set<std::string> group_names;
  for (size_t i = 0; i < c.quota.groups.size(); ++i) {
    const QuotaGroup& g = c.quota.groups[i];
    std::string key = fmt::format("quota.groups[{}]", i);
    if (g.name.empty()) return Bad(key + ".name", "must not be empty");
    if (!group_names.insert(g.name).second) {
      return Bad(key + ".name", fmt::format("'{}' is listed twice", g.name));
    }
    DT_RETURN_IF_ERROR(InRange(key + ".slots", g.slots, 1, 1 << 20));
  }
  DT_RETURN_IF_ERROR(InRange("backup.rate_mb", c.backup.rate_mb, 0, 1 << 20));
  DT_RETURN_IF_ERROR(InRange("compaction.threads", c.compaction.threads, 0, 64));
  DT_RETURN_IF_ERROR(InRange("compaction.nice", c.compaction.nice, 0, 19));
  DT_RETURN_IF_ERROR(InRange("auth.max_clock_skew_s", c.auth.max_clock_skew_s, 1, 7 * 86400));
  DT_RETURN_IF_ERROR(InRange("limits.decompress_ratio", c.limits.decompress_ratio, 1, 1000));
  DT_RETURN_IF_ERROR(
      InRange("limits.max_rows_per_request", c.limits.max_rows_per_request, 1, 1ull << 40));
  DT_RETURN_IF_ERROR(InRange("limits.max_lookup_keys", c.limits.max_lookup_keys, 1, 1ull << 32));
  DT_RETURN_IF_ERROR(InRange("limits.request_deadline_s", c.limits.request_deadline_s, 0, 86400));
  DT_RETURN_IF_ERROR(
      InRange("limits.project_requests_in_flight", c.limits.project_requests_in_flight, 0, 1024));
  if (c.limits.memory_budget_bytes != 0) {
    DT_RETURN_IF_ERROR(InRange("limits.memory_budget_bytes", c.limits.memory_budget_bytes,
                               1ull << 20, 1ull << 50));
  }
  DT_RETURN_IF_ERROR(
      InRange("compaction.max_pending_deltas", c.compaction.max_pending_deltas, 1, 1 << 20));
  // A table at the default would refuse its appends once max_pending_deltas commits wait, before
  // its automatic compaction is due.
  if (c.compaction.threads > 0 &&
      c.storage.default_commit_threshold >= c.compaction.max_pending_deltas) {
    return Bad("storage.default_commit_threshold",
               fmt::format("({}) must be below compaction.max_pending_deltas ({}): a partition "
                           "refuses appends once that many commits wait for compaction",
                           c.storage.default_commit_threshold, c.compaction.max_pending_deltas));
  }
  return Status::Ok();
}

Result<ServerConfig> ParseConfig(std::string_view toml_text, std::string_view source) {
  toml::value root;
  try {
    std::istringstream in{std::string(toml_text)};
    root = toml::parse(in, std::string(source));
  } catch (const std::exception& e) {
    return InvalidArgument(fmt::format("{}: not valid TOML: {}", source, e.what()));
  }
  ServerConfig config;
  TableReader reader(root, "");
  Status read = ReadTop(reader, config);
  if (read.ok()) read = ValidateConfig(config);
  if (!read.ok()) return InvalidArgument(fmt::format("{}: {}", source, read.message()));
  return config;
}

Result<ServerConfig> LoadConfigFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return InvalidArgument(fmt::format("cannot read config file '{}'", path));
  std::ostringstream text;
  text << in.rdbuf();
  return ParseConfig(text.str(), path);
}

}  // namespace deltatunnel::server
