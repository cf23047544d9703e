#include "deltatunnel/server/config.h"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

using namespace deltatunnel::server;

namespace {

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The message of a config that must be refused.
std::string Refusal(const std::string& toml) {
  auto c = ParseConfig(toml, "test.toml");
  REQUIRE_FALSE(c.ok());
  CHECK(c.status().code() == deltatunnel::ErrorCode::kInvalidArgument);
  return c.status().message();
}

}  // namespace

TEST_CASE("the built-in defaults are valid", "[config]") {
  ServerConfig c;
  CHECK(ValidateConfig(c).ok());
  CHECK(c.listen == "127.0.0.1:8080");
  CHECK(c.body_limit_bytes == 256u << 20);
}

TEST_CASE("every file in conf/ parses", "[config]") {
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(DT_CONF_DIR)) {
    if (entry.path().extension() != ".toml") continue;
    std::string text = ReadFile(entry.path());
    // Files may take secrets from the environment: give each ${NAME} a value.
    std::regex ref(R"(\$\{([A-Za-z_][A-Za-z0-9_]*))");
    for (std::sregex_iterator it(text.begin(), text.end(), ref), end; it != end; ++it) {
      setenv((*it)[1].str().c_str(), "from-the-environment", 0);
    }
    INFO(entry.path());
    auto c = LoadConfigFile(entry.path().string());
    CHECK(c.ok());
    if (!c.ok()) WARN(c.status().message());
    ++files;
  }
  CHECK(files >= 3);
}

TEST_CASE("conf/deltatunnel.toml states exactly the built-in defaults", "[config]") {
  auto parsed = LoadConfigFile(std::string(DT_CONF_DIR) + "/deltatunnel.toml");
  REQUIRE(parsed.ok());
  const ServerConfig& f = *parsed;
  ServerConfig d;
  CHECK(f.listen == d.listen);
  CHECK(f.data_dir == d.data_dir);
  CHECK(f.io_threads == d.io_threads);
  CHECK(f.worker_threads == d.worker_threads);
  CHECK(f.body_limit_bytes == d.body_limit_bytes);
  CHECK(f.read_timeout_s == d.read_timeout_s);
  CHECK(f.idle_timeout_s == d.idle_timeout_s);
  CHECK(f.shutdown_grace_s == d.shutdown_grace_s);
  CHECK(f.log_level == d.log_level);
  CHECK(f.timezone == d.timezone);
  CHECK(f.storage.sync_commits == d.storage.sync_commits);
  CHECK(f.storage.default_commit_threshold == d.storage.default_commit_threshold);
  CHECK(f.storage.block_cache_mb == d.storage.block_cache_mb);
  CHECK(f.storage.file_delete_rate_mb == d.storage.file_delete_rate_mb);
  CHECK(f.storage.idempotency_ttl_hours == d.storage.idempotency_ttl_hours);
  CHECK(f.storage.min_free_bytes == d.storage.min_free_bytes);
  CHECK(f.storage.backend == d.storage.backend);
  CHECK(f.cluster.etcd_endpoints.empty());
  CHECK(f.cluster.prefix == d.cluster.prefix);
  CHECK(f.cluster.etcd_max_txn_ops == d.cluster.etcd_max_txn_ops);
  CHECK(f.cluster.etcd_max_request_bytes == d.cluster.etcd_max_request_bytes);
  CHECK(f.cluster.lease_ttl_s == d.cluster.lease_ttl_s);
  CHECK(f.cluster.chunk_cache_mb == d.cluster.chunk_cache_mb);
  CHECK(f.cluster.s3_endpoint == d.cluster.s3_endpoint);
  CHECK(f.cluster.s3_bucket == d.cluster.s3_bucket);
  CHECK(f.cluster.s3_region == d.cluster.s3_region);
  CHECK(f.cluster.s3_path_style == d.cluster.s3_path_style);
  CHECK(f.cluster.s3_access_key_id == d.cluster.s3_access_key_id);
  CHECK(f.cluster.s3_secret_access_key == d.cluster.s3_secret_access_key);
  CHECK(f.auth.enabled == d.auth.enabled);
  CHECK(f.auth.access_keys.empty());
  CHECK(f.auth.bearer_tokens.empty());
  CHECK(f.quota.default_slots == d.quota.default_slots);
  CHECK(f.quota.groups.empty());
  CHECK(f.compaction.threads == d.compaction.threads);
  CHECK(f.compaction.nice == d.compaction.nice);
  CHECK(f.compaction.max_pending_deltas == d.compaction.max_pending_deltas);
  CHECK(f.auth.max_clock_skew_s == d.auth.max_clock_skew_s);
  CHECK(f.limits.decompress_ratio == d.limits.decompress_ratio);
  CHECK(f.limits.max_rows_per_request == d.limits.max_rows_per_request);
  CHECK(f.limits.min_body_rate_bytes_s == d.limits.min_body_rate_bytes_s);
  CHECK(f.limits.max_lookup_keys == d.limits.max_lookup_keys);
  CHECK(f.limits.project_requests_in_flight == d.limits.project_requests_in_flight);
  CHECK(f.limits.memory_budget_bytes == d.limits.memory_budget_bytes);
}

