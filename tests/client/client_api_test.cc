// Every Client and UpsertSession call against the real server.
#include <signal.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "client_fixture.h"
#include "deltatunnel/client/upsert_session.h"
#include "deltatunnel/proto/bucket_hash.h"
#include "deltatunnel/proto/compression.h"
#include "deltatunnel/proto/record_stream.h"

using namespace deltatunnel;
using namespace deltatunnel::client;
using deltatunnel::testing::ClientFixture;
using deltatunnel::testing::KvTable;
using deltatunnel::testing::ParseNdjson;

namespace {

CommitOptions FastCommit() {
  CommitOptions o;
  o.poll_initial = std::chrono::milliseconds(20);
  o.timeout = std::chrono::milliseconds(30000);
  return o;
}

// Writes rows id -> "v<id>" (or deletes) through the session, one stream per bucket.
void WriteRows(UpsertSession& s, const std::vector<int64_t>& ids, proto::RowOp op,
               const std::string& encoding = "") {
  std::map<uint32_t, std::unique_ptr<proto::RecordStreamWriter>> streams;
  for (int64_t id : ids) {
    proto::Row row{
        proto::Value(id),
        op == proto::RowOp::kDelete ? proto::Value() : proto::Value("v" + std::to_string(id)),
        op == proto::RowOp::kDelete ? proto::Value() : proto::Value(id * 10)};
    const uint32_t b = proto::BucketOf(s.hasher(), s.schema(), row, s.bucket_count());
    auto& w = streams[b];
    if (!w) w = std::make_unique<proto::RecordStreamWriter>(s.schema());
    REQUIRE(w->Write(row, op).ok());
  }
  for (auto& [b, w] : streams) {
    const uint64_t n = w->records();
    std::string body = w->Finish();
    if (!encoding.empty()) body = *proto::Compress(encoding, body);
    Status st = s.WriteBucket(b, std::move(body), n, encoding);
    REQUIRE(st.ok());
  }
}

}  // namespace

TEST_CASE("table admin: create, describe, list, partitions, drop", "[client]") {
  ClientFixture f;
  auto& c = *f.client;
  auto created = c.CreateTable("shop", KvTable("orders", true, 4));
  REQUIRE(created.ok());
  CHECK((*created)["name"] == "orders");
  CHECK((*created)["version"] == 0);

  auto again = c.CreateTable("shop", KvTable("orders", true, 4));
  REQUIRE_FALSE(again.ok());
  CHECK(again.status().code() == ErrorCode::kTableAlreadyExists);

  auto d = c.DescribeTable("shop", "ORDERS");  // names are case-insensitive
  REQUIRE(d.ok());
  CHECK((*d)["properties"]["write.bucket.num"] == "4");
  auto schema = SchemaFromTableJson(*d);
  REQUIRE(schema.ok());
  CHECK(schema->columns.size() == 3);
  CHECK(schema->partition_columns.size() == 1);

  REQUIRE(c.CreateTable("shop", KvTable("items", false, 2)).ok());
  auto list = c.ListTables("shop");
  REQUIRE(list.ok());
  CHECK((*list)["tables"].size() == 2);
  auto none = c.ListTables("nosuch");
  REQUIRE_FALSE(none.ok());
  CHECK(none.status().code() == ErrorCode::kNoSuchProject);

  auto parts = c.ListPartitions("shop", "orders");
  REQUIRE(parts.ok());
  CHECK((*parts)["partitions"].empty());

  REQUIRE(c.DropTable("shop", "items").ok());
  auto gone = c.DescribeTable("shop", "items");
  REQUIRE_FALSE(gone.ok());
  CHECK(gone.status().code() == ErrorCode::kNoSuchTable);
  CHECK(c.DropTable("shop", "items").code() == ErrorCode::kNoSuchTable);
}

