// deltatunnel-bench-feed: issue 26's change-feed figures, in one run on one machine.
//
// 1. Follow latency during ingest at full speed. A 16-bucket table (k BIGINT key, a BIGINT,
//    b DOUBLE, s STRING); one follower on its own connection reads
//    GET /api/v1/.../changes?from_version=0&follow=true (NDJSON) while --writers threads, each
//    with a connection of its own, POST .../load batches of --batch rows (~100 bytes each,
//    distinct keys) back to back for --seconds. Each load's answer time and version are kept, and
//    each {"checkpoint":V} line's arrival; the latency of version V is the arrival of the first
//    checkpoint >= V minus the arrival of the answer of the load that made V (negative when the
//    feed was faster than the load's answer). Printed: count, min, p50, p90, p99, max in ms
//    (target: p99 under 50 ms), the ingest rate and the rate the follower received records at.
//    The follower must receive one record per row loaded.
// 2. Feed throughput against the native read. --rows rows loaded into a fresh table in loads of
//    50 000 rows (one commit each), then alternately, --runs times, (a) the native read,
//    GET .../data (NDJSON), the baseline, and (b) the full form of changes,
//    GET .../changes?from_version=0&form=full, which ends by itself with a checkpoint. Each read
//    is a fresh connection whose lines are counted and dropped as they arrive; the best of the
//    runs of each is printed with the ratio (b)/(a) (target >= 0.5). (a) must count --rows lines,
//    (b) --rows records and one checkpoint.
//
// Exit 1: an answer other than 200, a feed that stalls or counts wrong, the server crashed or did
// not exit 0 on SIGTERM. A figure missing its target is printed as MISSED and the exit is still 0.
//
// Usage: deltatunnel-bench-feed [--seconds N] [--writers W] [--batch B] [--rows R] [--runs R]
//                               [--server PATH]
#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "server_process.h"

namespace dt = deltatunnel;
using dt::testing::HttpClient;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kBuckets = 16;
constexpr size_t kLoadRows = 50'000;  // part 2's loads
constexpr double kStallSeconds = 30;  // a feed silent this long (or further behind) has stalled
constexpr std::string_view kRecordPrefix = R"({"version":)";
constexpr std::string_view kCheckpointPrefix = R"({"checkpoint":)";

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

[[noreturn]] void Fail(const std::string& what) { throw std::runtime_error(what); }

std::string TableJson(const std::string& name) {
  return fmt::format(
      R"({{"name": "{}", "columns": [{{"name": "k", "type": "BIGINT"}}, {{"name": "a", "type": "BIGINT"}},
          {{"name": "b", "type": "DOUBLE"}}, {{"name": "s", "type": "STRING"}}], "primary_key": ["k"],
          "properties": {{"write.bucket.num": "{}"}}}})",
      name, kBuckets);
}

