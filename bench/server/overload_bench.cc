// deltatunnel-bench-overload: issue 24's figures and its soak, against the real server binary.
//
// Figures (the default mode), in one run:
//   1. One server with [limits] memory_budget_bytes = --budget (2 GiB), every other setting at
//      its default, projects "victim" and "attacker". The victim's ingest: --connections
//      connections PUT ~1 MiB record streams (16 buckets, ~100-byte rows) into upsert sessions of
//      their own, each committing its session every 2 s; rows committed per second. Phases:
//      (a) the victim alone for --seconds;
//      (b) the same while the attacker runs every attack at once: amplifying bodies (a zstd record
//          stream of identical records decompressing past the limit, a deflate body of zeros, a
//          stream of far more records than its record_count), slow senders (6 connections
//          declaring a 200 MiB body and sending a byte every 2 s), lookups of max_lookup_keys keys
//          (and of one key more) against a 2 M-row table, and 16 connections of small requests;
//      (c) the victim alone again (recovery);
//      then the victim under each attack alone, to tell which one costs it most. Printed: rows/s
//      of each phase and (b)/(a) (target >= 0.8), the server's peak RSS (VmHWM) against the
//      budget (target: under it), the attacker's answers by code (expected: 413, 400, 503, 429,
//      closed connections; never 500).
//   2. The cost of the checks: the victim's ingest alone on servers with the [limits] defaults
//      (D) and with every limit relaxed to its maximum or off (R), a fresh server each, in the
//      order D R R D D R R D; mean D / mean R, target >= 0.95.
//
// Soak (--soak-minutes M): one server (the same budget); for M minutes, from several client
// threads, Tunnel ingest (2 connections of 1 MB/s, a commit every 5 s), an NDJSON load a second,
// reads of /data with change reads and lookups, a compaction of each table every 30 s and their
// listing, all well-behaved (a 429 or 503 is sent again after its Retry-After), beside a hostile
// project (one connection of amplifying bodies and one of lookups, each pausing 2 s between
// requests, 3 slow senders, a transfer coding other than chunked every 5 s). The server's RSS is
// sampled every 2 s. Fails when RSS grows after warm-up past a margin (JudgeRss), or a
// well-behaved request gets another error.
//
// Exit 1 (either mode): the server crashed or did not exit 0 on SIGTERM, an answer was 500, a
// well-behaved request failed; in the soak also RSS growth. A figure missing its target is printed
// as MISSED and the exit is still 0: the figures are the result.
//
// Usage: deltatunnel-bench-overload [--seconds N] [--connections C] [--server PATH]
//                                   [--budget BYTES] [--no-breakdown] [--no-checks]
//                                   [--soak-minutes M]
#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "../../tests/integration/overload_support.h"
#include "../common/bench_rows.h"
#include "deltatunnel/proto/compression.h"
#include "deltatunnel/proto/record_stream.h"
#include "server_process.h"

namespace dt = deltatunnel;
namespace proto = deltatunnel::proto;
using dt::testing::HttpClient;
using dt::testing::HttpHeaders;
using dt::testing::HttpResponse;
using dt::testing::ServerOptions;
using dt::testing::ServerProcess;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kBuckets = 16;
constexpr size_t kPutBytes = 1 << 20;
constexpr uint64_t kMiB = 1 << 20;
// The server's defaults the attacks are sized against (conf/deltatunnel.toml).
constexpr uint64_t kBodyLimit = 256 * kMiB;
constexpr uint64_t kDecompressRatio = 4;
constexpr size_t kMaxLookupKeys = 100'000;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

double MiB(uint64_t bytes) { return static_cast<double>(bytes) / kMiB; }

// Set when the server died or the run must end: every loop checks it.
std::atomic<bool> g_abort{false};

// Sleeps up to `seconds`, waking early when `stop` (or g_abort) is set.
void Nap(double seconds, const std::atomic<bool>& stop) {
  const auto end = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                      std::chrono::duration<double>(std::max(0.0, seconds)));
  while (Clock::now() < end && !stop && !g_abort) {
    const Clock::duration left = end - Clock::now();
    std::this_thread::sleep_for(std::min<Clock::duration>(std::chrono::milliseconds(50), left));
  }
}

std::string TableJson(const std::string& name, const std::string& extra_properties = "") {
  return fmt::format(
      R"({{"name": "{}", "columns": [{{"name": "k", "type": "BIGINT"}}, {{"name": "a", "type": "BIGINT"}},
          {{"name": "b", "type": "DOUBLE"}}, {{"name": "s", "type": "STRING"}}], "primary_key": ["k"],
          "properties": {{"write.bucket.num": "{}"{}}}}})",
      name, kBuckets, extra_properties);
}

// ---------------------------------------------------------------------------------------------
// Counting answers.

// Answers by kind of request and code ("200", "413", "closed" for a connection closed or reset
// without an answer); thread-safe.
class Tally {
 public:
  void Add(const std::string& kind, const std::string& code) {
    std::lock_guard<std::mutex> lock(mu_);
    ++counts_[kind][code];
  }
  void Add(const std::string& kind, int status) { Add(kind, std::to_string(status)); }
  uint64_t Count(const std::string& code) const {
    std::lock_guard<std::mutex> lock(mu_);
    uint64_t n = 0;
    for (const auto& [kind, codes] : counts_) {
      if (auto it = codes.find(code); it != codes.end()) n += it->second;
    }
    return n;
  }
  void Merge(const Tally& other) {
    std::scoped_lock lock(mu_, other.mu_);
    for (const auto& [kind, codes] : other.counts_) {
      for (const auto& [code, n] : codes) counts_[kind][code] += n;
    }
  }
  void Print(const char* indent) const {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [kind, codes] : counts_) {
      std::string line;
      for (const auto& [code, n] : codes)
        line += fmt::format("{}{} x{}", line.empty() ? "" : ", ", code, n);
      fmt::print("{}{:<26} {}\n", indent, kind, line);
    }
  }
  bool empty() const {
    std::lock_guard<std::mutex> lock(mu_);
    return counts_.empty();
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::map<std::string, uint64_t>> counts_;
};

// What went wrong for well-behaved clients: counted, the first few kept to print.
class Errors {
 public:
  void Add(const std::string& what) {
    std::lock_guard<std::mutex> lock(mu_);
    ++count_;
    if (first_.size() < 10)
      first_.push_back(what.size() > 400 ? what.substr(0, 400) + "..." : what);
  }
  uint64_t count() const {
    std::lock_guard<std::mutex> lock(mu_);
    return count_;
  }
  void Print() const {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& e : first_) fmt::print("  error: {}\n", e);
  }

 private:
  mutable std::mutex mu_;
  uint64_t count_ = 0;
  std::vector<std::string> first_;
};

