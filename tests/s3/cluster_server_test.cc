// The server on the cluster backend (storage.backend = "cluster"): etcd for records, a real
// RADOS Gateway for runs. Tables written, committed, compacted and read through the HTTP API
// survive a restart on an empty data directory (nothing of them is local) and a SIGKILL; a second
// node on the same prefix is refused while the first holds it; a misconfigured cluster (etcd
// unreachable, a bucket that does not exist, wrong credentials) stops the server at start with a
// message naming what is wrong.
#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <filesystem>
#include <random>
#include <thread>

#include "etcd_process.h"
#include "rgw_service.h"
#include "server_process.h"
#include "store/cluster/s3_objects.h"

using namespace deltatunnel;
using namespace deltatunnel::testing;
using deltatunnel::storage::cluster::S3Objects;
using deltatunnel::storage::cluster::S3Options;
using json = nlohmann::json;

namespace {

const std::string kBucket = "dt-cluster-server";

void CreateBucket(const dt_test::S3Endpoint& s3) {
  S3Options o;
  o.endpoint = s3.endpoint;
  o.bucket = kBucket;
  o.region = s3.region;
  o.credentials = {s3.access_key, s3.secret_key};
  auto store = S3Objects::Open(o);
  REQUIRE(store.ok());
  REQUIRE(store.value()->CreateBucket().ok());
}

std::string Prefix() {
  std::random_device rd;
  return fmt::format("server-test-{:08x}/", rd());
}

// The [storage] and [cluster] sections of a node's config.
std::string ClusterToml(const EtcdProcess& etcd, const dt_test::S3Endpoint& s3,
                        const std::string& prefix, const std::string& bucket = kBucket,
                        const std::string& secret = "") {
  return fmt::format(R"(
[storage]
backend = "cluster"
[cluster]
etcd_endpoints = ["http://{}"]
prefix = "{}"
lease_ttl_s = 2
s3_endpoint = "{}"
s3_bucket = "{}"
s3_region = "{}"
s3_access_key_id = "{}"
s3_secret_access_key = "{}"
)",
                     etcd.endpoint(), prefix, s3.endpoint, bucket, s3.region, s3.access_key,
                     secret.empty() ? s3.secret_key : secret);
}

ServerOptions NodeOptions(const std::string& toml) {
  ServerOptions o;
  o.config_toml = toml;
  return o;
}

const std::string kUpserts = "/projects/p/tables/t/upserts";

std::vector<json> ReadAll(HttpClient& c, const std::string& query = "") {
  auto r = c.Get("/api/v1/projects/p/tables/t/data" + query);
  INFO(r.body);
  REQUIRE(r.status == 200);
  return NdjsonRows(r.body);
}

// A Tunnel session writing rows [from, from + n) with value `v`, committed.
void Upsert(HttpClient& c, int from, int n, const std::string& v) {
  auto created = c.Send("POST", kUpserts + "?slotnum=2");
  INFO(created.body);
  REQUIRE(created.status == 200);
  const std::string id = created.Json()["id"];
  std::string body;
  for (int k = from; k < from + n; ++k) body += fmt::format("{{\"k\": {}, \"s\": \"{}\"}}\n", k, v);
  auto put =
      c.Send("PUT", kUpserts + "?upsertid=" + id, body, {{"Content-Type", "application/x-ndjson"}});
  INFO(put.body);
  REQUIRE(put.status == 200);
  for (const json& r : ReadAll(c)) CHECK(r["s"] != v);  // nothing of it before the commit
  auto commit = c.Send("POST", kUpserts + "?upsertid=" + id);
  INFO(commit.body);
  REQUIRE(commit.status == 200);
}

void CreateKvTable(HttpClient& c) {
  auto r = c.Send("POST", "/api/v1/projects/p/tables",
                  R"({"name": "t", "columns": [{"name": "k", "type": "BIGINT"},
                      {"name": "s", "type": "STRING"}], "primary_key": ["k"],
                      "properties": {"write.bucket.num": "4"}})");
  INFO(r.body);
  REQUIRE(r.status == 201);
}

// Starting a node that must not start: the message it exits with.
std::string StartFails(const std::string& toml) {
  ServerOptions o = NodeOptions(toml);
  o.ready_timeout = std::chrono::seconds(20);
  try {
    ServerProcess server(o);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  FAIL("the server started");
  return "";
}

}  // namespace

