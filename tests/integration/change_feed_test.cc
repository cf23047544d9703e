// Change feeds through HTTP (issue 26): the full form of changes, a follower that sees each commit
// as it is made, heartbeats, Server-Sent Events and their resume, 410 past retention, a dropped
// table, a follower that leaves or stops reading, and a clean end at shutdown.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "api_fixture.h"
#include "metrics_text.h"
#include "overload_support.h"
#include "server_process.h"

using namespace deltatunnel::testing;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

constexpr char kChanges[] = "/api/v1/projects/p/tables/t/changes";

// The complete NDJSON lines of a body, parsed.
std::vector<json> NdjsonLines(const std::string& body) {
  std::vector<json> out;
  size_t at = 0;
  for (size_t nl; (nl = body.find('\n', at)) != std::string::npos; at = nl + 1) {
    if (nl > at) out.push_back(json::parse(body.substr(at, nl - at)));
  }
  return out;
}

// An answer read as it arrives from a raw connection: its status, then its chunked body's bytes.
class StreamReader {
 public:
  explicit StreamReader(RawConnection& conn) : conn_(conn) {}

  // Reads until `done(body)` holds or `timeout_ms` passes; answers whether it held.
  template <typename Done>
  bool ReadUntil(const Done& done, int timeout_ms) {
    const auto end = Clock::now() + std::chrono::milliseconds(timeout_ms);
    while (!done(body_)) {
      if (Clock::now() >= end || ended_) return done(body_);
      raw_ += conn_.ReceiveSome(65536, 50);
      Parse();
    }
    return true;
  }
  const std::string& head() const { return head_; }
  const std::string& body() const { return body_; }
  bool ended() const { return ended_; }  // the last chunk came

  // The body's complete NDJSON lines, parsed.
  std::vector<json> Lines() const { return NdjsonLines(body_); }

 private:
  void Parse() {
    if (head_.empty()) {
      const size_t end = raw_.find("\r\n\r\n");
      if (end == std::string::npos) return;
      head_ = raw_.substr(0, end + 4);
      raw_.erase(0, end + 4);
    }
    for (;;) {
      const size_t line = raw_.find("\r\n");
      if (line == std::string::npos) return;
      const size_t size = std::stoul(raw_.substr(0, line), nullptr, 16);
      if (raw_.size() < line + 2 + size + 2) return;
      if (size == 0) {
        ended_ = true;
        return;
      }
      body_ += raw_.substr(line + 2, size);
      raw_.erase(0, line + 2 + size + 2);
    }
  }

  RawConnection& conn_;
  std::string raw_;
  std::string head_;
  std::string body_;
  bool ended_ = false;
};

std::string Get(const std::string& target, const std::string& headers = "") {
  return "GET " + target + " HTTP/1.1\r\nHost: x\r\n" + headers + "\r\n";
}

HttpResponse Load(HttpClient& c, const std::string& rows) {
  return c.Send("POST", "/api/v1/projects/p/tables/t/load", rows,
                {{"Content-Type", "application/x-ndjson"}});
}

double Metric(HttpClient& c, const std::string& name) {
  auto m = ParseMetricsText(c.Get("/metrics").body);
  auto it = m.find(name);
  return it == m.end() ? -1 : it->second;
}

size_t CountRecords(const std::vector<json>& lines) {
  size_t n = 0;
  for (const json& l : lines) n += l.contains("version") ? 1 : 0;
  return n;
}

}  // namespace