TEST_CASE("sessions: create, write buckets, commit, reload, abort", "[client]") {
  ClientFixture f;
  auto& c = *f.client;
  REQUIRE(c.CreateTable("p", KvTable("t", true, 4)).ok());

  auto s = UpsertSession::Create(c, "p", "t", {"ds=1", 2, 1});
  REQUIRE(s.ok());
  auto& session = **s;
  CHECK(session.status() == "normal");
  CHECK(session.bucket_count() == 4);
  CHECK(session.schema().columns.size() == 3);
  WriteRows(session, {1, 2, 3, 4, 5, 6, 7, 8}, proto::RowOp::kUpsert);
  WriteRows(session, {2, 4}, proto::RowOp::kDelete, "deflate");
  WriteRows(session, {9}, proto::RowOp::kUpsert, "x-snappy-framed");

  // Nothing is visible before the commit.
  auto before = c.ReadData("p", "t", {});
  REQUIRE(before.ok());
  CHECK(ParseNdjson(before->body).empty());

  // Reload by id: the same session, still writable.
  auto reloaded = UpsertSession::Reload(c, "p", "t", session.id(), "ds=1");
  REQUIRE(reloaded.ok());
  CHECK((*reloaded)->id() == session.id());
  CHECK((*reloaded)->status() == "normal");
  WriteRows(**reloaded, {10}, proto::RowOp::kUpsert, "zstd");

  auto sessions = c.ListSessions("p", "t");
  REQUIRE(sessions.ok());
  CHECK((*sessions)["sessions"].size() >= 1);

  REQUIRE(session.Commit(FastCommit()).ok());
  CHECK(session.status() == "committed");
  // A repeated commit answers the committed session: harmless.
  REQUIRE(session.Commit(FastCommit()).ok());

  auto data = c.ReadData("p", "t", {});
  REQUIRE(data.ok());
  CHECK(data->version == 1);
  auto rows = ParseNdjson(data->body);
  std::set<int64_t> ids;
  for (auto& r : rows) {
    ids.insert(r["id"].get<int64_t>());
    CHECK(r["ds"] == "1");
    CHECK(r["v"] == "v" + std::to_string(r["id"].get<int64_t>()));
  }
  CHECK(ids == std::set<int64_t>{1, 3, 5, 6, 7, 8, 9, 10});

  // A committed session refuses writes.
  proto::RecordStreamWriter w(session.schema());
  REQUIRE(
      w.Write({proto::Value(int64_t{11}), proto::Value("x"), proto::Value()}, proto::RowOp::kUpsert)
          .ok());
  Status late = session.WriteBucket(0, w.Finish(), 1);
  CHECK(late.code() == ErrorCode::kStatusConflict);

  // An aborted session leaves nothing behind.
  auto s2 = UpsertSession::Create(c, "p", "t", {"ds=2", 1, 1});
  REQUIRE(s2.ok());
  WriteRows(**s2, {100, 101}, proto::RowOp::kUpsert);
  REQUIRE((*s2)->Abort().ok());
  CHECK((*s2)->Commit(FastCommit()).code() == ErrorCode::kStatusConflict);
  ReadOptions ro;
  ro.partition = "ds=2";
  auto d2 = c.ReadData("p", "t", ro);
  REQUIRE(d2.ok());
  CHECK(ParseNdjson(d2->body).empty());

  // Bad arguments carry the server's code.
  auto bad = UpsertSession::Create(c, "p", "t", {"ds=1", 1, 99});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == ErrorCode::kInvalidArgument);
  auto missing = UpsertSession::Reload(c, "p", "t", "nosuchsession", "ds=1");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == ErrorCode::kUpsertSessionNotFound);
}

TEST_CASE("reads: data at versions, lookup, changes, versions; loads", "[client]") {
  ClientFixture f;
  auto& c = *f.client;
  REQUIRE(c.CreateTable("p", KvTable("t", false, 2)).ok());

  LoadOptions lo;
  lo.idempotency_key = "load-1";
  auto l1 = c.Load("p", "t",
                   R"({"id": 1, "v": "a", "n": 1})"
                   "\n"
                   R"({"id": 2, "v": "b"})"
                   "\n",
                   lo);
  REQUIRE(l1.ok());
  CHECK((*l1)["version"] == 1);
  CHECK((*l1)["rows"] == 2);
  CHECK((*l1)["duplicate"] == false);
  auto dup = c.Load("p", "t",
                    R"({"id": 1, "v": "a", "n": 1})"
                    "\n",
                    lo);
  REQUIRE(dup.ok());
  CHECK((*dup)["duplicate"] == true);

  lo.idempotency_key = "load-2";
  lo.content_type = "text/csv";
  auto l2 = c.Load("p", "t", "id,v,__op\n2,,delete\n3,c,upsert\n", lo);
  REQUIRE(l2.ok());
  CHECK((*l2)["version"] == 2);

  lo.idempotency_key = "load-3";
  lo.content_type = "application/x-ndjson";
  auto bad = c.Load("p", "t",
                    R"({"id": 4})"
                    "\n"
                    R"({"id": "x"})"
                    "\n",
                    lo);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == ErrorCode::kInvalidArgument);
  CHECK_THAT(bad.status().message(), Catch::Contains("\"line\":2"));

  ReadOptions at1;
  at1.version = 1;
  at1.format = "csv";
  auto v1 = c.ReadData("p", "t", at1);
  REQUIRE(v1.ok());
  CHECK(v1->version == 1);
  CHECK_THAT(v1->body, Catch::Contains("2,b"));

  auto latest = c.ReadData("p", "t", {});
  REQUIRE(latest.ok());
  CHECK(ParseNdjson(latest->body).size() == 2);

  auto found = c.Lookup("p", "t", {{"keys", {{{"id", 1}}, {{"id", 2}}, {{"id", 3}}}}});
  REQUIRE(found.ok());
  CHECK((*found)["version"] == 2);
  CHECK((*found)["rows"].size() == 2);

  auto changes = c.Changes("p", "t", 1, 2, "");
  REQUIRE(changes.ok());
  auto ch = ParseNdjson(changes->body);
  REQUIRE(ch.size() == 2);
  std::map<int64_t, std::string> ops;
  for (auto& r : ch) ops[r["id"].get<int64_t>()] = r["__op"].get<std::string>();
  CHECK(ops == std::map<int64_t, std::string>{{2, "delete"}, {3, "upsert"}});

  auto versions = c.Versions("p", "t", 10);
  REQUIRE(versions.ok());
  REQUIRE((*versions)["versions"].size() == 2);
  CHECK((*versions)["versions"][0]["version"] == 2);

  auto past = c.Changes("p", "t", 0, 5, "");
  REQUIRE_FALSE(past.ok());
  CHECK(past.status().code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("compaction: trigger and list", "[client]") {
  ClientFixture f;
  auto& c = *f.client;
  REQUIRE(c.CreateTable("p", KvTable("t", false, 2)).ok());
  LoadOptions lo;
  lo.idempotency_key = "k";
  REQUIRE(c.Load("p", "t", "{\"id\": 1}\n", lo).ok());
  auto started = c.Compact("p", "t", "");
  REQUIRE(started.ok());
  CHECK((*started).contains("id"));
  CHECK((*started)["partition"].is_null());
  auto again = c.Compact("p", "t", "");
  REQUIRE(again.ok());
  auto missing = c.Compact("p", "nope", "");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == ErrorCode::kNoSuchTable);
  auto list = c.ListCompactions();
  REQUIRE(list.ok());
  bool seen = false;
  for (auto& x : (*list)["compactions"]) seen |= x["id"] == (*started)["id"];
  CHECK(seen);
}