TEST_CASE("every key is read", "[config]") {
  setenv("DT_TEST_SECRET", "s3cret", 1);
  auto c = ParseConfig(R"(
listen = "0.0.0.0:9000"
data_dir = "/tmp/x"
io_threads = 3
worker_threads = 5
body_limit_bytes = 2048
read_timeout_s = 7
idle_timeout_s = 8
shutdown_grace_s = 0
log_level = "debug"
timezone = "Asia/Shanghai"
[storage]
sync_commits = false
default_commit_threshold = 5
block_cache_mb = 64
file_delete_rate_mb = 32
idempotency_ttl_hours = 200
min_free_bytes = 2147483648
backend = "cluster"
[cluster]
etcd_endpoints = ["http://e1:2379", "e2:2379"]
prefix = "team-a/"
etcd_max_txn_ops = 500
etcd_max_request_bytes = 2097152
lease_ttl_s = 15
chunk_cache_mb = 64
s3_endpoint = "http://rgw:7480"
s3_bucket = "tables"
s3_region = "cn-hangzhou"
s3_path_style = false
s3_access_key_id = "AK"
s3_secret_access_key = "${DT_TEST_SECRET}"
[auth]
enabled = true
max_clock_skew_s = 60
access_keys = [{ id = "ak", secret = "${DT_TEST_SECRET}", projects = ["shop", "ads"] }]
[[auth.bearer_tokens]]
token = "${DT_TEST_UNSET_TOKEN:-fallback}"
projects = ["*"]
[quota]
default_slots = 8
groups = [{ name = "etl", slots = 16 }]
[compaction]
threads = 2
nice = 3
max_pending_deltas = 50
[limits]
decompress_ratio = 8
max_rows_per_request = 1000
min_body_rate_bytes_s = 0
max_lookup_keys = 7
project_requests_in_flight = 2
memory_budget_bytes = 1073741824
)");
  REQUIRE(c.ok());
  CHECK(c->listen == "0.0.0.0:9000");
  CHECK(c->data_dir == "/tmp/x");
  CHECK(c->io_threads == 3);
  CHECK(c->worker_threads == 5);
  CHECK(c->body_limit_bytes == 2048);
  CHECK(c->read_timeout_s == 7);
  CHECK(c->idle_timeout_s == 8);
  CHECK(c->shutdown_grace_s == 0);
  CHECK(c->log_level == "debug");
  CHECK(c->timezone == "Asia/Shanghai");
  CHECK_FALSE(c->storage.sync_commits);
  CHECK(c->storage.default_commit_threshold == 5);
  CHECK(c->storage.block_cache_mb == 64);
  CHECK(c->storage.file_delete_rate_mb == 32);
  CHECK(c->storage.idempotency_ttl_hours == 200);
  CHECK(c->storage.min_free_bytes == 2147483648);
  CHECK(c->storage.backend == "cluster");
  CHECK(c->cluster.etcd_endpoints == std::vector<std::string>{"http://e1:2379", "e2:2379"});
  CHECK(c->cluster.prefix == "team-a/");
  CHECK(c->cluster.etcd_max_txn_ops == 500);
  CHECK(c->cluster.etcd_max_request_bytes == 2097152);
  CHECK(c->cluster.lease_ttl_s == 15);
  CHECK(c->cluster.chunk_cache_mb == 64);
  CHECK(c->cluster.s3_endpoint == "http://rgw:7480");
  CHECK(c->cluster.s3_bucket == "tables");
  CHECK(c->cluster.s3_region == "cn-hangzhou");
  CHECK_FALSE(c->cluster.s3_path_style);
  CHECK(c->cluster.s3_access_key_id == "AK");
  CHECK(c->cluster.s3_secret_access_key == "s3cret");
  CHECK(c->auth.enabled);
  REQUIRE(c->auth.access_keys.size() == 1);
  CHECK(c->auth.access_keys[0].id == "ak");
  CHECK(c->auth.access_keys[0].secret == "s3cret");
  CHECK(c->auth.access_keys[0].projects == std::vector<std::string>{"shop", "ads"});
  REQUIRE(c->auth.bearer_tokens.size() == 1);
  CHECK(c->auth.bearer_tokens[0].token == "fallback");
  CHECK(c->quota.default_slots == 8);
  REQUIRE(c->quota.groups.size() == 1);
  CHECK(c->quota.groups[0].name == "etl");
  CHECK(c->quota.groups[0].slots == 16);
  CHECK(c->compaction.threads == 2);
  CHECK(c->compaction.nice == 3);
  CHECK(c->compaction.max_pending_deltas == 50);
  CHECK(c->auth.max_clock_skew_s == 60);
  CHECK(c->limits.decompress_ratio == 8);
  CHECK(c->limits.max_rows_per_request == 1000);
  CHECK(c->limits.min_body_rate_bytes_s == 0);
  CHECK(c->limits.max_lookup_keys == 7);
  CHECK(c->limits.project_requests_in_flight == 2);
  CHECK(c->limits.memory_budget_bytes == 1073741824);
}