TEST_CASE("a node on etcd and object storage: write, commit, compact, read, restart, kill",
          "[s3][cluster]") {
  const dt_test::S3Endpoint& s3 = dt_test::TestS3Endpoint();
  CreateBucket(s3);
  EtcdProcess etcd;
  const std::string prefix = Prefix();
  ServerProcess node(NodeOptions(ClusterToml(etcd, s3, prefix)));
  auto c = node.Client();
  CreateKvTable(c);
  Upsert(c, 0, 50, "a");
  Upsert(c, 50, 50, "b");
  Upsert(c, 0, 10, "c");  // replaces 0..9
  REQUIRE(ReadAll(c).size() == 100);
  CHECK(ReadAll(c, "?version=2").size() == 100);
  CHECK(ReadAll(c, "?version=1").size() == 50);

  auto compact = c.Send("POST", "/api/v1/projects/p/tables/t/compact");
  INFO(compact.body);
  REQUIRE(compact.status == 202);
  for (int i = 0; i < 200; ++i) {
    auto list = c.Get("/api/v1/compactions").Json()["compactions"];
    if (!list.empty() && list[0]["state"] == "done") break;
    REQUIRE(list[0]["state"] != "failed");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(c.Get("/api/v1/compactions").Json()["compactions"][0]["state"] == "done");

  auto expected = ReadAll(c);
  REQUIRE(expected.size() == 100);
  int cs = 0;
  for (const json& r : expected) cs += r["s"] == "c";
  CHECK(cs == 10);

  SECTION("a second node on the prefix is refused while the first holds it") {
    const std::string why = StartFails(ClusterToml(etcd, s3, prefix));
    CHECK_THAT(why, Catch::Contains("is held by"));
    CHECK_THAT(why, Catch::Contains("deltatunnel node on"));
    // The first goes on.
    Upsert(c, 100, 1, "d");
  }
  SECTION("a restart on an empty data directory reads everything back from the cluster") {
    REQUIRE(node.Stop() == 0);
    std::filesystem::remove_all(node.data_dir());
    node.Start();
    auto c2 = node.Client();
    CHECK(ReadAll(c2) == expected);
    CHECK(ReadAll(c2, "?version=1").size() == 50);
    Upsert(c2, 100, 5, "e");
    CHECK(ReadAll(c2).size() == 105);
  }
  SECTION("after a SIGKILL the node comes back once its lease is over, nothing committed lost") {
    node.Kill();
    node.Start();  // waits out the dead incarnation's lease (2 s)
    auto c2 = node.Client();
    CHECK(ReadAll(c2) == expected);
  }
}

TEST_CASE("a misconfigured cluster stops the node at start, saying what is wrong",
          "[s3][cluster]") {
  const dt_test::S3Endpoint& s3 = dt_test::TestS3Endpoint();
  CreateBucket(s3);
  EtcdProcess etcd;
  SECTION("a bucket that does not exist") {
    const std::string why = StartFails(ClusterToml(etcd, s3, Prefix(), "no-such-bucket-dt"));
    CHECK_THAT(why, Catch::Contains("no-such-bucket-dt"));
    CHECK_THAT(why, Catch::Contains("NoSuchBucket"));
  }
  SECTION("wrong credentials") {
    const std::string why = StartFails(ClusterToml(etcd, s3, Prefix(), kBucket, "wrong-secret"));
    CHECK_THAT(why, Catch::Contains(kBucket));
    CHECK_THAT(why, Catch::Contains("SignatureDoesNotMatch"));
  }
  SECTION("etcd unreachable") {
    const std::string toml = ClusterToml(etcd, s3, Prefix());
    etcd.Stop();
    const std::string why = StartFails(toml);
    CHECK_THAT(why, Catch::Contains("cluster: etcd at"));
  }
}

TEST_CASE("a node stopped past its lease writes nothing once it runs again; its successor serves",
          "[s3][cluster]") {
  const dt_test::S3Endpoint& s3 = dt_test::TestS3Endpoint();
  CreateBucket(s3);
  EtcdProcess etcd;
  const std::string toml = ClusterToml(etcd, s3, Prefix());
  ServerProcess first(NodeOptions(toml));
  auto c1 = first.Client();
  CreateKvTable(c1);
  Upsert(c1, 0, 10, "a");

  REQUIRE(::kill(first.pid(), SIGSTOP) == 0);
  ServerProcess second(NodeOptions(toml));  // gets the prefix once the first's lease ended
  auto c2 = second.Client();
  CHECK(ReadAll(c2).size() == 10);
  Upsert(c2, 10, 10, "b");
  REQUIRE(::kill(first.pid(), SIGCONT) == 0);

  // The first runs again and believes nothing yet: its next write is refused by etcd.
  std::string body = "{\"k\": 99, \"s\": \"stale\"}\n";
  auto load = c1.Send("POST", "/api/v1/projects/p/tables/t/load", body,
                      {{"Content-Type", "application/x-ndjson"}});
  INFO(load.body);
  CHECK(load.status == 503);
  CHECK_FALSE(load.headers["retry-after"].empty());
  CHECK(c1.Get("/readyz").status == 503);
  auto rows = ReadAll(c2);
  CHECK(rows.size() == 20);
  for (const json& r : rows) CHECK(r["s"] != "stale");
  Upsert(c2, 20, 1, "c");
}

TEST_CASE("etcd away for a moment: writes answer 503 with Retry-After, then go on",
          "[s3][cluster]") {
  const dt_test::S3Endpoint& s3 = dt_test::TestS3Endpoint();
  CreateBucket(s3);
  EtcdProcess etcd;
  std::string toml = ClusterToml(etcd, s3, Prefix());
  toml.replace(toml.find("lease_ttl_s = 2"), 15, "lease_ttl_s = 30");
  ServerProcess node(NodeOptions(toml));
  auto c = node.Client();
  CreateKvTable(c);
  Upsert(c, 0, 10, "a");

  etcd.Stop();
  auto created = c.Send("POST", kUpserts + "?slotnum=1");
  CHECK(created.status == 503);
  CHECK_FALSE(created.headers["retry-after"].empty());
  CHECK(ReadAll(c).size() == 10);  // reads need only what the node has and the object store
  etcd.Start();
  Upsert(c, 10, 10, "b");
  CHECK(ReadAll(c).size() == 20);
}