namespace {

// A FollowChanges on a thread of its own, its lines kept.
struct Follower {
  Follower(Client& c, FollowOptions o) {
    o.stop = [this] { return stop.load(); };
    thread = std::thread([this, &c, o] {
      Status s = c.FollowChanges("p", "t", o, [this](const FeedLine& l) {
        std::lock_guard lock(mu);
        lines.emplace_back(l.json);
        if (l.checkpoint) checkpoints.push_back(*l.checkpoint);
        changed.notify_all();
        return true;
      });
      std::lock_guard lock(mu);
      result = s;
      ended = true;
      changed.notify_all();
    });
  }
  ~Follower() {
    stop = true;
    thread.join();
  }
  // Waits up to 10 s for `done()`, called under the lock.
  bool WaitFor(const std::function<bool()>& done) {
    std::unique_lock lock(mu);
    return changed.wait_for(lock, std::chrono::seconds(10), done);
  }
  bool Saw(int64_t checkpoint) {
    return WaitFor([&] {
      return std::find(checkpoints.begin(), checkpoints.end(), checkpoint) != checkpoints.end();
    });
  }

  std::mutex mu;
  std::condition_variable changed;
  std::vector<std::string> lines;
  std::vector<int64_t> checkpoints;
  Status result;
  bool ended = false;
  std::atomic<bool> stop{false};
  std::thread thread;
};

}  // namespace

