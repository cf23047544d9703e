// Retries through a fault-injecting proxy in front of the real server: 429 and 503 with
// Retry-After, reset connections, and a commit whose answer is lost.
#include <catch2/catch.hpp>

#include "client_fixture.h"
#include "deltatunnel/client/upsert_session.h"
#include "deltatunnel/client/upsert_writer.h"
#include "fault_proxy.h"

using namespace deltatunnel;
using namespace deltatunnel::client;
using deltatunnel::testing::ClientFixture;
using deltatunnel::testing::Fault;
using deltatunnel::testing::FaultProxy;
using deltatunnel::testing::KvTable;
using deltatunnel::testing::ParseNdjson;

namespace {

WriterOptions Fast() {
  WriterOptions o;
  o.commit_poll_initial = std::chrono::milliseconds(20);
  o.bucket_buffer_size = 2048;
  o.buffer_size = 16384;
  return o;
}

Status WriteIds(UpsertWriter& w, int from, int to) {
  for (int i = from; i < to; ++i) {
    DT_RETURN_IF_ERROR(w.Write("", {proto::Value(int64_t{i}), proto::Value("v" + std::to_string(i)),
                                    proto::Value(int64_t{i})}));
  }
  return Status::Ok();
}

size_t RowCount(Client& c) {
  auto d = c.ReadData("p", "t", {});
  REQUIRE(d.ok());
  return ParseNdjson(d->body).size();
}

}  // namespace

TEST_CASE("faults: throttling, unavailability and resets are retried", "[fault]") {
  ClientFixture f;
  REQUIRE(f.client->CreateTable("p", KvTable("t", false, 4)).ok());
  FaultProxy proxy("127.0.0.1", f.server.port());
  auto c = f.NewClient(proxy.port());

  proxy.Inject(Fault::kUnavailable503, 2, "POST /projects", 0);  // session create
  proxy.Inject(Fault::kThrottle429, 3, "PUT ", 1);               // bucket writes, Retry-After 1 s
  proxy.Inject(Fault::kReset, 2, "PUT ");                        // connection resets
  auto w = UpsertWriter::Open(*c, "p", "t", Fast());
  REQUIRE(w.ok());
  const auto start = std::chrono::steady_clock::now();
  REQUIRE(WriteIds(**w, 0, 2000).ok());
  REQUIRE((*w)->Checkpoint().ok());
  CHECK(proxy.faults_served() == 7);
  // Three answers said Retry-After: 1, and the client waited for them.
  CHECK(std::chrono::steady_clock::now() - start >= std::chrono::seconds(1));
  CHECK(RowCount(*f.client) == 2000);
}

TEST_CASE("faults: a commit whose answer was lost is retried safely", "[fault]") {
  ClientFixture f;
  REQUIRE(f.client->CreateTable("p", KvTable("t", false, 4)).ok());
  FaultProxy proxy("127.0.0.1", f.server.port());
  auto c = f.NewClient(proxy.port());
  auto w = UpsertWriter::Open(*c, "p", "t", Fast());
  REQUIRE(w.ok());
  REQUIRE(WriteIds(**w, 0, 500).ok());
  // The server commits, the answer never arrives; the retried POST finds it committed.
  proxy.Inject(Fault::kDropAnswer, 1, "POST /projects/p/tables/t/upserts?upsertid");
  REQUIRE((*w)->Checkpoint().ok());
  CHECK(proxy.faults_served() == 1);
  CHECK(RowCount(*f.client) == 500);
  auto versions = f.client->Versions("p", "t", 10);
  REQUIRE(versions.ok());
  CHECK((*versions)["versions"].size() == 1);  // applied once
}

TEST_CASE("faults: past the retries the error is the server's, or a connection error", "[fault]") {
  ClientFixture f;
  REQUIRE(f.client->CreateTable("p", KvTable("t", false, 4)).ok());
  FaultProxy proxy("127.0.0.1", f.server.port());
  auto c = f.NewClient(proxy.port(), 2);
  proxy.Inject(Fault::kUnavailable503, 3, "GET ");
  auto d = c->DescribeTable("p", "t");
  REQUIRE_FALSE(d.ok());
  CHECK(d.status().code() == ErrorCode::kServiceUnavailable);
  CHECK_THAT(d.status().message(), Catch::Contains("injected by the test proxy"));
  CHECK_FALSE(IsConnectionError(d.status()));

  proxy.Inject(Fault::kReset, 3, "GET ");
  auto r = c->DescribeTable("p", "t");
  REQUIRE_FALSE(r.ok());
  CHECK(IsConnectionError(r.status()));

  // A writer whose sends fail keeps the first error and answers it from then on.
  auto w = UpsertWriter::Open(*c, "p", "t", Fast());
  REQUIRE(w.ok());
  proxy.Inject(Fault::kReset, 1000, "PUT ");
  Status st = WriteIds(**w, 0, 2000);
  if (st.ok()) st = (*w)->Checkpoint();
  REQUIRE_FALSE(st.ok());
  CHECK(IsConnectionError(st));  // still one, wrapped with the bucket and partition
  CHECK_THAT(st.message(), Catch::Contains("writing bucket"));
  CHECK_FALSE((*w)->Checkpoint().ok());
  CHECK(RowCount(*f.client) == 0);
}