TEST_CASE("full changes through HTTP: records, before and a checkpoint", "[feed]") {
  ServerProcess server;
  auto c = server.Client();
  CreateTable(c, "p", KvTableJson("t", false));
  REQUIRE(Load(c, R"({"k": 1, "s": "a"})").status == 200);  // v1
  REQUIRE(Load(c, R"({"k": 1, "s": "b"})"
                  "\n"
                  R"({"k": 2, "s": "x"})")
              .status == 200);                                      // v2
  REQUIRE(Load(c, R"({"k": 1, "__op": "delete"})").status == 200);  // v3

  auto r = c.Get(std::string(kChanges) + "?from_version=0&form=full&include=before");
  INFO(r.body);
  REQUIRE(r.status == 200);
  CHECK(r.headers["content-type"] == "application/x-ndjson");
  CHECK(r.headers["x-deltatunnel-version"] == "3");
  const std::vector<json> lines = NdjsonLines(r.body);
  REQUIRE(lines.size() == 5);
  // Key 1's records in version order (keys in bucket order), then the checkpoint.
  std::vector<json> key1;
  for (const json& l : lines) {
    if (l.contains("row") && l["row"]["k"] == 1) key1.push_back(l);
  }
  REQUIRE(key1.size() == 3);
  CHECK(key1[0]["op"] == "insert");
  CHECK(key1[0]["version"] == 1);
  CHECK(key1[0]["before"].is_null());
  CHECK(key1[0]["committed_at"].is_string());
  CHECK(key1[1]["op"] == "update");
  CHECK(key1[1]["row"]["s"] == "b");
  CHECK(key1[1]["before"]["s"] == "a");
  CHECK(key1[2]["op"] == "delete");
  CHECK(key1[2]["row"] == json({{"k", 1}}));  // a delete: its key
  CHECK(key1[2]["before"]["s"] == "b");
  CHECK(lines.back() == json({{"checkpoint", 3}}));

  // Without include=before there is no before; a range; bad parameters say why.
  auto plain = c.Get(std::string(kChanges) + "?from_version=2&to_version=3&form=full");
  REQUIRE(plain.status == 200);
  CHECK(plain.body.find("before") == std::string::npos);
  CHECK(plain.body.find(R"("checkpoint":3)") != std::string::npos);
  CHECK(c.Get(std::string(kChanges) + "?from_version=0&form=full&format=csv").status == 400);
  CHECK(c.Get(std::string(kChanges) + "?from_version=0&include=after").status == 400);
  CHECK(c.Get(std::string(kChanges) + "?from_version=0&follow=maybe").status == 400);
  CHECK(c.Get(std::string(kChanges) + "?from_version=0&follow=true&to_version=2").status == 400);
  CHECK(c.Get(std::string(kChanges) + "?from_version=9&follow=true").status == 400);
  CHECK(c.Get(std::string(kChanges) + "?form=full").status == 400);
  // form=net alone is the net form.
  auto net = c.Get(std::string(kChanges) + "?from_version=0&form=net");
  CHECK(net.status == 200);
  CHECK(net.body.find("__op") != std::string::npos);
}

TEST_CASE("a follower receives each commit as it is made, and heartbeats between", "[feed]") {
  ServerProcess server;
  auto c = server.Client();
  CreateTable(c, "p", KvTableJson("t", false));
  REQUIRE(Load(c, R"({"k": 1, "s": "a"})").status == 200);  // v1, before the feed

  RawConnection conn(server.port());
  REQUIRE(conn.Send(Get(std::string(kChanges) + "?from_version=0&follow=true&heartbeat_s=1")));
  StreamReader feed(conn);
  // What was committed before comes first, then its checkpoint.
  REQUIRE(feed.ReadUntil(
      [](const std::string& b) { return b.find(R"({"checkpoint":1})") != b.npos; }, 5000));
  CHECK(feed.head().rfind("HTTP/1.1 200", 0) == 0);
  CHECK(feed.head().find("application/x-ndjson") != std::string::npos);

  // Each commit reaches the follower within milliseconds, not at the next heartbeat.
  for (int i = 2; i <= 6; ++i) {
    const auto start = Clock::now();
    REQUIRE(Load(c, fmt::format(R"({{"k": {}, "s": "v{}"}})", i % 3, i)).status == 200);
    const std::string checkpoint = fmt::format(R"({{"checkpoint":{}}})", i);
    REQUIRE(
        feed.ReadUntil([&](const std::string& b) { return b.find(checkpoint) != b.npos; }, 5000));
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    INFO("commit " << i << " seen after " << ms << " ms");
    CHECK(ms < 500);
  }
  std::vector<json> lines = feed.Lines();
  CHECK(CountRecords(lines) == 6);
  // Records of key 2 (v2, v5): an insert, then an update.
  std::vector<std::string> ops;
  for (const json& l : lines) {
    if (l.contains("row") && l["row"]["k"] == 2) ops.push_back(l["op"]);
  }
  CHECK(ops == std::vector<std::string>{"insert", "update"});

  // Idle: a heartbeat (the same checkpoint again) about every second.
  const size_t before = lines.size();
  REQUIRE(
      feed.ReadUntil([&](const std::string&) { return feed.Lines().size() >= before + 2; }, 4000));
  CHECK(feed.Lines().back() == json({{"checkpoint", 6}}));

  // The follower shows in /metrics; dropping the table ends the feed with an error record.
  CHECK(Metric(c, "deltatunnel_change_feeds") == 1);
  REQUIRE(c.Send("DELETE", "/api/v1/projects/p/tables/t", "").status == 204);
  REQUIRE(feed.ReadUntil([&](const std::string&) { return feed.ended(); }, 5000));
  CHECK(feed.Lines().back()["error"]["code"] == "NoSuchTable");
  CHECK(Metric(c, "deltatunnel_change_feeds") == 0);
}

