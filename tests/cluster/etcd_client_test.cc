// The etcd client of the cluster backend (storage/src/store/cluster/etcd_client.h) against a real
// etcd member: keys and values as bytes, ranges by prefix across pages at one revision,
// transactions (a compare-and-swap counter raced by threads: every success counted once),
// leases, and an etcd that is not there or goes away (ServiceUnavailable, quickly).
#include <fmt/format.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <set>
#include <thread>

#include "etcd_process.h"
#include "process_spawn.h"
#include "store/cluster/etcd_client.h"

using namespace deltatunnel;
using namespace deltatunnel::storage::cluster;
using deltatunnel::testing::EtcdProcess;

namespace {

std::unique_ptr<EtcdClient> Connect(const std::vector<std::string>& endpoints,
                                    std::chrono::milliseconds timeout = std::chrono::seconds(2)) {
  EtcdOptions o;
  o.endpoints = endpoints;
  o.timeout = timeout;
  auto c = EtcdClient::Connect(o);
  INFO(c.status().ToString());
  REQUIRE(c.ok());
  return std::move(c).value();
}

template <typename T>
T Must(Result<T> r) {
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  return std::move(r).value();
}

}  // namespace

TEST_CASE("etcd client: keys and values are bytes", "[etcd]") {
  EtcdProcess etcd;
  auto c = Connect({etcd.endpoint()});
  const std::string key("T\0\x01\xff", 4);
  const std::string value("v\0\xfe\n", 4);
  CHECK_FALSE(Must(c->Get(key)).has_value());
  const int64_t rev = Must(c->Put(key, value));
  auto kv = Must(c->Get(key));
  REQUIRE(kv.has_value());
  CHECK(kv->key == key);
  CHECK(kv->value == value);
  CHECK(kv->mod_revision == rev);
  CHECK(kv->create_revision == rev);
  CHECK(kv->version == 1);
  Must(c->Put(key, ""));
  kv = Must(c->Get(key));
  REQUIRE(kv.has_value());
  CHECK(kv->value.empty());
  CHECK(kv->version == 2);
  CHECK(Must(c->Delete(key)) == 1);
  CHECK_FALSE(Must(c->Get(key)).has_value());
  CHECK(Must(c->Delete(key)) == 0);
}

TEST_CASE("etcd client: a prefix read in pages answers every key once, in order", "[etcd]") {
  EtcdProcess etcd;
  auto c = Connect({etcd.endpoint()});
  for (int i = 0; i < 2500; ++i) Must(c->Put(fmt::format("Ca{:05}", i), std::to_string(i)));
  Must(c->Put("Cb", "after"));
  Must(c->Put("C`", "before"));
  Must(c->Put(std::string("Ca\xff", 3), "last"));
  auto all = Must(c->RangePrefix("Ca", 1000));
  REQUIRE(all.size() == 2501);
  for (int i = 0; i < 2500; ++i) CHECK(all[static_cast<size_t>(i)].value == std::to_string(i));
  CHECK(all.back().value == "last");
  bool more = false;
  auto page = Must(c->Range("Ca", PrefixEnd("Ca"), 10, 0, &more));
  CHECK(page.size() == 10);
  CHECK(more);
  CHECK(Must(c->Delete("Ca", PrefixEnd("Ca"))) == 2501);
  CHECK(Must(c->RangePrefix("Ca")).empty());
  CHECK(Must(c->RangePrefix("C")).size() == 2);

  CHECK(PrefixEnd("a") == "b");
  CHECK(PrefixEnd(std::string("a\xff", 2)) == "b");
  CHECK(PrefixEnd(std::string("\xff\xff", 2)) == std::string(1, '\0'));
}

TEST_CASE("etcd client: a transaction applies whole when its compares hold, else its failure ops",
          "[etcd]") {
  EtcdProcess etcd;
  auto c = Connect({etcd.endpoint()});
  // Create only if missing: the first wins, the second takes the failure branch.
  auto first =
      Must(c->Txn({Compare::Missing("V1")}, {Op::Put("V1", "1"), Op::Put("C1", "commit 1")},
                  {Op::Put("lost", "1")}));
  CHECK(first.succeeded);
  auto second =
      Must(c->Txn({Compare::Missing("V1")}, {Op::Put("V1", "1")}, {Op::Put("lost", "2")}));
  CHECK_FALSE(second.succeeded);
  CHECK(Must(c->Get("lost"))->value == "2");
  CHECK(Must(c->Get("C1"))->value == "commit 1");

  // Compare-and-swap on the head's revision.
  const int64_t head = Must(c->Get("V1"))->mod_revision;
  CHECK(Must(c->Txn({Compare::ModRevision("V1", head)}, {Op::Put("V1", "2"), Op::Delete("C1")}))
            .succeeded);
  CHECK_FALSE(Must(c->Txn({Compare::ModRevision("V1", head)}, {Op::Put("V1", "3")})).succeeded);
  CHECK(Must(c->Get("V1"))->value == "2");
  CHECK_FALSE(Must(c->Get("C1")).has_value());
  CHECK(Must(c->Txn({Compare::ValueIs("V1", "2")}, {Op::Put("V1", "3")})).succeeded);
}