// `n` NDJSON rows of about 100 bytes, keys first_key .. first_key + n - 1.
std::string Rows(uint64_t first_key, size_t n) {
  static const char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::mt19937_64 rng(first_key);
  std::string out;
  out.reserve(n * 104);
  std::string s(56, ' ');
  for (uint64_t k = first_key; k < first_key + n; ++k) {
    for (char& ch : s) ch = kAlphabet[rng() % 36];
    fmt::format_to(std::back_inserter(out), "{{\"k\":{},\"a\":{},\"b\":{:.2f},\"s\":\"{}\"}}\n", k,
                   k % 1'000'000, static_cast<double>(k % 100'000) / 100.0, s);
  }
  return out;
}

// Loads refused with 429 or 503 (the compactor behind: FlowExceeded) and sent again after their
// Retry-After, as a client should; thread-safe.
struct Refusals {
  std::atomic<uint64_t> count{0};
  std::atomic<uint64_t> waited_ms{0};
};

// Answers the load's version; an answer other than 200 (or a 429 or 503 with Retry-After) fails.
uint64_t Load(HttpClient& c, const std::string& table, const std::string& rows,
              Refusals& refusals) {
  for (;;) {
    auto r = c.Send("POST", "/api/v1/projects/p/tables/" + table + "/load", rows,
                    {{"Content-Type", "application/x-ndjson"}});
    if (r.status == 200) return r.Json()["version"].get<uint64_t>();
    const std::string retry_after = r.Header("retry-after");
    if ((r.status != 429 && r.status != 503) || retry_after.empty()) {
      Fail(fmt::format("load: {} {}", r.status, r.body.substr(0, 400)));
    }
    const auto wait = std::chrono::milliseconds(
        static_cast<int64_t>(std::max(0.1, std::atof(retry_after.c_str())) * 1000));
    ++refusals.count;
    refusals.waited_ms += static_cast<uint64_t>(wait.count());
    std::this_thread::sleep_for(wait);
  }
}

uint64_t CheckpointOf(std::string_view line) {
  uint64_t v = 0;
  std::from_chars(line.data() + kCheckpointPrefix.size(), line.data() + line.size(), v);
  return v;
}

// A GET on a fresh raw connection whose chunked answer (a 200, or it fails) is read as it
// arrives, line by line: each complete line goes to a callback with the time its last byte came,
// and is dropped.
class LineStream {
 public:
  LineStream(uint16_t port, const std::string& target) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_ < 0 || connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      Fail("connect failed");
    }
    const std::string req = fmt::format(
        "GET {} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n", target, port);
    if (send(fd_, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) {
      Fail("send failed");
    }
    size_t head_end;
    while ((head_end = raw_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill(static_cast<int>(kStallSeconds * 1000))) Fail("no answer head for " + target);
    }
    if (raw_.compare(0, 12, "HTTP/1.1 200") != 0)
      Fail("GET " + target + ": " + raw_.substr(0, 400));
    if (raw_.substr(0, head_end).find("chunked") == std::string::npos) {
      Fail("GET " + target + ": not chunked");
    }
    raw_.erase(0, head_end + 4);
    Dechunk();
  }
  ~LineStream() { close(fd_); }
  LineStream(const LineStream&) = delete;
  LineStream& operator=(const LineStream&) = delete;

  // Waits up to `timeout_ms` for more of the answer and hands its complete lines to
  // `on_line(line, arrived)`; false once the last chunk came.
  template <typename OnLine>
  bool Next(int timeout_ms, const OnLine& on_line) {
    if (!ended_ && !Fill(timeout_ms)) return true;
    const Clock::time_point arrived = Clock::now();
    Dechunk();
    size_t at = 0;
    for (size_t nl; (nl = body_.find('\n', at)) != std::string::npos; at = nl + 1) {
      on_line(std::string_view(body_.data() + at, nl - at), arrived);
    }
    body_.erase(0, at);
    return !ended_;
  }
  uint64_t bytes() const { return bytes_; }  // of the body so far
  Clock::time_point last_data() const { return last_data_; }

 private:
  // One read into raw_; false when nothing came within `timeout_ms`. The connection closed
  // before the last chunk fails.
  bool Fill(int timeout_ms) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, timeout_ms) <= 0) return false;
    const ssize_t n = read(fd_, block_.data(), block_.size());
    if (n <= 0) Fail("the connection closed before the answer's last chunk");
    raw_.append(block_.data(), static_cast<size_t>(n));
    last_data_ = Clock::now();
    return true;
  }

  // Moves the chunked body's data from raw_ to body_, up to the last chunk.
  void Dechunk() {
    size_t at = 0;
    while (!ended_) {
      if (chunk_left_ > 0) {
        const size_t take = std::min<uint64_t>(chunk_left_, raw_.size() - at);
        if (take == 0) break;
        body_.append(raw_, at, take);
        bytes_ += take;
        at += take;
        chunk_left_ -= take;
        chunk_crlf_ = chunk_left_ == 0;
        continue;
      }
      if (chunk_crlf_) {
        if (raw_.size() - at < 2) break;
        at += 2;
        chunk_crlf_ = false;
      }
      const size_t eol = raw_.find("\r\n", at);
      if (eol == std::string::npos) break;
      chunk_left_ = std::stoull(raw_.substr(at, eol - at), nullptr, 16);
      at = eol + 2;
      ended_ = chunk_left_ == 0;
    }
    raw_.erase(0, at);
  }

  int fd_ = -1;
  std::vector<char> block_ = std::vector<char>(1 << 20);
  std::string raw_;   // received, not yet de-chunked
  std::string body_;  // de-chunked, not yet a complete line
  uint64_t chunk_left_ = 0;
  bool chunk_crlf_ = false;  // the CRLF after a chunk's data is still to come
  bool ended_ = false;
  uint64_t bytes_ = 0;
  Clock::time_point last_data_ = Clock::now();
};