TEST_CASE("a follower close behind gets a checkpoint after each version, one far behind in batches",
          "[feed]") {
  ServerProcess server;
  auto c = server.Client();
  CreateTable(c, "p", KvTableJson("t", false));
  // 40 versions: more than a follower used to take one by one (16), fewer than it now does (256).
  for (int v = 1; v <= 40; ++v) {
    REQUIRE(Load(c, fmt::format(R"({{"k": {}, "s": "v{}"}})", v, v)).status == 200);
  }
  RawConnection conn(server.port());
  REQUIRE(conn.Send(Get(std::string(kChanges) + "?from_version=0&follow=true")));
  StreamReader feed(conn);
  REQUIRE(feed.ReadUntil(
      [](const std::string& b) { return b.find(R"({"checkpoint":40})") != b.npos; }, 10000));
  // Each version's record, then its checkpoint: a consumer that stops anywhere resumes at the
  // version it last saw whole, and no version waits for the ones after it.
  std::vector<json> lines = feed.Lines();
  REQUIRE(lines.size() == 80);
  for (int v = 1; v <= 40; ++v) {
    INFO("version " << v);
    CHECK(lines[2 * (v - 1)]["version"] == v);
    CHECK(lines[2 * (v - 1) + 1] == json({{"checkpoint", v}}));
  }

  // The full form without follow is one batch: its records, then one checkpoint.
  const std::vector<json> full =
      NdjsonLines(c.Get(std::string(kChanges) + "?from_version=0&form=full").body);
  REQUIRE(full.size() == 41);
  CHECK(CountRecords(full) == 40);
  CHECK(full.back() == json({{"checkpoint", 40}}));
}

TEST_CASE("a feed as Server-Sent Events resumes from Last-Event-ID", "[feed]") {
  ServerProcess server;
  auto c = server.Client();
  CreateTable(c, "p", KvTableJson("t", false));
  REQUIRE(Load(c, R"({"k": 1, "s": "a"})").status == 200);
  REQUIRE(Load(c, R"({"k": 2, "s": "b"})").status == 200);

  RawConnection conn(server.port());
  REQUIRE(conn.Send(
      Get(std::string(kChanges) + "?from_version=0&follow=true", "Accept: text/event-stream\r\n")));
  StreamReader feed(conn);
  REQUIRE(feed.ReadUntil([](const std::string& b) { return b.find("id: 2\n") != b.npos; }, 5000));
  CHECK(feed.head().find("text/event-stream") != std::string::npos);
  CHECK(feed.body().find("event: change\ndata: {\"version\":1,") != std::string::npos);
  CHECK(feed.body().find("id: 2\nevent: checkpoint\ndata: {\"checkpoint\":2}\n\n") !=
        std::string::npos);

  // A reconnect with Last-Event-ID: 1 gets version 2 only, whatever from_version says.
  REQUIRE(Load(c, R"({"k": 3, "s": "c"})").status == 200);
  RawConnection again(server.port());
  REQUIRE(again.Send(Get(std::string(kChanges) + "?from_version=0&follow=true",
                         "Accept: text/event-stream\r\nLast-Event-ID: 1\r\n")));
  StreamReader resumed(again);
  REQUIRE(
      resumed.ReadUntil([](const std::string& b) { return b.find("id: 3\n") != b.npos; }, 5000));
  CHECK(resumed.body().find("\"version\":1,") == std::string::npos);
  CHECK(resumed.body().find("\"version\":2,") != std::string::npos);
  CHECK(resumed.body().find("\"version\":3,") != std::string::npos);
}