TEST_CASE("unknown keys are refused by name", "[config]") {
  CHECK_THAT(Refusal("listne = \"x:1\""), Catch::Contains("unknown config key 'listne'"));
  CHECK_THAT(Refusal("[storage]\nsync_commit = true"),
             Catch::Contains("unknown config key 'storage.sync_commit'"));
  CHECK_THAT(Refusal("[auth]\naccess_keys = [{id=\"a\", secret=\"b\", projects=[\"p\"], x=1}]"),
             Catch::Contains("'auth.access_keys[0].x'"));
  CHECK_THAT(Refusal("[cache]\nsize = 1"), Catch::Contains("unknown config key 'cache'"));
}

TEST_CASE("bad values are refused with the key and the reason", "[config]") {
  CHECK_THAT(Refusal("io_threads = \"two\""),
             Catch::Contains("'io_threads'") && Catch::Contains("expected an integer"));
  CHECK_THAT(Refusal("io_threads = 0"),
             Catch::Contains("'io_threads'") && Catch::Contains("not in [1, 256]"));
  CHECK_THAT(Refusal("worker_threads = -1"),
             Catch::Contains("'worker_threads'") && Catch::Contains("out of range"));
  CHECK_THAT(Refusal("listen = \"localhost\""),
             Catch::Contains("'listen'") && Catch::Contains("HOST:PORT"));
  CHECK_THAT(Refusal("listen = \"127.0.0.1:70000\""), Catch::Contains("0 to 65535"));
  CHECK_THAT(Refusal("log_level = \"loud\""), Catch::Contains("'log_level'"));
  CHECK_THAT(Refusal("[compaction]\nnice = 20"),
             Catch::Contains("'compaction.nice'") && Catch::Contains("not in [0, 19]"));
  CHECK_THAT(Refusal("timezone = \"Mars/../x\""), Catch::Contains("'timezone'"));
  CHECK_THAT(Refusal("[storage]\nsync_commits = 1"),
             Catch::Contains("'storage.sync_commits'") && Catch::Contains("true or false"));
  CHECK_THAT(Refusal("[auth]\nenabled = true"),
             Catch::Contains("'auth.enabled'") && Catch::Contains("no access_keys"));
  CHECK_THAT(Refusal("[auth]\naccess_keys = [{id=\"a\", secret=\"b\", projects=[]}]"),
             Catch::Contains("'auth.access_keys[0].projects'"));
  CHECK_THAT(Refusal("[quota]\ngroups = [{name=\"g\", slots=1}, {name=\"g\", slots=2}]"),
             Catch::Contains("'quota.groups[1].name'") && Catch::Contains("twice"));
  CHECK_THAT(Refusal("storage = 3"), Catch::Contains("'storage'"));
  // The default threshold and the backpressure bound are validated together.
  CHECK_THAT(
      Refusal("[storage]\ndefault_commit_threshold = 200\n[compaction]\nmax_pending_deltas = "
              "200"),
      Catch::Contains("'storage.default_commit_threshold'") &&
          Catch::Contains("(200) must be below compaction.max_pending_deltas (200)"));
  CHECK(ParseConfig("[storage]\ndefault_commit_threshold = 300\n[compaction]\nthreads = 0", "t")
            .ok());
}