// The first error of any thread; the others stop at it.
struct FirstError {
  std::atomic<bool> failed{false};
  std::mutex mu;
  std::string what;

  void Set(const std::string& w) {
    std::lock_guard<std::mutex> lock(mu);
    if (!failed.exchange(true)) what = w;
  }
  void Check() {
    if (failed) Fail(what);
  }
};

// ---------------------------------------------------------------------------------------------
// 1. Follow latency during ingest.

// A load's answer, or a checkpoint's arrival at the follower.
struct Stamp {
  uint64_t version;
  Clock::time_point at;
};

void FollowLatency(dt::testing::ServerProcess& server, int seconds, int writers, size_t batch) {
  auto admin = server.Client();
  auto created = admin.Post("/api/v1/projects/p/tables", TableJson("t"));
  if (created.status != 201) Fail("create table: " + created.body);

  FirstError error;
  LineStream feed(server.port(), "/api/v1/projects/p/tables/t/changes?from_version=0&follow=true");
  std::vector<Stamp> checkpoints;
  std::atomic<uint64_t> last_checkpoint{0};
  uint64_t feed_records = 0;
  Clock::time_point last_record_at{};
  std::atomic<bool> stop_follower{false};
  std::thread follower([&] {
    try {
      auto on_line = [&](std::string_view line, Clock::time_point at) {
        if (line.starts_with(kRecordPrefix)) {
          ++feed_records;
          last_record_at = at;
        } else if (line.starts_with(kCheckpointPrefix)) {
          checkpoints.push_back({CheckpointOf(line), at});
          last_checkpoint = checkpoints.back().version;
        } else {
          Fail("feed: " + std::string(line.substr(0, 400)));
        }
      };
      while (!stop_follower && !error.failed) {
        if (!feed.Next(100, on_line)) Fail("the feed ended");
      }
    } catch (const std::exception& e) {
      error.Set(e.what());
    }
  });

  Refusals refusals;
  std::vector<std::vector<Stamp>> answered(static_cast<size_t>(writers));
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::seconds(seconds);
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      try {
        HttpClient c = server.Client();
        std::string rows;
        auto& mine = answered[static_cast<size_t>(w)];
        for (uint64_t key = static_cast<uint64_t>(w) << 40;
             Clock::now() < deadline && !error.failed; key += batch) {
          rows = Rows(key, batch);
          const uint64_t version = Load(c, "t", rows, refusals);
          mine.push_back({version, Clock::now()});
        }
      } catch (const std::exception& e) {
        error.Set(e.what());
      }
    });
  }
  for (auto& t : threads) t.join();
  const double ingest_s = Seconds(start);

  std::vector<Stamp> loads;
  for (const auto& mine : answered) loads.insert(loads.end(), mine.begin(), mine.end());
  std::sort(loads.begin(), loads.end(),
            [](const Stamp& x, const Stamp& y) { return x.version < y.version; });
  const uint64_t last_version = loads.empty() ? 0 : loads.back().version;
  // The follower catches up with the last load, or has stalled.
  const auto ingest_end = Clock::now();
  while (last_checkpoint < last_version && !error.failed && Seconds(ingest_end) < kStallSeconds) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  stop_follower = true;
  follower.join();
  error.Check();
  if (last_checkpoint < last_version) {
    Fail(
        fmt::format("the follower stalled: at checkpoint {} {:.0f} s after the last load "
                    "(version {})",
                    last_checkpoint.load(), kStallSeconds, last_version));
  }

  std::vector<double> ms;
  for (const Stamp& a : loads) {
    const auto cp = std::lower_bound(checkpoints.begin(), checkpoints.end(), a.version,
                                     [](const Stamp& c, uint64_t v) { return c.version < v; });
    ms.push_back(Ms(cp->at - a.at));
  }
  std::sort(ms.begin(), ms.end());
  auto pct = [&](double q) {
    const size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(ms.size())));
    return ms[std::max<size_t>(rank, 1) - 1];
  };
  const uint64_t rows = loads.size() * batch;
  fmt::print("1. follow latency: {} writers loading {}-row batches for {} s, one follower\n",
             writers, batch, seconds);
  fmt::print("   ingest: {} loads, {} rows in {:.1f} s: {:.0f} rows/s ({:.1f} loads/s)\n",
             loads.size(), rows, ingest_s, static_cast<double>(rows) / ingest_s,
             static_cast<double>(loads.size()) / ingest_s);
  fmt::print(
      "   {} loads refused with 429 or 503 and sent again after Retry-After ({:.1f} s "
      "waited in all)\n",
      refusals.count.load(), static_cast<double>(refusals.waited_ms.load()) / 1000);
  const double follow_s = Ms(last_record_at - start) / 1000;
  fmt::print(
      "   follower: {} records, {} bytes, the last {:.1f} s after the ingest began: "
      "{:.0f} records/s, {:.1f} MB/s; {} checkpoint lines\n",
      feed_records, feed.bytes(), follow_s, static_cast<double>(feed_records) / follow_s,
      static_cast<double>(feed.bytes()) / follow_s / 1e6, checkpoints.size());
  if (!ms.empty()) {
    fmt::print(
        "   latency (version's checkpoint at the follower - its load's answer), ms: "
        "count {} min {:.2f} p50 {:.2f} p90 {:.2f} p99 {:.2f} max {:.2f}\n",
        ms.size(), ms.front(), pct(0.50), pct(0.90), pct(0.99), ms.back());
    fmt::print("   target p99 under 50 ms: {}\n\n", pct(0.99) < 50 ? "met" : "MISSED");
  }
  if (feed_records != rows) {
    Fail(fmt::format("the follower received {} records for {} rows loaded (distinct keys)",
                     feed_records, rows));
  }
}