// 429 and 503 answers a well-behaved client waited out.
struct Backpressure {
  std::atomic<uint64_t> refused_429{0};
  std::atomic<uint64_t> refused_503{0};
  std::atomic<double> waited_s{0};
};

// A well-behaved request: a 429 or 503 with Retry-After is sent again after that many seconds
// (for up to two minutes); any other answer is returned. Throws what the client throws.
HttpResponse Polite(HttpClient& c, const std::string& method, const std::string& target,
                    const std::string& body, const HttpHeaders& headers, Backpressure& bp) {
  const auto since = Clock::now();
  for (;;) {
    HttpResponse r = c.Send(method, target, body, headers);
    if (r.status != 429 && r.status != 503) return r;
    const std::string retry_after = r.Header("retry-after");
    if (retry_after.empty() || Seconds(since) > 120 || g_abort) return r;
    (r.status == 429 ? bp.refused_429 : bp.refused_503)++;
    const double wait = std::max(0.1, std::atof(retry_after.c_str()));
    bp.waited_s.fetch_add(wait);
    std::atomic<bool> never{false};
    Nap(wait, never);
  }
}

std::string Describe(const std::string& what, const HttpResponse& r) {
  return fmt::format("{}: {} {}", what, r.status, r.body.substr(0, 300));
}

// ---------------------------------------------------------------------------------------------
// The server's process, watched: alive, its RSS sampled.

bool ProcessAlive(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t paren = stat.rfind(')');
  if (paren == std::string::npos || paren + 2 >= stat.size()) return false;
  return stat[paren + 2] != 'Z' && stat[paren + 2] != 'X';
}

uint64_t StatusBytes(pid_t pid, const char* field) {
  try {
    return dt::testing::ProcStatusBytes(pid, field);
  } catch (const std::exception&) {
    return 0;  // gone, or a zombie without memory
  }
}

struct RssSample {
  double at_s;
  uint64_t rss;
};

// Checks every 250 ms that the server lives (g_abort when it died), keeps the largest VmRSS seen
// since the last TakeMax, and every `sample_s` records a VmRSS sample.
class Watch {
 public:
  Watch(pid_t pid, double sample_s) : pid_(pid), sample_s_(sample_s) {
    thread_ = std::thread([this] { Run(); });
  }
  ~Watch() { Stop(); }
  // Ends the watch: before the server is stopped on purpose.
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  bool died() const { return died_; }
  uint64_t TakeMax() { return max_.exchange(0); }
  // Drops the samples so far; the next ones count their time from now.
  void RestartSamples() {
    std::lock_guard<std::mutex> lock(mu_);
    samples_.clear();
    origin_ = Clock::now();
    next_sample_ = 0;
  }
  std::vector<RssSample> samples() const {
    std::lock_guard<std::mutex> lock(mu_);
    return samples_;
  }