TEST_CASE("the cluster backend's keys are checked when it is chosen", "[config]") {
  const std::string ok = R"(
[storage]
backend = "cluster"
[cluster]
etcd_endpoints = ["http://127.0.0.1:2379"]
s3_endpoint = "http://127.0.0.1:7480"
s3_bucket = "b"
)";
  CHECK(ParseConfig(ok).ok());
  CHECK_THAT(Refusal("[storage]\nbackend = \"rocks\""),
             Catch::Contains("'storage.backend'") && Catch::Contains("\"local\" or \"cluster\""));
  auto without = [&](const std::string& line) {
    std::string t = ok;
    t.erase(t.find(line), line.size());
    return Refusal(t);
  };
  CHECK_THAT(without("etcd_endpoints = [\"http://127.0.0.1:2379\"]"),
             Catch::Contains("'cluster.etcd_endpoints'") && Catch::Contains("must be set"));
  CHECK_THAT(without("s3_endpoint = \"http://127.0.0.1:7480\""),
             Catch::Contains("'cluster.s3_endpoint'"));
  CHECK_THAT(without("s3_bucket = \"b\""), Catch::Contains("'cluster.s3_bucket'"));
  CHECK_THAT(Refusal(ok + "lease_ttl_s = 1"), Catch::Contains("'cluster.lease_ttl_s'"));
  CHECK_THAT(Refusal(ok + "chunk_cache_mb = 2000000"), Catch::Contains("'cluster.chunk_cache_mb'"));
  std::string https = ok;
  https.replace(https.find("http://127.0.0.1:7480"), 4, "https");
  CHECK_THAT(Refusal(https), Catch::Contains("https is not supported yet"));
  CHECK_THAT(Refusal("[backup]\ndir = \"/b\"\n" + ok), Catch::Contains("'backup.dir'"));
  // The [cluster] keys are not checked on the local backend.
  CHECK(ParseConfig("[cluster]\nlease_ttl_s = 1").ok());
  CHECK(ParseConfig("[cluster]\ns3_endpoint = \"https://x:1\"").ok());
}

TEST_CASE("environment references", "[config]") {
  unsetenv("DT_TEST_NEVER_SET");
  CHECK_THAT(Refusal("data_dir = \"${DT_TEST_NEVER_SET}\""),
             Catch::Contains("'data_dir'") && Catch::Contains("DT_TEST_NEVER_SET is not set"));
  setenv("DT_TEST_DIR", "/srv", 1);
  auto c = ParseConfig("data_dir = \"${DT_TEST_DIR}/deltatunnel\"");
  REQUIRE(c.ok());
  CHECK(c->data_dir == "/srv/deltatunnel");
  CHECK_THAT(Refusal("data_dir = \"${DT_TEST_DIR\""), Catch::Contains("closing '}'"));
}

TEST_CASE("TOML syntax errors name the file", "[config]") {
  CHECK_THAT(Refusal("listen = "), Catch::Contains("test.toml") && Catch::Contains("TOML"));
  auto missing = LoadConfigFile("/nonexistent/deltatunnel.toml");
  REQUIRE_FALSE(missing.ok());
  CHECK_THAT(missing.status().message(), Catch::Contains("/nonexistent/deltatunnel.toml"));
}

TEST_CASE("HOST:PORT", "[config]") {
  auto v4 = ParseHostPort("127.0.0.1:0");
  REQUIRE(v4.ok());
  CHECK(v4->host == "127.0.0.1");
  CHECK(v4->port == 0);
  auto v6 = ParseHostPort("[::1]:8080");
  REQUIRE(v6.ok());
  CHECK(v6->host == "::1");
  CHECK(v6->port == 8080);
  CHECK_FALSE(ParseHostPort("::1:8080").ok());
  CHECK_FALSE(ParseHostPort(":8080").ok());
  CHECK_FALSE(ParseHostPort("host:").ok());
  CHECK_FALSE(ParseHostPort("host:80x").ok());
}