TEST_CASE("etcd client: writers racing a compare-and-swap counter each win exactly once a value",
          "[etcd]") {
  EtcdProcess etcd;
  auto c = Connect({etcd.endpoint()});
  Must(c->Put("counter", "0"));
  std::mutex mu;
  std::vector<int> won;
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&] {
      auto mine = Connect({etcd.endpoint()});
      int wins = 0;
      while (wins < 20) {
        auto kv = mine->Get("counter");
        if (!kv.ok() || !kv->has_value()) continue;
        const int n = std::stoi((*kv)->value);
        auto r = mine->Txn({Compare::ModRevision("counter", (*kv)->mod_revision)},
                           {Op::Put("counter", std::to_string(n + 1))});
        if (r.ok() && r->succeeded) {
          std::lock_guard<std::mutex> lock(mu);
          won.push_back(n + 1);
          ++wins;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  REQUIRE(won.size() == 60);
  CHECK(std::set<int>(won.begin(), won.end()).size() == 60);  // no value won twice
  CHECK(Must(c->Get("counter"))->value == "60");
}

TEST_CASE("etcd client: a key put with a lease goes with it", "[etcd]") {
  EtcdProcess etcd;
  auto c = Connect({etcd.endpoint()});
  Lease lease = Must(c->GrantLease(5));
  CHECK(lease.id != 0);
  CHECK(lease.ttl_seconds == 5);
  Must(c->Put("node/a", "127.0.0.1:1", lease.id));
  CHECK(Must(c->Get("node/a"))->lease == lease.id);
  CHECK(Must(c->KeepAlive(lease.id)).ttl_seconds > 0);
  REQUIRE(c->RevokeLease(lease.id).ok());
  CHECK_FALSE(Must(c->Get("node/a")).has_value());
  auto gone = c->KeepAlive(lease.id);
  REQUIRE_FALSE(gone.ok());
  CHECK(gone.status().code() == ErrorCode::kNoSuchObject);
}

TEST_CASE("etcd client: an etcd that is not there, or goes away, is ServiceUnavailable", "[etcd]") {
  const std::string nobody = fmt::format("127.0.0.1:{}", deltatunnel::testing::FreePort());
  EtcdOptions o;
  o.endpoints = {nobody};
  o.timeout = std::chrono::milliseconds(500);
  auto start = std::chrono::steady_clock::now();
  auto none = EtcdClient::Connect(o);
  REQUIRE_FALSE(none.ok());
  CHECK(none.status().code() == ErrorCode::kServiceUnavailable);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));

  o.endpoints = {};
  CHECK(EtcdClient::Connect(o).status().code() == ErrorCode::kInvalidArgument);
  o.endpoints = {"no-port"};
  CHECK(EtcdClient::Connect(o).status().code() == ErrorCode::kInvalidArgument);

  EtcdProcess etcd;
  // The first endpoint is down: the client moves on to the next.
  auto c = Connect({nobody, "http://" + etcd.endpoint() + "/"}, std::chrono::milliseconds(500));
  Must(c->Put("k", "v"));
  etcd.Stop();
  auto down = c->Get("k");
  REQUIRE_FALSE(down.ok());
  CHECK(down.status().code() == ErrorCode::kServiceUnavailable);
  etcd.Start();
  CHECK(Must(c->Get("k"))->value == "v");  // reconnects by itself

  // A member restarted between two calls: the kept-alive connection is dead. A read goes again
  // on a new connection; a write is not sent twice (its outcome is unknown), the next one works.
  etcd.Stop();
  etcd.Start();
  CHECK(Must(c->Get("k"))->value == "v");
  etcd.Stop();
  etcd.Start();
  auto unknown = c->Put("k", "w");
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.status().code() == ErrorCode::kServiceUnavailable);
  Must(c->Put("k", "w"));
  CHECK(Must(c->Get("k"))->value == "w");
}