TEST_CASE(
    "FollowChanges: each commit as it comes, heartbeats, stop, a silent server, the error "
    "record",
    "[client]") {
  ClientFixture f;
  auto& c = *f.client;
  REQUIRE(c.CreateTable("p", KvTable("t", false, 2)).ok());
  REQUIRE(c.Load("p", "t", "{\"id\": 1, \"v\": \"a\"}\n", {}).ok());

  // The handler ends it: at the first checkpoint, at once.
  FollowOptions o;
  o.heartbeat_s = 1;
  int seen = 0;
  CHECK(c.FollowChanges("p", "t", o, [&](const FeedLine& l) {
           ++seen;
           return !l.checkpoint;
         }).ok());
  CHECK(seen == 2);  // version 1's record and checkpoint

  {
    Follower follower(c, o);
    REQUIRE(follower.Saw(1));
    REQUIRE(c.Load("p", "t", "{\"id\": 1, \"v\": \"b\"}\n", {}).ok());
    REQUIRE(follower.Saw(2));
    // Idle: the last checkpoint again, every second.
    REQUIRE(follower.WaitFor([&] { return follower.checkpoints.size() >= 3; }));
    {
      std::lock_guard lock(follower.mu);
      CHECK(follower.checkpoints.back() == 2);
      REQUIRE(follower.lines.size() >= 4);
      auto update = nlohmann::json::parse(follower.lines[2]);
      CHECK(update["op"] == "update");
      CHECK(update["row"]["v"] == "b");
    }
    // Stopped while it waits: within a fraction of a second, Ok.
    const auto start = std::chrono::steady_clock::now();
    follower.stop = true;
    REQUIRE(follower.WaitFor([&] { return follower.ended; }));
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
    CHECK(follower.result.ok());
  }

  {  // A server that stops answering (SIGSTOP) is noticed after the idle timeout.
    o.idle_timeout = std::chrono::milliseconds(1500);
    Follower follower(c, o);
    REQUIRE(follower.Saw(2));
    REQUIRE(kill(f.server.pid(), SIGSTOP) == 0);
    const bool ended = follower.WaitFor([&] { return follower.ended; });
    kill(f.server.pid(), SIGCONT);
    REQUIRE(ended);
    CHECK(IsConnectionError(follower.result));
    o.idle_timeout.reset();
  }

  {  // The table dropped: the feed's error record is the Status.
    Follower follower(c, o);
    REQUIRE(follower.Saw(2));
    REQUIRE(c.DropTable("p", "t").ok());
    REQUIRE(follower.WaitFor([&] { return follower.ended; }));
    CHECK(follower.result.code() == ErrorCode::kNoSuchTable);
    std::lock_guard lock(follower.mu);
    for (const auto& l : follower.lines) CHECK(l.find("error") == std::string::npos);
  }
  FollowOptions none;
  Status gone = c.FollowChanges("p", "t", none, [](const FeedLine&) { return true; });
  INFO(gone.ToString());
  CHECK(gone.code() == ErrorCode::kNoSuchTable);
}

TEST_CASE("rejects: list, get, rows, replay, purge", "[client]") {
  ClientFixture f;
  auto& c = *f.client;
  REQUIRE(c.CreateTable("p", KvTable("t", false, 2)).ok());
  LoadOptions lo;
  lo.content_type = "text/csv";
  lo.max_bad_rows = 2;
  auto loaded = c.Load("p", "t", "id,v,n\n1,a,1\nx,b,2\n3,c,y\n", lo);
  REQUIRE(loaded.ok());
  CHECK((*loaded)["rows"] == 1);
  CHECK((*loaded)["rejects"] == nlohmann::json({{"id", 1}, {"rows", 2}}));

  auto listed = c.ListRejects("p", "t");
  REQUIRE(listed.ok());
  REQUIRE((*listed)["rejects"].size() == 1);
  CHECK((*listed)["rejects"][0]["format"] == "csv");
  CHECK((*listed)["rows"] == 2);
  auto set = c.GetRejects("p", "t", 1);
  REQUIRE(set.ok());
  REQUIRE((*set)["rejected"].size() == 2);
  CHECK((*set)["rejected"][0]["line"] == 3);
  CHECK((*set)["rejected"][1]["column"] == "n");
  CHECK(c.GetRejects("p", "t", 7).status().code() == ErrorCode::kNoSuchObject);

  auto rows = c.RejectRows("p", "t", 1);
  REQUIRE(rows.ok());
  CHECK_THAT(rows->content_type, Catch::StartsWith("text/csv"));
  CHECK(rows->body == "id,v,n\nx,b,2\n3,c,y\n");

  // The fixed rows as NDJSON (any format), one still bad: skipped into a new set.
  ReplayOptions ro;
  ro.max_bad_rows = 1;
  auto replayed = c.ReplayRejects(
      "p", "t", 1, "{\"id\": 2, \"v\": \"b\", \"n\": 2}\n{\"id\": 3, \"n\": \"y\"}\n",
      "application/x-ndjson", ro);
  REQUIRE(replayed.ok());
  CHECK((*replayed)["replayed"] == 1);
  CHECK((*replayed)["rows"] == 1);
  CHECK((*replayed)["rejects"] == nlohmann::json({{"id", 2}, {"rows", 1}}));
  auto again = c.ReplayRejects("p", "t", 1, "", "");
  CHECK(again.status().code() == ErrorCode::kStatusConflict);
  CHECK(c.RejectRows("p", "t", 1).status().code() == ErrorCode::kStatusConflict);
  auto looked = c.Lookup("p", "t", {{"keys", {{{"id", 2}}}}});
  REQUIRE(looked.ok());
  CHECK((*looked)["rows"].size() == 1);

  auto one = c.PurgeRejects("p", "t", 2);
  REQUIRE(one.ok());
  CHECK(*one == nlohmann::json({{"purged", {2}}}));
  auto all = c.PurgeRejects("p", "t");
  REQUIRE(all.ok());
  CHECK((*all)["purged"] == nlohmann::json::array({1}));
  CHECK((*c.ListRejects("p", "t"))["rejects"].empty());
}