// ---------------------------------------------------------------------------------------------
// 2. Feed throughput against the native read.

struct Drained {
  uint64_t lines = 0;
  uint64_t records = 0;      // lines starting {"version":
  uint64_t checkpoints = 0;  // lines starting {"checkpoint":
  uint64_t bytes = 0;
  double seconds = 0;
};

Drained Drain(uint16_t port, const std::string& target) {
  const auto start = Clock::now();
  LineStream stream(port, target);
  Drained d;
  auto on_line = [&](std::string_view line, Clock::time_point) {
    ++d.lines;
    if (line.starts_with(kRecordPrefix)) ++d.records;
    if (line.starts_with(kCheckpointPrefix)) ++d.checkpoints;
  };
  while (stream.Next(1000, on_line)) {
    if (Seconds(stream.last_data()) > kStallSeconds) Fail("stalled: GET " + target);
  }
  d.bytes = stream.bytes();
  d.seconds = Seconds(start);
  return d;
}

void PrintRead(const char* name, uint64_t rows, const Drained& d) {
  fmt::print("   {:<46} {:>9.0f} rows/s {:>7.1f} MB/s  ({} lines, {} bytes in {:.3f} s)\n", name,
             static_cast<double>(rows) / d.seconds, static_cast<double>(d.bytes) / d.seconds / 1e6,
             d.lines, d.bytes, d.seconds);
}

