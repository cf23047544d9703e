// The S3 client (storage/src/store/cluster/s3_objects.h) against a real RADOS Gateway
// (rgw_service.h): the object store contract, listings across pages, credentials refused, a store
// that is not there, and the cluster store on etcd and S3 keeping the Store contract.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>

#include "etcd_process.h"
#include "object_store_contract.h"
#include "rgw_service.h"
#include "store/cluster/cluster_store.h"
#include "store/cluster/s3_objects.h"
#include "store_contract.h"

using namespace deltatunnel;
using namespace deltatunnel::storage::cluster;

namespace {

S3Options Options(std::string bucket) {
  const dt_test::S3Endpoint& s3 = dt_test::TestS3Endpoint();
  S3Options o;
  o.endpoint = s3.endpoint;
  o.region = s3.region;
  o.credentials = {s3.access_key, s3.secret_key};
  o.bucket = std::move(bucket);
  return o;
}

std::string NewBucket() {
  static int counter = 0;
  return "dt-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

std::unique_ptr<S3Objects> OpenBucket(S3Options o) {
  auto objects = S3Objects::Open(std::move(o));
  INFO(objects.status().ToString());
  REQUIRE(objects.ok());
  const Status created = (*objects)->CreateBucket();
  INFO(created.ToString());
  REQUIRE(created.ok());
  return std::move(objects).value();
}

}  // namespace

TEST_CASE("s3: the client keeps the object store contract", "[s3]") {
  auto objects = OpenBucket(Options(NewBucket()));
  dt_test::CheckObjectStoreContract(*objects);
}

TEST_CASE("s3: a listing longer than a page is read whole, in order", "[s3]") {
  S3Options o = Options(NewBucket());
  o.list_page = 3;
  auto objects = OpenBucket(o);
  std::vector<std::string> names;
  for (int i = 9; i >= 0; --i) {
    names.insert(names.begin(), "runs/" + std::to_string(i));
    REQUIRE(objects->Put(names.front(), "x").ok());
  }
  REQUIRE(objects->Put("other", "x").ok());
  auto listed = objects->List("runs/");
  REQUIRE(listed.ok());
  CHECK(*listed == names);
}

TEST_CASE("s3: names with characters to encode round-trip", "[s3]") {
  auto objects = OpenBucket(Options(NewBucket()));
  for (const std::string name : {"a b/c+d", "x/%41~y", "k=v&w"}) {
    INFO(name);
    REQUIRE(objects->Put(name, name).ok());
    auto back = objects->Read(name, 0, 100);
    REQUIRE(back.ok());
    CHECK(*back == name);
    auto listed = objects->List(name);
    REQUIRE(listed.ok());
    CHECK(*listed == std::vector<std::string>{name});
  }
}

TEST_CASE("s3: virtual-hosted addressing: the bucket in the host name", "[s3]") {
  S3Options o = Options(NewBucket());
  o.path_style = false;
  // The gateway of scripts/ceph-rgw.sh takes BUCKET.localhost as a bucket's host.
  const std::string port = o.endpoint.substr(o.endpoint.rfind(':'));
  o.endpoint = "http://localhost" + port;
  auto path_style = OpenBucket(Options(o.bucket));
  auto objects = S3Objects::Open(o);
  REQUIRE(objects.ok());
  REQUIRE((*objects)->Put("k/1", "virtual").ok());
  auto back = path_style->Read("k/1", 0, 100);  // the same bucket, the other addressing
  REQUIRE(back.ok());
  CHECK(*back == "virtual");
  auto listed = (*objects)->List("k/");
  REQUIRE(listed.ok());
  CHECK(*listed == std::vector<std::string>{"k/1"});
}

TEST_CASE("s3: a wrong secret is AccessDenied; a store not there is ServiceUnavailable", "[s3]") {
  const std::string bucket = NewBucket();
  OpenBucket(Options(bucket));
  S3Options wrong = Options(bucket);
  wrong.credentials.secret_key += "x";
  auto objects = S3Objects::Open(wrong);
  REQUIRE(objects.ok());
  const Status st = (*objects)->Put("k", "v");
  INFO(st.ToString());
  CHECK(st.code() == ErrorCode::kAccessDenied);

  S3Options nowhere = Options(bucket);
  nowhere.endpoint = "http://127.0.0.1:9";  // the discard port: nothing listens
  nowhere.timeout = std::chrono::milliseconds(1000);
  auto gone = S3Objects::Open(nowhere);
  REQUIRE(gone.ok());
  const auto started = std::chrono::steady_clock::now();
  const Status down = (*gone)->Put("k", "v");
  CHECK(down.code() == ErrorCode::kServiceUnavailable);
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(3));

  CHECK(S3Objects::Open(Options("")).status().code() == ErrorCode::kInvalidArgument);
  S3Options tls = Options(bucket);
  tls.endpoint = "https://127.0.0.1:443";
  CHECK(S3Objects::Open(tls).status().code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("s3: the cluster store on etcd and S3 keeps the Store contract", "[s3][cluster]") {
  deltatunnel::testing::EtcdProcess etcd;
  EtcdOptions eo;
  eo.endpoints = {etcd.endpoint()};
  auto client = EtcdClient::Connect(eo);
  REQUIRE(client.ok());
  ClusterStoreOptions o;
  o.etcd = std::move(client).value();
  o.objects = OpenBucket(Options(NewBucket()));
  o.max_txn_ops = deltatunnel::testing::EtcdProcess::kMaxTxnOps;
  auto store = ClusterStore::Open(std::move(o));
  REQUIRE(store.ok());
  dt_test::CheckStoreContract(**store, {});
}