 private:
  void Run() {
    while (!stop_) {
      if (!ProcessAlive(pid_)) {
        died_ = true;
        g_abort = true;
        return;
      }
      const uint64_t rss = StatusBytes(pid_, "VmRSS");
      uint64_t seen = max_.load();
      while (rss > seen && !max_.compare_exchange_weak(seen, rss)) {
      }
      {
        std::lock_guard<std::mutex> lock(mu_);
        const double now = Seconds(origin_);
        if (now >= next_sample_) {
          samples_.push_back({now, rss});
          next_sample_ = now + sample_s_;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
  }

  const pid_t pid_;
  const double sample_s_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> died_{false};
  std::atomic<uint64_t> max_{0};
  mutable std::mutex mu_;
  std::vector<RssSample> samples_;
  Clock::time_point origin_ = Clock::now();
  double next_sample_ = 0;
  std::thread thread_;
};

// ---------------------------------------------------------------------------------------------
// Bodies, built before any clock starts (the clients' work).

struct Streams {
  std::vector<std::string> bodies;
  std::vector<uint64_t> rows;
};

// The rows in record streams of about kPutBytes each.
Streams BuildStreams(const std::vector<proto::Row>& rows) {
  const auto schema = dt::bench::BenchSchema();
  proto::RecordStreamWriter writer(schema);
  Streams out;
  auto finish = [&] {
    out.rows.push_back(writer.records());
    out.bodies.push_back(writer.Finish());
  };
  for (const auto& row : rows) {
    if (!writer.Write(row, proto::RowOp::kUpsert).ok()) {
      fmt::print(stderr, "encoding a row failed\n");
      std::exit(1);
    }
    if (writer.bytes() >= kPutBytes) finish();
  }
  if (writer.records() > 0) finish();
  return out;
}

// A record stream of identical records, at least `min_bytes` long; `records` gets their count.
std::string IdenticalRecords(uint64_t min_bytes, uint64_t* records) {
  const auto schema = dt::bench::BenchSchema();
  proto::RecordStreamWriter writer(schema);
  proto::Row row = {proto::Value(int64_t{1}), proto::Value(int64_t{1}), proto::Value(1.0),
                    proto::Value(std::string("x"))};
  if (!writer.Write(row, proto::RowOp::kUpsert).ok()) std::exit(1);
  while (writer.bytes() < min_bytes) writer.WriteNormalized(row, proto::RowOp::kUpsert);
  *records = writer.records();
  return writer.Finish();
}

std::string Compressed(const char* encoding, const std::string& data) {
  auto out = proto::Compress(encoding, data);
  if (!out.ok()) {
    fmt::print(stderr, "compress {}: {}\n", encoding, out.status().ToString());
    std::exit(1);
  }
  return *out;
}

std::string LookupBody(const std::vector<int64_t>& keys, size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string body = R"({"keys": [)";
  body.reserve(n * 32);
  for (size_t i = 0; i < n; ++i) {
    // Every other key exists; the rest most likely do not.
    const int64_t k =
        i % 2 == 0 && !keys.empty() ? keys[rng() % keys.size()] : static_cast<int64_t>(rng());
    body += fmt::format("{}{{\"k\": {}}}", i ? "," : "", k);
  }
  return body + "]}";
}

std::string NdjsonOf(const proto::Row& row) {
  return fmt::format("{{\"k\":{},\"a\":{},\"b\":{},\"s\":\"{}\"}}\n", row[0].as_int(),
                     row[1].as_int(), row[2].as_double(), row[3].as_string());
}

// The hostile bodies, sized against the server's decompression limit: body_limit_bytes x
// decompress_ratio, and at most half of the memory budget (tunnel_surface.cc).
struct HostileBodies {
  std::string zstd_bomb;  // identical records, 1/8 past the limit once decompressed
  uint64_t zstd_bomb_records = 0;
  uint64_t zstd_bomb_bytes = 0;
  std::string deflate_bomb;  // zeros, 1/8 past the limit
  uint64_t deflate_bomb_bytes = 0;
  std::string record_lie;  // 20 MiB of identical records, sent with record_count=1000
  std::string lookup_at_limit;
  std::string lookup_over_limit;
  std::string lookup_small;
};

HostileBodies BuildHostile(uint64_t budget, const std::vector<int64_t>& keys) {
  HostileBodies h;
  const uint64_t limit = std::min(kBodyLimit * kDecompressRatio, budget / 2);
  {
    std::string stream = IdenticalRecords(limit + limit / 8, &h.zstd_bomb_records);
    h.zstd_bomb_bytes = stream.size();
    h.zstd_bomb = Compressed("zstd", stream);
  }
  {
    std::string zeros(limit + limit / 8, '\0');
    h.deflate_bomb_bytes = zeros.size();
    h.deflate_bomb = Compressed("deflate", zeros);
  }
  uint64_t n = 0;
  h.record_lie = Compressed("zstd", IdenticalRecords(20 * kMiB, &n));
  h.lookup_at_limit = LookupBody(keys, kMaxLookupKeys, 1);
  h.lookup_over_limit = LookupBody(keys, kMaxLookupKeys + 1, 2);
  h.lookup_small = LookupBody(keys, 100, 3);
  fmt::print(
      "hostile bodies: zstd {:.0f} KB -> {:.0f} MiB ({} records), deflate {:.0f} KB -> {:.0f} MiB "
      "of zeros, record_count lie {:.0f} KB, lookups of {} and {} keys ({:.1f} MB)\n",
      h.zstd_bomb.size() / 1e3, MiB(h.zstd_bomb_bytes), h.zstd_bomb_records,
      h.deflate_bomb.size() / 1e3, MiB(h.deflate_bomb_bytes), h.record_lie.size() / 1e3,
      kMaxLookupKeys, kMaxLookupKeys + 1, h.lookup_at_limit.size() / 1e6);
  return h;
}

// ---------------------------------------------------------------------------------------------
// The victim's ingest (and the soak's Tunnel writers).

struct IngestResult {
  uint64_t rows = 0;  // committed
  uint64_t bytes = 0;
  uint64_t commits = 0;
  double seconds = 0;
  double RowsPerSecond() const { return seconds > 0 ? rows / seconds : 0; }
};

struct IngestOptions {
  std::string project;
  std::string table;
  int connections = 4;
  double seconds = 20;      // until the last session starts its commit
  double commit_every = 2;  // seconds a session gathers writes
  double bytes_per_s = 0;   // per connection; 0: as fast as it goes
};

// `connections` threads, each: open a session, PUT streams (taken in turn from `streams`) for
// `commit_every` seconds, commit, again until `seconds` have passed or `stop`.
IngestResult RunIngest(const ServerProcess& server, const Streams& streams, const IngestOptions& o,
                       Backpressure& bp, Errors& errors, const std::atomic<bool>& stop) {
  std::atomic<uint64_t> rows{0}, bytes{0}, commits{0};
  std::atomic<size_t> next{0};
  const std::string upserts = fmt::format("/projects/{}/tables/{}/upserts", o.project, o.table);
  const auto start = Clock::now();
  auto over = [&] { return Seconds(start) >= o.seconds || stop || g_abort; };
  std::vector<std::thread> threads;
  for (int t = 0; t < o.connections; ++t) {
    threads.emplace_back([&] {
      HttpClient c = server.Client();
      while (!over()) {
        try {
          HttpResponse s = Polite(c, "POST", upserts, "", {}, bp);
          if (s.status != 200) {
            errors.Add(Describe("open session", s));
            Nap(1, stop);
            continue;
          }
          const std::string id = s.Json()["id"];
          const auto opened = Clock::now();
          uint64_t session_rows = 0, session_bytes = 0;
          while (!over() && Seconds(opened) < o.commit_every) {
            const size_t i = next++ % streams.bodies.size();
            const auto put_start = Clock::now();
            HttpResponse r = Polite(c, "PUT",
                                    fmt::format("{}?upsertid={}&bucketid={}&record_count={}",
                                                upserts, id, i % kBuckets, streams.rows[i]),
                                    streams.bodies[i], {}, bp);
            if (r.status != 200) {
              errors.Add(Describe("PUT", r));
              continue;
            }
            session_rows += streams.rows[i];
            session_bytes += streams.bodies[i].size();
            if (o.bytes_per_s > 0) {
              const double due = static_cast<double>(streams.bodies[i].size()) / o.bytes_per_s;
              Nap(due - Seconds(put_start), stop);
            }
          }
          HttpResponse done = Polite(c, "POST", upserts + "?upsertid=" + id, "", {}, bp);
          if (done.status != 200 || done.Json()["status"] != "committed") {
            errors.Add(Describe("commit", done));
            continue;
          }
          rows += session_rows;
          bytes += session_bytes;
          ++commits;
        } catch (const std::exception& e) {
          // A connection closed or reset under a well-behaved client, or an answer not JSON.
          errors.Add(std::string("ingest: ") + e.what());
          c.Close();
          Nap(1, stop);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  return {rows.load(), bytes.load(), commits.load(), Seconds(start)};
}

// ---------------------------------------------------------------------------------------------
// The attacker.

struct AttackSet {
  bool amplify = false;  // 2 connections: zstd and deflate bombs, record_count lies
  bool slow = false;     // 6 slow senders
  bool lookups = false;  // 2 connections: lookups of max_lookup_keys keys, and one more
  bool flood = false;    // 16 connections of small requests
  int slow_senders = 6;
  int amplifiers = 2;
  int lookupers = 2;
  int flooders = 16;
  double pause_s = 0;  // between an amplifier's or a lookup connection's requests
};

// The attacker's tables and session, made once per server.
struct AttackTarget {
  std::string project;
  std::string session;        // an upsert session on <project>.t for the bodies
  std::vector<int64_t> keys;  // of <project>.big
};

// A status line's code ("HTTP/1.1 503 ..." -> "503"), or "closed".
std::string CodeOf(const std::string& answer) {
  if (answer.rfind("HTTP/1.1 ", 0) == 0 && answer.size() >= 12) return answer.substr(9, 3);
  return "closed";
}

class Attacker {
 public:
  Attacker(const ServerProcess& server, const AttackTarget& target, const HostileBodies& bodies,
           AttackSet set, Tally& tally)
      : server_(server), target_(target), bodies_(bodies), set_(set), tally_(tally) {
    if (set.amplify) {
      for (int i = 0; i < set.amplifiers; ++i) Spawn([this, i] { Amplify(i); });
    }
    if (set.slow) {
      for (int i = 0; i < set.slow_senders; ++i) Spawn([this] { SlowSender(); });
    }
    if (set.lookups) {
      for (int i = 0; i < set.lookupers; ++i) Spawn([this, i] { Lookups(i); });
    }
    if (set.flood) {
      for (int i = 0; i < set.flooders; ++i) Spawn([this, i] { Flood(i); });
    }
  }
  ~Attacker() { Stop(); }
  void Stop() {
    stop_ = true;
    for (auto& t : threads_) t.join();
    threads_.clear();
  }

 private:
  void Spawn(std::function<void()> fn) {
    threads_.emplace_back([fn = std::move(fn)] {
      try {
        fn();
      } catch (const std::exception& e) {
        fmt::print(stderr, "attacker thread: {}\n", e.what());
      }
    });
  }

  // Sends one request, tallied under `kind`; a thrown error (closed, reset) counts as "closed".
  void Try(HttpClient& c, const std::string& kind, const std::string& method,
           const std::string& target, const std::string& body, const HttpHeaders& headers = {}) {
    try {
      HttpResponse r = c.Send(method, target, body, headers);
      tally_.Add(kind, r.status);
      // Not honouring Retry-After, but not spinning either on an answer that costs nothing.
      if (r.status == 429 || r.status == 503) Nap(0.1, stop_);
    } catch (const std::exception&) {
      tally_.Add(kind, "closed");
      c.Close();
      Nap(0.1, stop_);
    }
  }

  std::string Upserts(const std::string& query) const {
    return fmt::format("/projects/{}/tables/t/upserts?upsertid={}&bucketid=0{}", target_.project,
                       target_.session, query);
  }

  void Amplify(int which) {
    HttpClient c = server_.Client();
    for (int round = which; !stop_ && !g_abort; ++round) {
      switch (round % 3) {
        case 0:
          Try(c, "zstd bomb", "PUT", Upserts(""), bodies_.zstd_bomb,
              {{"Content-Encoding", "zstd"}});
          break;
        case 1:
          Try(c, "deflate bomb", "PUT", Upserts(""), bodies_.deflate_bomb,
              {{"Content-Encoding", "deflate"}});
          break;
        default:
          Try(c, "record_count lie", "PUT", Upserts("&record_count=1000"), bodies_.record_lie,
              {{"Content-Encoding", "zstd"}});
      }
      Nap(set_.pause_s, stop_);
    }
  }

  // Declares a 200 MiB load and sends a byte of it every 2 s, until the server answers or
  // closes; then again. Starts a second after the other attacks: the memory budget is first come,
  // first served, and slow senders first would leave the amplifying bodies nothing but cheap 503s.
  void SlowSender() {
    Nap(1, stop_);
    const std::string head = fmt::format(
        "POST /api/v1/projects/{}/tables/t/load HTTP/1.1\r\nHost: localhost\r\n"
        "Content-Type: application/x-ndjson\r\nContent-Length: {}\r\n\r\n",
        target_.project, 200 * kMiB);
    while (!stop_ && !g_abort) {
      std::string outcome;
      try {
        dt::testing::RawConnection conn(server_.port());
        if (conn.Send(head)) {
          while (!stop_ && !g_abort) {
            std::string answer;
            for (int i = 0; i < 20 && answer.empty() && !conn.ServerClosed(0) && !stop_; ++i) {
              answer = conn.Receive(100);
            }
            if (!answer.empty()) {
              outcome = CodeOf(answer);
              break;
            }
            if (conn.ServerClosed(0) || !conn.Send("{")) {
              outcome = "closed";
              break;
            }
          }
        } else {
          outcome = "closed";
        }
      } catch (const std::exception&) {
        outcome = "closed";  // connect() refused
      }
      // Still sending when the attack ended: the server held it to the end.
      if (outcome.empty()) outcome = "held to the end";
      tally_.Add("slow sender", outcome);
      if (outcome != "closed") Nap(0.1, stop_);
    }
  }

  void Lookups(int which) {
    HttpClient c = server_.Client();
    const std::string lookup =
        fmt::format("/api/v1/projects/{}/tables/big/lookup", target_.project);
    const HttpHeaders json = {{"Content-Type", "application/json"}};
    for (int round = which; !stop_ && !g_abort; ++round) {
      if (round % 4 == 3) {
        Try(c, "lookup, limit + 1 keys", "POST", lookup, bodies_.lookup_over_limit, json);
      } else {
        Try(c, "lookup, limit keys", "POST", lookup, bodies_.lookup_at_limit, json);
      }
      Nap(set_.pause_s, stop_);
    }
  }

  void Flood(int which) {
    HttpClient c = server_.Client();
    const std::string table = fmt::format("/api/v1/projects/{}/tables/big", target_.project);
    for (int round = which; !stop_ && !g_abort; ++round) {
      switch (round % 4) {
        case 0:
          Try(c, "flood: data 2000 rows", "GET", table + "/data?limit=2000", "");
          break;
        case 1:
          Try(c, "flood: describe", "GET", table, "");
          break;
        case 2:
          Try(c, "flood: lookup 100 keys", "POST", table + "/lookup", bodies_.lookup_small,
              {{"Content-Type", "application/json"}});
          break;
        default:
          Try(c, "flood: versions", "GET", table + "/versions?limit=10", "");
      }
    }
  }

  const ServerProcess& server_;
  const AttackTarget& target_;
  const HostileBodies& bodies_;
  const AttackSet set_;
  Tally& tally_;
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
};

// Creates <project>.big (`rows`, committed) and <project>.t with an open upsert session.
AttackTarget PrepareAttacker(const ServerProcess& server, const std::string& project,
                             const std::vector<proto::Row>& rows) {
  AttackTarget target;
  target.project = project;
  HttpClient c = server.Client();
  for (const char* name : {"big", "t"}) {
    auto r = c.Send("POST", fmt::format("/api/v1/projects/{}/tables", project), TableJson(name));
    if (r.status != 201) {
      fmt::print(stderr, "{}\n", Describe("create table", r));
      std::exit(1);
    }
  }
  const std::string upserts = fmt::format("/projects/{}/tables/big/upserts", project);
  const std::string id = c.Post(upserts).Json()["id"];
  const Streams streams = BuildStreams(rows);
  for (size_t i = 0; i < streams.bodies.size(); ++i) {
    auto r = c.Send("PUT",
                    fmt::format("{}?upsertid={}&bucketid={}&record_count={}", upserts, id,
                                i % kBuckets, streams.rows[i]),
                    streams.bodies[i]);
    if (r.status != 200) {
      fmt::print(stderr, "{}\n", Describe("attacker's rows", r));
      std::exit(1);
    }
  }
  if (c.Post(upserts + "?upsertid=" + id).status != 200) std::exit(1);
  target.session =
      c.Post(fmt::format("/projects/{}/tables/t/upserts", project)).Json()["id"].get<std::string>();
  for (const auto& row : rows) target.keys.push_back(row[0].as_int());
  return target;
}

// Bytes of the files under `dir`.
uint64_t DirBytes(const std::string& dir) {
  uint64_t bytes = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code size_ec;
    if (it->is_regular_file(size_ec)) bytes += it->file_size(size_ec);
  }
  return bytes;
}

// Waits (up to 30 s) for the server to say it is ready again after an attack: workers free, the
// budget released.
void Settle(const ServerProcess& server) {
  HttpClient c = server.Client();
  const auto start = Clock::now();
  while (Seconds(start) < 30 && !g_abort) {
    try {
      if (c.Get("/readyz").status == 200) break;
    } catch (const std::exception&) {
      c.Close();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  std::this_thread::sleep_for(std::chrono::seconds(1));
}

// Waits (up to 90 s) until the files under `dir` stop shrinking (less than 64 MB freed in 3 s);
// answers their size then.
uint64_t WaitForSpaceFreed(const std::string& dir) {
  const auto start = Clock::now();
  uint64_t before = DirBytes(dir);
  while (Seconds(start) < 90 && !g_abort) {
    std::this_thread::sleep_for(std::chrono::seconds(3));
    const uint64_t now = DirBytes(dir);
    if (now + (64 << 20) > before) return now;
    before = now;
  }
  return before;
}

// The server crashed: throws with the end of its log (main prints it and exits 1).
[[noreturn]] void ServerDied(const ServerProcess& server) {
  std::string log = server.Log();
  if (log.size() > 4000) log = "..." + log.substr(log.size() - 4000);
  throw std::runtime_error(
      fmt::format("the server died (pid {})\n--- server log ---\n{}", server.pid(), log));
}

// SIGTERM, and its exit code must be 0.
bool StopCleanly(ServerProcess& server) {
  try {
    const int code = server.Stop(std::chrono::seconds(60));
    if (code == 0) return true;
    fmt::print("FAILED: the server exited with {} on SIGTERM\n", code);
  } catch (const std::exception& e) {
    fmt::print("FAILED: {}\n", e.what());
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Figures.

struct Flags {
  double seconds = 20;
  int connections = 4;
  uint64_t budget = 2048 * kMiB;
  bool breakdown = true;
  bool checks = true;
  double soak_minutes = 0;
};

struct Phase {
  std::string name;
  AttackSet attacks;
  IngestResult ingest;
  uint64_t start_rss = 0;
  uint64_t max_rss = 0;
  double server_cpu_s = 0;
  double client_cpu_s = 0;
  Backpressure bp;
  Tally tally;
};

int Figures(const Flags& flags, const Streams& victim_streams,
            const std::vector<proto::Row>& attacker_rows) {
  bool failed = false;
  // 1. Under attack.
  ServerOptions options;
  options.test_hooks = false;
  options.config_toml = fmt::format("[limits]\nmemory_budget_bytes = {}\n", flags.budget);
  fmt::print("\n1. victim ingest under attack; server config: {}", options.config_toml);
  ServerProcess server(options);
  Watch watch(server.pid(), 1.0);
  const AttackTarget target = PrepareAttacker(server, "attacker", attacker_rows);
  const HostileBodies hostile = BuildHostile(flags.budget, target.keys);
  fmt::print("server VmRSS after setup {:.0f} MiB\n\n", MiB(StatusBytes(server.pid(), "VmRSS")));

  std::vector<std::unique_ptr<Phase>> phases;
  auto add = [&](std::string name, AttackSet set) {
    auto p = std::make_unique<Phase>();
    p->name = std::move(name);
    p->attacks = set;
    phases.push_back(std::move(p));
  };
  AttackSet all;
  all.amplify = all.slow = all.lookups = all.flood = true;
  add("(a) victim alone", {});
  add("(b) under every attack", all);
  add("(c) victim alone again", {});
  if (flags.breakdown) {
    AttackSet a;
    a.amplify = true;
    add("(b1) amplifying bodies only", a);
    a = {};
    a.slow = true;
    add("(b2) slow senders only", a);
    a = {};
    a.lookups = true;
    add("(b3) huge lookups only", a);
    a = {};
    a.flood = true;
    add("(b4) many requests only", a);
  }
  // Each phase writes a table of its own, whose automatic major compaction waits for 199 commits
  // (none comes in a run of this length), so that one phase's compaction does not run in the
  // next: the phases differ only by the attack.
  // About 100 commits a table at most.
  const double commit_every = std::max(2.0, flags.connections * flags.seconds / 100.0);
  Errors victim_errors;
  Tally attacker_total;
  for (size_t i = 0; i < phases.size() && !g_abort; ++i) {
    Phase& p = *phases[i];
    const std::string table = fmt::format("ingest_{}", i);
    HttpClient admin = server.Client();
    auto created = admin.Send("POST", "/api/v1/projects/victim/tables",
                              TableJson(table, R"(, "compaction.major.commit-threshold": "199")"));
    if (created.status != 201) {
      fmt::print(stderr, "{}\n", Describe("create table", created));
      return 1;
    }
    std::unique_ptr<Attacker> attacker;
    watch.TakeMax();
    p.start_rss = StatusBytes(server.pid(), "VmRSS");
    const double server_cpu = dt::testing::ProcCpuSeconds(server.pid());
    const double client_cpu = dt::testing::ProcCpuSeconds(getpid());
    if (p.attacks.amplify || p.attacks.slow || p.attacks.lookups || p.attacks.flood) {
      attacker = std::make_unique<Attacker>(server, target, hostile, p.attacks, p.tally);
      std::this_thread::sleep_for(std::chrono::seconds(2));  // the attack is under way first
    }
    IngestOptions o;
    o.project = "victim";
    o.table = table;
    o.connections = flags.connections;
    o.seconds = flags.seconds;
    o.commit_every = commit_every;
    std::atomic<bool> never{false};
    p.ingest = RunIngest(server, victim_streams, o, p.bp, victim_errors, never);
    if (attacker) attacker->Stop();
    p.max_rss = watch.TakeMax();
    if (watch.died()) ServerDied(server);
    p.server_cpu_s = dt::testing::ProcCpuSeconds(server.pid()) - server_cpu;
    p.client_cpu_s = dt::testing::ProcCpuSeconds(getpid()) - client_cpu;
    attacker_total.Merge(p.tally);
    fmt::print("{:<32} {:>9.0f} rows/s ({} rows, {} commits in {:.1f} s)\n", p.name,
               p.ingest.RowsPerSecond(), p.ingest.rows, p.ingest.commits, p.ingest.seconds);
    fmt::print(
        "    victim's backpressure: 429 x{}, 503 x{} ({:.0f} s waited); server VmRSS {:.0f} MiB at "
        "the start, {:.0f} MiB at most; CPU (with the attack's 2 s lead): server {:.1f} s, this "
        "program {:.1f} s; data dir {:.1f} GB\n",
        p.bp.refused_429.load(), p.bp.refused_503.load(), p.bp.waited_s.load(), MiB(p.start_rss),
        MiB(p.max_rss), p.server_cpu_s, p.client_cpu_s, DirBytes(server.data_dir()) / 1e9);
    if (!p.tally.empty()) p.tally.Print("    attacker: ");
    // The phase's table is dropped and its files freed before the next phase: a phase writes
    // 5 to 10 GB, and the disk would fill over a run; each phase starts from the same state.
    Settle(server);
    auto dropped = admin.Send("DELETE", "/api/v1/projects/victim/tables/" + table);
    if (dropped.status != 204) {
      fmt::print(stderr, "{}\n", Describe("drop table", dropped));
      return 1;
    }
    const uint64_t left = WaitForSpaceFreed(server.data_dir());
    fmt::print("    (table dropped: data dir {:.1f} GB)\n", left / 1e9);
    if (watch.died()) ServerDied(server);
  }
  const uint64_t hwm = StatusBytes(server.pid(), "VmHWM");
  watch.Stop();
  if (watch.died()) ServerDied(server);
  const bool stopped = StopCleanly(server);

  const double a = phases[0]->ingest.RowsPerSecond();
  const double b = phases[1]->ingest.RowsPerSecond();
  const double c = phases[2]->ingest.RowsPerSecond();
  fmt::print(
      "\nunder attack / alone: (b)/(a) = {:.2f} (target >= 0.8: {}); (b) / mean of (a), "
      "(c) = {:.2f}; (c)/(a) = {:.2f}\n",
      b / a, b / a >= 0.8 ? "met" : "MISSED", b / ((a + c) / 2), c / a);
  for (size_t i = 3; i < phases.size(); ++i) {
    const double x = phases[i]->ingest.RowsPerSecond();
    fmt::print("  {:<30} / (a) = {:.2f}, / mean of (a), (c) = {:.2f}\n", phases[i]->name, x / a,
               x / ((a + c) / 2));
  }
  fmt::print("server peak RSS (VmHWM) {:.0f} MiB, budget {:.0f} MiB: {}\n", MiB(hwm),
             MiB(flags.budget), hwm < flags.budget ? "under it (met)" : "OVER IT (MISSED)");
  fmt::print("attacker's answers, all phases:\n");
  attacker_total.Print("  ");
  const uint64_t errors500 = attacker_total.Count("500");
  fmt::print("  500s: {}\n", errors500);
  if (errors500 > 0) failed = true;
  if (victim_errors.count() > 0) {
    fmt::print("FAILED: {} victim requests failed other than by backpressure\n",
               victim_errors.count());
    victim_errors.Print();
    failed = true;
  }
  if (!stopped) failed = true;

  // 2. The cost of the checks.
  if (flags.checks && !g_abort) {
    std::string relaxed = fmt::format(
        "[limits]\nmin_body_rate_bytes_s = 0\nmemory_budget_bytes = {}\n"
        "project_requests_in_flight = 1024\ndecompress_ratio = 1000\n"
        "max_rows_per_request = {}\nmax_lookup_keys = {}\n",
        uint64_t{1} << 50, uint64_t{1} << 40, uint64_t{1} << 32);
    // Newer servers bound a request's work by a deadline; off where the key exists.
    const std::string relaxed_newer = relaxed + "request_deadline_s = 0\n";
    fmt::print(
        "\n2. the cost of the checks: ingest alone, {} s a server, limits at their "
        "defaults (D) vs relaxed (R, {}), a server each, order D R R D D R R D\n",
        flags.seconds, "every [limits] key at its maximum or off");
    std::vector<double> d, r;
    for (int round = 0; round < 8 && !g_abort; ++round) {
      const bool is_default = round % 4 == 0 || round % 4 == 3;
      ServerOptions o;
      o.test_hooks = false;
      o.config_toml = is_default ? "" : relaxed_newer;
      std::unique_ptr<ServerProcess> s;
      try {
        s = std::make_unique<ServerProcess>(o);
      } catch (const std::exception&) {
        if (is_default) throw;
        o.config_toml = relaxed;  // a server without request_deadline_s
        s = std::make_unique<ServerProcess>(o);
      }
      if (round == 1) fmt::print("  relaxed config:\n{}", o.config_toml);
      Watch w(s->pid(), 1.0);
      HttpClient admin = s->Client();
      if (admin
              .Send("POST", "/api/v1/projects/victim/tables",
                    TableJson("ingest", R"(, "compaction.major.commit-threshold": "199")"))
              .status != 201) {
        return 1;
      }
      IngestOptions io;
      io.project = "victim";
      io.table = "ingest";
      io.connections = flags.connections;
      io.seconds = flags.seconds;
      io.commit_every = commit_every;
      Backpressure bp;
      std::atomic<bool> never{false};
      IngestResult res = RunIngest(*s, victim_streams, io, bp, victim_errors, never);
      w.Stop();
      if (w.died()) ServerDied(*s);
      (is_default ? d : r).push_back(res.RowsPerSecond());
      fmt::print("  {} {:>9.0f} rows/s ({} rows in {:.1f} s, backpressure {}/{})\n",
                 is_default ? "D" : "R", res.RowsPerSecond(), res.rows, res.seconds,
                 bp.refused_429.load(), bp.refused_503.load());
      if (!StopCleanly(*s)) failed = true;
    }
    if (d.size() == 4 && r.size() == 4) {
      auto mean = [](const std::vector<double>& v) {
        double sum = 0;
        for (double x : v) sum += x;
        return sum / static_cast<double>(v.size());
      };
      const double ratio = mean(d) / mean(r);
      fmt::print(
          "D {:.0f} rows/s ({:.0f}-{:.0f}), R {:.0f} rows/s ({:.0f}-{:.0f}): defaults / relaxed = "
          "{:.3f} (target >= 0.95: {})\n",
          mean(d), *std::min_element(d.begin(), d.end()), *std::max_element(d.begin(), d.end()),
          mean(r), *std::min_element(r.begin(), r.end()), *std::max_element(r.begin(), r.end()),
          ratio, ratio >= 0.95 ? "met" : "MISSED");
    }
    if (victim_errors.count() > 0) {
      victim_errors.Print();
      failed = true;
    }
  }
  return failed ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------
// Soak.

// RSS "flat after warm-up": the lower quartile of the samples in the last fifth of the run
// against that of the second fifth (the first after warm-up: by then the block cache, RocksDB's
// memtables and the allocator's arenas have reached their working sizes). A quartile rather than
// the largest sample or the mean: each amplifying body makes a spike of 1.5 times its
// decompression limit (a buffer grown by doubling: 1.5 GiB at a 2 GiB budget) for the second it
// lasts, and the samples that fall in one say nothing about what the server keeps; a leak raises
// the floor between them. Allowed growth: 20 % of that floor or 256 MiB, whichever is more. What
// may grow legitimately: RocksDB keeps each table file's index in memory (outside the block
// cache), about 1 % of the data written (the soak writes ~2 MB/s, 3.6 GB in 30 minutes: ~40 MB),
// and the allocator's fragmentation. A leak of a few KB a request (the soak makes ~50 k requests
// in 30 minutes) would pass the margin; one of a MB a commit or a hostile body would not.
struct RssVerdict {
  uint64_t baseline = 0, final = 0, allowed = 0;
  bool ok = true;
};

uint64_t LowerQuartile(std::vector<uint64_t> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 4];
}

RssVerdict JudgeRss(const std::vector<RssSample>& samples, double total_s) {
  std::vector<std::vector<uint64_t>> fifths(5);
  for (const auto& s : samples) {
    fifths[std::min<size_t>(4, static_cast<size_t>(s.at_s / total_s * 5))].push_back(s.rss);
  }
  fmt::print("RSS by fifth of the run (min / lower quartile / median / max, MiB):\n");
  for (size_t i = 0; i < fifths.size(); ++i) {
    auto v = fifths[i];
    std::sort(v.begin(), v.end());
    if (v.empty()) continue;
    fmt::print("  {}{}: {:.0f} / {:.0f} / {:.0f} / {:.0f} ({} samples)\n", i + 1,
               i == 0 ? " (warm-up)" : "", MiB(v.front()), MiB(v[v.size() / 4]),
               MiB(v[v.size() / 2]), MiB(v.back()), v.size());
  }
  RssVerdict v;
  v.baseline = LowerQuartile(fifths[1]);
  v.final = LowerQuartile(fifths[4]);
  v.allowed = std::max<uint64_t>(v.baseline / 5, 256 * kMiB);
  v.ok = v.final <= v.baseline + v.allowed;
  return v;
}

int Soak(const Flags& flags, const std::vector<proto::Row>& all_rows,
         const std::vector<proto::Row>& attacker_rows) {
  const double total_s = flags.soak_minutes * 60;
  ServerOptions options;
  options.test_hooks = false;
  options.config_toml = fmt::format("[limits]\nmemory_budget_bytes = {}\n", flags.budget);
  fmt::print("\nsoak for {} minutes; server config: {}", flags.soak_minutes, options.config_toml);
  ServerProcess server(options);
  Watch watch(server.pid(), 2.0);
  const AttackTarget target = PrepareAttacker(server, "hostile", attacker_rows);
  const HostileBodies hostile = BuildHostile(flags.budget, target.keys);
  {
    HttpClient c = server.Client();
    // The Tunnel table keeps its versions an hour (the change reads read back a few); the NDJSON
    // table only its latest, so that its compactions reclaim.
    for (auto [name, props] : {std::pair{"tunnel", R"(, "acid.data.retain.hours": "1")"},
                               std::pair{"ndjson", R"(, "acid.data.retain.hours": "0")"}}) {
      if (c.Send("POST", "/api/v1/projects/soak/tables", TableJson(name, props)).status != 201) {
        fmt::print(stderr, "create soak.{} failed\n", name);
        return 1;
      }
    }
  }
  // 200 k keys, written again and again: the tables stay small once compacted, and what the
  // server holds does not grow with the soak's length but through a leak.
  const std::vector<proto::Row> rows(all_rows.begin(),
                                     all_rows.begin() + std::min<size_t>(200'000, all_rows.size()));
  const Streams streams = BuildStreams(rows);
  std::vector<int64_t> keys;
  for (const auto& row : rows) keys.push_back(row[0].as_int());
  std::vector<std::string> loads(1);
  for (const auto& row : rows) {
    loads.back() += NdjsonOf(row);
    if (loads.back().size() >= 256 * 1024) loads.emplace_back();
  }
  fmt::print("server VmRSS after setup {:.0f} MiB\n", MiB(StatusBytes(server.pid(), "VmRSS")));

  Errors errors;
  Backpressure bp;
  Tally well;  // the well-behaved answers
  Tally hostile_tally;
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  // A well-behaved client's loop: `step` again until the end; what it throws (a connection
  // closed or reset, an answer that is not JSON) is an error, and the loop goes on.
  auto loop = [&](const char* who, std::function<void(HttpClient&)> step) {
    threads.emplace_back([&, who, step = std::move(step)] {
      HttpClient c = server.Client();
      while (!stop && !g_abort) {
        try {
          step(c);
        } catch (const std::exception& e) {
          errors.Add(fmt::format("{}: {}", who, e.what()));
          c.Close();
          Nap(1, stop);
        }
      }
    });
  };
  auto expect = [&](const char* kind, const HttpResponse& r, int want) {
    well.Add(kind, r.status);
    if (r.status != want) errors.Add(Describe(kind, r));
    return r.status == want;
  };
  watch.RestartSamples();
  const auto start = Clock::now();

  // Tunnel ingest: 2 connections of 1 MB/s each, a commit every 5 s.
  IngestResult ingest;
  threads.emplace_back([&] {
    IngestOptions o;
    o.project = "soak";
    o.table = "tunnel";
    o.connections = 2;
    o.seconds = total_s;
    o.commit_every = 5;
    o.bytes_per_s = 1e6;
    ingest = RunIngest(server, streams, o, bp, errors, stop);
  });
  // An NDJSON load of ~256 KB a second.
  auto next_load = std::make_shared<size_t>(0);
  loop("ndjson loads", [&, next_load](HttpClient& c) {
    const auto t0 = Clock::now();
    expect("load",
           Polite(c, "POST", "/api/v1/projects/soak/tables/ndjson/load",
                  loads[(*next_load)++ % loads.size()], {{"Content-Type", "application/x-ndjson"}},
                  bp),
           200);
    Nap(1 - Seconds(t0), stop);
  });
  // Reads: rows, the changes of the last few versions, a lookup of 1000 keys.
  const std::string lookup_body = LookupBody(keys, 1000, 7);
  loop("reads", [&](HttpClient& c) {
    const std::string table = "/api/v1/projects/soak/tables/tunnel";
    HttpResponse data = Polite(c, "GET", table + "/data?limit=20000", "", {}, bp);
    if (expect("data", data, 200)) {
      const uint64_t v = std::strtoull(data.Header("x-deltatunnel-version").c_str(), nullptr, 10);
      expect("changes",
             Polite(c, "GET", fmt::format("{}/changes?from_version={}", table, v > 3 ? v - 3 : 0),
                    "", {}, bp),
             200);
    }
    expect("lookup",
           Polite(c, "POST", table + "/lookup", lookup_body, {{"Content-Type", "application/json"}},
                  bp),
           200);
    Nap(0.2, stop);
  });
  // A compaction of each table asked for every 30 s (besides the automatic ones), then listed.
  loop("compactions", [&](HttpClient& c) {
    Nap(30, stop);
    if (stop || g_abort) return;
    for (const char* t : {"tunnel", "ndjson"}) {
      expect(
          "compact",
          Polite(c, "POST", fmt::format("/api/v1/projects/soak/tables/{}/compact", t), "", {}, bp),
          202);
    }
    expect("compactions", Polite(c, "GET", "/api/v1/compactions?project=soak", "", {}, bp), 200);
  });
  // The hostile project: one connection of amplifying bodies, one of lookups (of the limit's
  // keys, and one more), 3 slow senders; a body in a transfer coding other than chunked every 5 s.
  AttackSet attacks;
  attacks.amplify = attacks.slow = attacks.lookups = true;
  attacks.amplifiers = 1;
  attacks.slow_senders = 3;
  attacks.lookupers = 1;
  attacks.pause_s = 2;
  auto attacker = std::make_unique<Attacker>(server, target, hostile, attacks, hostile_tally);
  threads.emplace_back([&] {
    const std::string request =
        "POST /api/v1/projects/hostile/tables/t/load HTTP/1.1\r\nHost: localhost\r\n"
        "Content-Type: application/x-ndjson\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
        "5\r\nabcde\r\n0\r\n\r\n";
    while (!stop && !g_abort) {
      try {
        dt::testing::RawConnection conn(server.port());
        conn.Send(request);
        hostile_tally.Add("gzip, chunked", CodeOf(conn.Receive(10000)));
      } catch (const std::exception&) {
        hostile_tally.Add("gzip, chunked", "closed");
      }
      Nap(5, stop);
    }
  });

  // Progress every minute.
  double next_report = 60;
  while (Seconds(start) < total_s && !g_abort) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    if (Seconds(start) >= next_report) {
      fmt::print("  {:.0f} min: VmRSS {:.0f} MiB, well-behaved errors {}\n", next_report / 60,
                 MiB(StatusBytes(server.pid(), "VmRSS")), errors.count());
      std::fflush(stdout);
      next_report += 60;
    }
  }
  stop = true;
  attacker->Stop();
  for (auto& t : threads) t.join();
  watch.Stop();
  if (watch.died()) ServerDied(server);
  const auto samples = watch.samples();
  const uint64_t hwm = StatusBytes(server.pid(), "VmHWM");
  const bool stopped = StopCleanly(server);

  fmt::print("\nsoak done: {:.1f} min\n", Seconds(start) / 60);
  fmt::print("tunnel ingest: {} rows in {} commits ({:.0f} rows/s)\n", ingest.rows, ingest.commits,
             ingest.RowsPerSecond());
  fmt::print("well-behaved answers:\n");
  well.Print("  ");
  fmt::print("  backpressure waited out: 429 x{}, 503 x{} ({:.0f} s)\n", bp.refused_429.load(),
             bp.refused_503.load(), bp.waited_s.load());
  fmt::print("hostile answers:\n");
  hostile_tally.Print("  ");
  const RssVerdict rss = JudgeRss(samples, total_s);
  fmt::print(
      "RSS after warm-up (lower quartile): {:.0f} MiB (2nd fifth) -> {:.0f} MiB (last fifth): "
      "{:+.0f} MiB, "
      "allowed +{:.0f}: {}\n",
      MiB(rss.baseline), MiB(rss.final), MiB(rss.final) - MiB(rss.baseline), MiB(rss.allowed),
      rss.ok ? "flat" : "GREW");
  fmt::print("peak RSS (VmHWM) {:.0f} MiB, budget {:.0f} MiB\n", MiB(hwm), MiB(flags.budget));
  bool failed = !rss.ok || !stopped;
  if (errors.count() > 0) {
    fmt::print("FAILED: {} well-behaved requests failed other than by backpressure\n",
               errors.count());
    errors.Print();
    failed = true;
  }
  if (hostile_tally.Count("500") > 0) {
    fmt::print("FAILED: hostile requests answered 500\n");
    failed = true;
  }
  fmt::print("soak: {}\n", failed ? "FAILED" : "passed");
  return failed ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // each line as it comes, also into a file or ctest
  Flags flags;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    const char* value = i + 1 < argc ? argv[i + 1] : nullptr;
    if (flag == "--no-breakdown") {
      flags.breakdown = false;
    } else if (flag == "--no-checks") {
      flags.checks = false;
    } else if (value == nullptr) {
      fmt::print(stderr, "{} needs a value\n", flag);
      return 2;
    } else if (flag == "--seconds") {
      flags.seconds = std::stod(value), ++i;
    } else if (flag == "--connections") {
      flags.connections = std::stoi(value), ++i;
    } else if (flag == "--server") {
      setenv("DT_SERVER_BINARY", value, 1), ++i;
    } else if (flag == "--budget") {
      flags.budget = std::stoull(value), ++i;
    } else if (flag == "--soak-minutes") {
      flags.soak_minutes = std::stod(value), ++i;
    } else {
      fmt::print(stderr, "unknown flag {}\n", flag);
      return 2;
    }
  }
  fmt::print("server binary: {}\n", dt::testing::ServerBinary());
  // The victim's rows: 1 M, ~100 bytes, in ~1 MiB record streams sent in turn (keys repeat across
  // rounds: upserts). The attacker's table: 2 M rows of another seed.
  const auto victim_rows = dt::bench::BenchRows(1'000'000);
  const Streams victim_streams = BuildStreams(victim_rows);
  const auto attacker_rows = dt::bench::BenchRows(flags.soak_minutes > 0 ? 200'000 : 2'000'000, 7);
  fmt::print("victim: {} record streams of about {} rows\n", victim_streams.bodies.size(),
             victim_streams.rows[0]);
  try {
    return flags.soak_minutes > 0 ? Soak(flags, victim_rows, attacker_rows)
                                  : Figures(flags, victim_streams, attacker_rows);
  } catch (const std::exception& e) {
    fmt::print("FAILED: {}\n", e.what());
    return 1;
  }
}