TEST_CASE("a feed from a version past retention is 410 at once", "[feed]") {
  ServerProcess server;
  auto c = server.Client();
  CreateTable(c, "p", KvTableJson("t", false, R"(, "acid.data.retain.hours": "0")"));
  REQUIRE(Load(c, R"({"k": 1, "s": "a"})").status == 200);
  REQUIRE(Load(c, R"({"k": 1, "s": "b"})").status == 200);
  auto r = c.Get(std::string(kChanges) + "?from_version=0&follow=true");
  CHECK(r.status == 410);
  CHECK(r.Json()["Code"] == "VersionExpired");
}

TEST_CASE("a follower that leaves or stops reading costs the server nothing lasting", "[feed]") {
  ServerProcess server;
  auto c = server.Client();
  CreateTable(c, "p", KvTableJson("t", false));
  {
    RawConnection gone(server.port());
    REQUIRE(gone.Send(Get(std::string(kChanges) + "?from_version=0&follow=true&heartbeat_s=300")));
    StreamReader feed(gone);
    REQUIRE(feed.ReadUntil([](const std::string& b) { return !b.empty(); }, 5000));
    CHECK(Metric(c, "deltatunnel_change_feeds") == 1);
  }
  // Gone long before its heartbeat: the server lets go of it at once.
  const auto start = Clock::now();
  while (Metric(c, "deltatunnel_change_feeds") != 0 &&
         Clock::now() - start < std::chrono::seconds(5)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(Metric(c, "deltatunnel_change_feeds") == 0);

  // A follower that reads nothing while 400 000 changes are committed: the server makes its next
  // piece only once the last was written, so what it sent (and holds) stops at what the
  // connection's buffers take, whatever the backlog.
  RawConnection stalled(server.port());
  REQUIRE(stalled.Send(Get(std::string(kChanges) + "?from_version=0&follow=true")));
  std::string rows;
  for (int round = 0; round < 20; ++round) {
    rows.clear();
    for (int i = 0; i < 20000; ++i) {
      rows += fmt::format(R"({{"k": {}, "s": "{:0>80}"}})", round * 20000 + i, i);
      rows += '\n';
    }
    REQUIRE(Load(c, rows).status == 200);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  const double sent = Metric(c, "deltatunnel_change_feed_records_total");
  INFO(sent << " records made while the follower read nothing");
  CHECK(sent > 0);
  CHECK(sent < 150000);
  // It then reads all of it, in order, exactly once.
  StreamReader feed(stalled);
  REQUIRE(feed.ReadUntil(
      [](const std::string& b) { return b.find(R"({"checkpoint":20})") != b.npos; }, 60000));
  CHECK(CountRecords(feed.Lines()) == 400000);
}

// Random writes while a follower reads; the server is killed (SIGKILL) in the middle. The follower
// keeps what came up to its last checkpoint and resumes from it: what it holds at the end is
// exactly the full form of the whole log, read in one piece, nothing missing or repeated.
TEST_CASE("a follower resumes from its checkpoint across a SIGKILL, missing and repeating nothing",
          "[feed]") {
  ServerProcess server;
  auto c = server.Client();
  CreateTable(c, "p", KvTableJson("t", false));
  std::mt19937 rng(7);
  auto write_some = [&](int commits) {
    for (int i = 0; i < commits; ++i) {
      std::string rows;
      for (int r = 0; r < 20; ++r) {
        const int k = static_cast<int>(rng() % 50);
        rows += rng() % 4 == 0 ? fmt::format(R"({{"k": {}, "__op": "delete"}})", k)
                               : fmt::format(R"({{"k": {}, "s": "{}"}})", k, rng() % 1000);
        rows += '\n';
      }
      REQUIRE(Load(c, rows).status == 200);
    }
  };
  std::vector<std::string> kept;  // the records up to the last checkpoint seen
  uint64_t checkpoint = 0;
  // What a feed gave: its records up to its last checkpoint are kept, the rest (a batch cut short)
  // dropped, as a consumer that acknowledges checkpoints does.
  auto take = [&](const StreamReader& feed) {
    std::vector<std::string> batch;
    for (const json& l : feed.Lines()) {
      if (l.contains("checkpoint")) {
        kept.insert(kept.end(), batch.begin(), batch.end());
        batch.clear();
        checkpoint = l["checkpoint"];
      } else if (l.contains("version")) {
        batch.push_back(l.dump());
      }
    }
  };
  auto open_feed = [&](RawConnection& conn) {
    REQUIRE(conn.Send(Get(std::string(kChanges) + "?from_version=" + std::to_string(checkpoint) +
                          "&follow=true")));
  };
  write_some(10);
  {
    RawConnection conn(server.port());
    open_feed(conn);
    StreamReader feed(conn);
    REQUIRE(feed.ReadUntil(
        [](const std::string& b) { return b.find(R"({"checkpoint":10})") != b.npos; }, 20000));
    write_some(10);  // while the feed is open
    REQUIRE(feed.ReadUntil(
        [](const std::string& b) { return b.find(R"({"checkpoint":15})") != b.npos; }, 20000));
    server.Kill();  // mid-stream
    feed.ReadUntil([](const std::string&) { return false; }, 300);
    take(feed);
  }
  REQUIRE(checkpoint >= 15);
  server.Start();
  c = server.Client();
  write_some(10);
  {
    RawConnection conn(server.port());
    open_feed(conn);
    StreamReader feed(conn);
    REQUIRE(feed.ReadUntil(
        [](const std::string& b) { return b.find(R"({"checkpoint":30})") != b.npos; }, 20000));
    take(feed);
  }
  REQUIRE(checkpoint == 30);

  auto whole = c.Get(std::string(kChanges) + "?from_version=0&form=full");
  REQUIRE(whole.status == 200);
  std::vector<std::string> expected;
  for (const json& l : NdjsonLines(whole.body)) {
    if (!l.contains("checkpoint")) expected.push_back(l.dump());
  }
  std::sort(expected.begin(), expected.end());
  std::sort(kept.begin(), kept.end());
  CHECK(kept.size() == expected.size());
  CHECK(kept == expected);
}

TEST_CASE("a feed ends cleanly when the server shuts down", "[feed]") {
  ServerProcess server;
  auto c = server.Client();
  CreateTable(c, "p", KvTableJson("t", false));
  RawConnection conn(server.port());
  REQUIRE(conn.Send(Get(std::string(kChanges) + "?from_version=0&follow=true")));
  StreamReader feed(conn);
  REQUIRE(feed.ReadUntil([](const std::string& b) { return !b.empty(); }, 5000));
  std::thread reader(
      [&] { feed.ReadUntil([&](const std::string&) { return feed.ended(); }, 10000); });
  const auto start = Clock::now();
  CHECK(server.Stop() == 0);
  reader.join();
  CHECK(feed.ended());  // its last chunk: a whole answer, which the client resumes after
  CHECK(Clock::now() - start < std::chrono::seconds(5));
}