void FeedThroughput(dt::testing::ServerProcess& server, uint64_t n, int runs) {
  auto admin = server.Client();
  auto created = admin.Post("/api/v1/projects/p/tables", TableJson("full"));
  if (created.status != 201) Fail("create table: " + created.body);
  const auto load_start = Clock::now();
  Refusals refusals;
  uint64_t version = 0;
  for (uint64_t key = 0; key < n; key += kLoadRows) {
    version = Load(admin, "full", Rows(key, std::min<uint64_t>(kLoadRows, n - key)), refusals);
  }
  fmt::print(
      "2. feed throughput: {} rows loaded in {:.1f} s ({} versions, {} loads refused and "
      "sent again)\n",
      n, Seconds(load_start), version, refusals.count.load());

  const std::string table = "/api/v1/projects/p/tables/full";
  double best_native = 1e100, best_feed = 1e100;
  for (int run = 0; run < runs; ++run) {
    const Drained native = Drain(server.port(), table + "/data");
    PrintRead("(a) native GET .../data (NDJSON)", n, native);
    if (native.lines != n) Fail(fmt::format("native read: {} lines for {} rows", native.lines, n));
    best_native = std::min(best_native, native.seconds);

    const Drained feed = Drain(server.port(), table + "/changes?from_version=0&form=full");
    PrintRead("(b) GET .../changes?from_version=0&form=full", n, feed);
    if (feed.records != n || feed.checkpoints != 1 || feed.lines != n + 1) {
      Fail(fmt::format("full changes: {} records and {} checkpoints in {} lines for {} rows",
                       feed.records, feed.checkpoints, feed.lines, n));
    }
    best_feed = std::min(best_feed, feed.seconds);
  }
  const double ratio = best_native / best_feed;
  fmt::print(
      "   best of {}: native {:.0f} rows/s, full changes {:.0f} rows/s: {:.2f}x of the "
      "native read\n",
      runs, static_cast<double>(n) / best_native, static_cast<double>(n) / best_feed, ratio);
  fmt::print("   target >= 0.5: {}\n", ratio >= 0.5 ? "met" : "MISSED");
}

}  // namespace

int main(int argc, char** argv) {
  int seconds = 20;
  int writers = 4;
  size_t batch = 1000;
  uint64_t rows = 2'000'000;
  int runs = 2;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--seconds") seconds = std::stoi(argv[i + 1]);
    if (flag == "--writers") writers = std::stoi(argv[i + 1]);
    if (flag == "--batch") batch = std::stoull(argv[i + 1]);
    if (flag == "--rows") rows = std::stoull(argv[i + 1]);
    if (flag == "--runs") runs = std::stoi(argv[i + 1]);
    if (flag == "--server") setenv("DT_SERVER_BINARY", argv[i + 1], 1);
  }

  dt::testing::ServerOptions options;
  options.test_hooks = false;
  std::optional<dt::testing::ServerProcess> server;
  try {
    server.emplace(options);
    FollowLatency(*server, seconds, writers, batch);
    FeedThroughput(*server, rows, runs);
    const int exit_code = server->Stop();
    if (exit_code != 0) Fail(fmt::format("the server exited {} on SIGTERM", exit_code));
  } catch (const std::exception& e) {
    fmt::print(stderr, "FAILED: {}\n", e.what());
    if (server) {
      std::string log = server->Log();
      if (log.size() > 3000) log = "..." + log.substr(log.size() - 3000);
      fmt::print(stderr, "--- server log (tail) ---\n{}\n", log);
    }
    return 1;
  }
  return 0;
}
