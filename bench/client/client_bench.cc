// deltatunnel-bench-client [rows] [rss_rows] [rounds]: prints
//   1. the writer's peak RSS with 256 partitions x 16 buckets (memory mode) and with 1000
//      partitions (file-cache mode), each measured in a child process of its own;
//   2. plain HTTP PUTs: the rows pre-encoded as 1 MiB record streams, PUT from 4 connections into
//      one session, then committed, as deltatunnel-bench-ingest's HTTP ingest does (the baseline
//      the writer should approach);
//   3. the UpsertWriter with the same rows (encoding included): identity bodies with the default 2
//      and with 4 buckets in flight, snappy bodies, and identity bodies with a checkpoint every
//      100 k rows; its rate over the baseline's of the same round, and the median over `rounds`
//      (default 3); and the writer's flushes in flight on average (WriterStats::flush_seconds
//      over the run's time), against upsert.flush.concurrent;
//   4. plain PUTs again from 2 connections, the writer's default streams in flight, and the default
//      writer over that: the writer's own cost at the concurrency it uses;
//   5. 2 and the default writer again with the server pinned to one core and the client to the
//      other (as when the client has a machine of its own), on machines with 2 cores or more.
// Every run of 2 to 5 has a server of its own, started here on a free port with an empty data
// directory, and prints the CPU time its client and server used and the machine's idle time while
// it ran: the plain loop's clock (and CPU) starts after its rows are encoded, the writer's before.
// Build in Release (see bench/CMakeLists.txt).
#include <sched.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <string>
#include <thread>

#include "bench_rows.h"
#include "deltatunnel/client/upsert_session.h"
#include "deltatunnel/client/upsert_writer.h"
#include "deltatunnel/proto/bucket_hash.h"
#include "deltatunnel/proto/record_stream.h"
#include "server_process.h"

using namespace deltatunnel;
using Clock = std::chrono::steady_clock;

namespace {

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

void Die(const std::string& what, const Status& s) {
  std::fprintf(stderr, "%s: %s\n", what.c_str(), s.ToString().c_str());
  std::exit(1);
}

std::string TableJson(const std::string& name, int buckets, bool partitioned) {
  auto j = nlohmann::json::parse(bench::BenchTableJson(name.c_str(), buckets));
  if (partitioned) j["partition_columns"] = {{{"name", "ds"}, {"type", "STRING"}}};
  return j.dump();
}

// CPU seconds (user + system) of this process (the client) and of the server process so far.
struct CpuTimes {
  double client = 0;
  double server = 0;
  double idle = 0;  // the whole machine's idle and iowait CPU seconds, from /proc/stat
};

CpuTimes Cpu(const testing::ServerProcess& server) {
  CpuTimes t;
  rusage self{};
  getrusage(RUSAGE_SELF, &self);
  t.client = static_cast<double>(self.ru_utime.tv_sec + self.ru_stime.tv_sec) +
             static_cast<double>(self.ru_utime.tv_usec + self.ru_stime.tv_usec) / 1e6;
  if (FILE* f = std::fopen("/proc/stat", "r")) {
    unsigned long long user = 0, nice = 0, system = 0, idle = 0, iowait = 0;
    if (std::fscanf(f, "cpu %llu %llu %llu %llu %llu", &user, &nice, &system, &idle, &iowait) ==
        5) {
      t.idle = static_cast<double>(idle + iowait) / static_cast<double>(sysconf(_SC_CLK_TCK));
    }
    std::fclose(f);
  }
  // /proc/PID/stat: fields 14 and 15 are utime and stime in clock ticks.
  if (FILE* f = std::fopen(("/proc/" + std::to_string(server.pid()) + "/stat").c_str(), "r")) {
    char buf[1024];
    const size_t n = std::fread(buf, 1, sizeof buf - 1, f);
    std::fclose(f);
    buf[n] = '\0';
    const char* p = std::strrchr(buf, ')');
    unsigned long utime = 0, stime = 0;
    if (p && std::sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime,
                         &stime) == 2) {
      t.server = static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
    }
  }
  return t;
}

// Every thread of process `pid` onto CPU `cpu` alone (threads it starts later inherit it); false
// when the machine has no such CPU.
bool PinProcess(pid_t pid, int cpu) {
  if (cpu >= static_cast<int>(std::thread::hardware_concurrency())) return false;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  bool any = false;
  std::error_code ec;
  for (const auto& task :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    const pid_t tid = static_cast<pid_t>(std::stol(task.path().filename().string()));
    any = sched_setaffinity(tid, sizeof set, &set) == 0 || any;
  }
  return any;
}

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

void ReportCpu(const CpuTimes& before, const CpuTimes& after, size_t rows) {
  const double c = after.client - before.client, s = after.server - before.server;
  std::printf(
      "  CPU: client %.2f s (%.2f us a row), server %.2f s (%.2f us a row), machine idle %.2f s\n",
      c, c / static_cast<double>(rows) * 1e6, s, s / static_cast<double>(rows) * 1e6,
      after.idle - before.idle);
}

void Report(const char* what, size_t rows, uint64_t bytes, double secs) {
  std::printf("%-44s %9zu rows  %7.2f s  %9.0f rows/s  %7.1f MB/s\n", what, rows, secs,
              static_cast<double>(rows) / secs, static_cast<double>(bytes) / 1e6 / secs);
}

// The plain loop, as the server benchmark (deltatunnel-bench-ingest) does its HTTP ingest: streams
// built first (not timed, nor counted in `cpu_before`, taken at the start), then PUT from
// `connections` connections at once, each on its own slot, and committed (timed).
double PlainPutLoop(testing::ServerProcess& server, client::Client& c, const std::string& table,
                    const std::vector<proto::Row>& rows, int connections, uint64_t* bytes,
                    CpuTimes* cpu_before) {
  auto session = client::UpsertSession::Create(c, "bench", table, {"", connections, 1});
  if (!session.ok()) Die("create session", session.status());
  auto& s = **session;
  std::vector<proto::RecordStreamWriter> writers(s.bucket_count(),
                                                 proto::RecordStreamWriter(s.schema()));
  struct Body {
    uint32_t bucket;
    uint64_t records;
    std::string data;
  };
  std::vector<Body> bodies;
  for (const auto& row : rows) {
    const uint32_t b = proto::BucketOf(s.hasher(), s.schema(), row, s.bucket_count());
    if (!writers[b].Write(row, proto::RowOp::kUpsert).ok()) Die("encode", Internal("row"));
    if (writers[b].bytes() >= (1u << 20)) {
      const uint64_t n = writers[b].records();
      bodies.push_back({b, n, writers[b].Finish()});
    }
  }
  for (uint32_t b = 0; b < s.bucket_count(); ++b) {
    const uint64_t n = writers[b].records();
    if (n) bodies.push_back({b, n, writers[b].Finish()});
  }
  *bytes = 0;
  for (const auto& body : bodies) *bytes += body.data.size();
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::vector<std::thread> senders;
  *cpu_before = Cpu(server);
  const auto start = Clock::now();
  for (int t = 0; t < connections; ++t) {
    senders.emplace_back([&, t] {
      testing::HttpClient http = server.Client();
      for (size_t i = next++; i < bodies.size() && !failed; i = next++) {
        const std::string target =
            "/projects/bench/tables/" + table + "/upserts?upsertid=" + s.id() +
            "&bucketid=" + std::to_string(bodies[i].bucket) + "&slotid=" + std::to_string(t) +
            "&record_count=" + std::to_string(bodies[i].records);
        auto res = http.Send("PUT", target, std::move(bodies[i].data));
        if (res.status != 200) {
          std::fprintf(stderr, "PUT: %d %s\n", res.status, res.body.c_str());
          failed = true;
        }
      }
    });
  }
  for (auto& th : senders) th.join();
  if (failed) std::exit(1);
  client::CommitOptions co;
  co.poll_initial = std::chrono::milliseconds(10);
  if (Status st = s.Commit(co); !st.ok()) Die("commit", st);
  return Seconds(start);
}

// The rows are handed in by reference, as a sink hands in rows it owns (or reuses): the writer
// reads each, and encodes it where it is when its values are of their columns' kinds.
double WriterRun(client::Client& c, const std::string& table, const std::vector<proto::Row>& rows,
                 const std::string& compression, int flush_concurrent, size_t checkpoint_every,
                 uint64_t* bytes) {
  client::WriterOptions o;
  o.compress_algorithm = compression;
  o.flush_concurrent = flush_concurrent;
  o.commit_poll_initial = std::chrono::milliseconds(10);
  auto w = client::UpsertWriter::Open(c, "bench", table, o);
  if (!w.ok()) Die("open writer", w.status());
  const auto start = Clock::now();
  const double thread_cpu_start = ThreadCpuSeconds();
  size_t since_checkpoint = 0;
  double checkpoint_secs = 0;  // inside the checkpoints within the loop
  int checkpoints = 0;
  for (const auto& row : rows) {
    if (Status st = (*w)->Write("", row); !st.ok()) Die("write", st);
    if (++since_checkpoint == checkpoint_every) {
      const auto checkpoint_start = Clock::now();
      if (Status st = (*w)->Checkpoint(); !st.ok()) Die("checkpoint", st);
      checkpoint_secs += Seconds(checkpoint_start);
      ++checkpoints;
      since_checkpoint = 0;
    }
  }
  const double written = Seconds(start);
  const double caller_cpu = ThreadCpuSeconds() - thread_cpu_start;
  if (Status st = (*w)->Checkpoint(); !st.ok()) Die("checkpoint", st);
  // Where the time went: encoding and bucketing every row (streams sent meanwhile), then the
  // checkpoint's flush of what is still buffered or queued, and the commit.
  const double total = Seconds(start);
  const client::WriterStats stats = (*w)->stats();
  // The flushes in flight on average: at flush_concurrent the server is what limits the writer.
  std::printf(
      "  last row written at %.2f s (the caller's thread: %.2f us CPU a row), checkpoint "
      "answered at %.2f s; flushes in flight on average %.2f of %d\n",
      written, caller_cpu / static_cast<double>(rows.size()) * 1e6, total,
      stats.flush_seconds / total, flush_concurrent);
  if (checkpoints > 0) {
    // From the call to every row before it committed: what a sink's checkpoint waits.
    std::printf("  %d checkpoints in the loop, %.1f ms each on average\n", checkpoints,
                checkpoint_secs / checkpoints * 1e3);
  }
  *bytes = stats.bytes_sent;
  return total;
}

// In a child process: writes `rows` over `partitions` partitions, checkpoints, answers peak RSS.
long PeakRssKb(const std::string& endpoint, const std::string& table, int partitions, size_t rows,
               bool file_cached, double* secs) {
  const auto start = Clock::now();
  const pid_t pid = fork();
  if (pid == 0) {
    client::ClientOptions co;
    co.endpoint = endpoint;
    auto c = client::Client::Open(co);
    if (!c.ok()) Die("client", c.status());
    client::WriterOptions o;
    o.file_cached = file_cached;
    o.commit_poll_initial = std::chrono::milliseconds(10);
    auto w = client::UpsertWriter::Open(**c, "bench", table, o);
    if (!w.ok()) Die("open writer", w.status());
    const auto batch = bench::BenchRows(10000, 7);
    for (size_t i = 0; i < rows; ++i) {
      proto::Row row = batch[i % batch.size()];
      row[0] = proto::Value(static_cast<int64_t>(i));
      const std::string ds = "ds=" + std::to_string(i % static_cast<size_t>(partitions));
      if (Status st = (*w)->Write(ds, std::move(row)); !st.ok()) Die("write", st);
    }
    if (Status st = (*w)->Checkpoint(); !st.ok()) Die("checkpoint", st);
    std::_Exit(0);
  }
  int status = 0;
  rusage usage{};
  wait4(pid, &status, 0, &usage);
  *secs = Seconds(start);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return -1;
  return usage.ru_maxrss;
}

}  // namespace

// As deltatunnel-bench-ingest's default.
constexpr int kConnections = 4;

namespace {

struct Config {
  const char* name;
  bool writer;              // false: the plain PUT loop
  const char* compression;  // the writer's
  int in_flight;            // connections of the plain loop, upsert.flush.concurrent of the writer
  size_t checkpoint_every;  // the writer's rows between checkpoints; 0: one at the end
};

// One measurement on a server of its own, with an empty data directory, so that every run starts
// from the same state: on one server, a run ingests beside RocksDB's flushes and compactions of
// the 200 MB the run before it wrote, and the second of any two runs was the slower (the baseline
// repeated right after the writer ran at 0.55 to 1.0 of its first run).
double Measure(const Config& cfg, const std::vector<proto::Row>& rows, bool pinned) {
  testing::ServerProcess server;
  if (pinned) PinProcess(server.pid(), 1);
  auto client = client::Client::Open({"http://127.0.0.1:" + std::to_string(server.port())});
  if (!client.ok()) Die("client", client.status());
  auto& c = **client;
  if (auto r = c.CreateTable("bench", nlohmann::json::parse(TableJson("t", 16, false))); !r.ok()) {
    Die("create table", r.status());
  }
  uint64_t bytes = 0;
  CpuTimes before = Cpu(server);
  const double secs =
      cfg.writer
          ? WriterRun(c, "t", rows, cfg.compression, cfg.in_flight, cfg.checkpoint_every, &bytes)
          : PlainPutLoop(server, c, "t", rows, cfg.in_flight, &bytes, &before);
  const CpuTimes after = Cpu(server);
  Report(cfg.name, rows.size(), bytes, secs);
  ReportCpu(before, after, rows.size());
  return secs;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  // As deltatunnel-bench-ingest's default, whose HTTP ingest is the baseline: 2 M rows, long enough
  // that the writer's first buckets filling and its last streams draining are not most of the run.
  const size_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 2000000;
  const size_t rss_rows = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1000000;
  const int rounds = argc > 3 ? std::atoi(argv[3]) : 3;
  {
    // Peak RSS first: a child forked later would count the parent's rows below as its own.
    testing::ServerProcess server;
    const std::string endpoint = "http://127.0.0.1:" + std::to_string(server.port());
    auto client = client::Client::Open({endpoint});
    if (!client.ok()) Die("client", client.status());
    for (const char* tbl : {"rss_memory", "rss_file"}) {
      auto r = (*client)->CreateTable("bench", nlohmann::json::parse(TableJson(tbl, 16, true)));
      if (!r.ok()) Die("create table", r.status());
    }
    double secs = 0;
    long kb = PeakRssKb(endpoint, "rss_memory", 256, rss_rows, false, &secs);
    std::printf("peak RSS, memory mode, 256 partitions x 16 buckets, %zu rows: %ld MB (%.1f s)\n",
                rss_rows, kb / 1024, secs);
    kb = PeakRssKb(endpoint, "rss_file", 1000, rss_rows, true, &secs);
    std::printf("peak RSS, file-cache mode, 1000 partitions, %zu rows: %ld MB (%.1f s)\n", rss_rows,
                kb / 1024, secs);
  }
  const auto rows = bench::BenchRows(n);
  std::printf(
      "deltatunnel-bench-client: %zu rows of about 100 bytes, 16 buckets, %d rounds, each run on "
      "a server of its own\n",
      n, rounds);
  const Config plain = {"plain HTTP PUTs (1 MiB streams, 4 connections)", false, "", kConnections,
                        0};
  // The same loop from 2 connections, the writer's default number of streams in flight: what the
  // server gives that concurrency, apart from anything the writer does.
  const Config plain2 = {"plain HTTP PUTs, 2 connections", false, "", 2, 0};
  const std::vector<Config> writers = {
      {"UpsertWriter, identity bodies", true, "identity", 2, 0},
      {"UpsertWriter, identity, 4 in flight", true, "identity", kConnections, 0},
      {"UpsertWriter, snappy bodies (the default)", true, "snappy", 2, 0},
      // A checkpoint (flush all, commit) every 100 k rows, ~11 MB: 20 commits a run, as a sink
      // with frequent checkpoints makes; its buckets never fill between them.
      {"UpsertWriter, identity, checkpoint every 100 k rows", true, "identity", 2, 100000}};
  std::vector<std::vector<double>> ratios(writers.size());
  std::vector<double> same_concurrency, plain2_ratio;
  for (int round = 1; round <= rounds; ++round) {
    std::printf("round %d\n", round);
    const double base = static_cast<double>(n) / Measure(plain, rows, false);
    std::vector<double> rates;
    for (size_t i = 0; i < writers.size(); ++i) {
      rates.push_back(static_cast<double>(n) / Measure(writers[i], rows, false));
      ratios[i].push_back(rates.back() / base);
      std::printf("  writer / plain PUTs: %.2f\n", rates.back() / base);
    }
    const double base2 = static_cast<double>(n) / Measure(plain2, rows, false);
    plain2_ratio.push_back(base2 / base);
    same_concurrency.push_back(rates[0] / base2);
    std::printf(
        "  plain PUTs 2 / 4 connections: %.2f; writer (identity, 2 in flight) / plain PUTs "
        "from 2 connections: %.2f\n",
        plain2_ratio.back(), same_concurrency.back());
  }
  auto print_median = [rounds](const char* what, const std::vector<double>& v) {
    std::printf("%-44s median of %d rounds: %.2f (", what, rounds, Median(v));
    for (size_t r = 0; r < v.size(); ++r) std::printf("%s%.2f", r ? ", " : "", v[r]);
    std::printf(")\n");
  };
  for (size_t i = 0; i < writers.size(); ++i) {
    print_median((std::string(writers[i].name) + ", writer / plain PUTs:").c_str(), ratios[i]);
  }
  print_median("plain PUTs, 2 connections / 4 connections:", plain2_ratio);
  print_median("writer, 2 in flight / plain PUTs, 2 connections:", same_concurrency);

  // 5. The baseline and the default writer again with the server on one core and the client on
  // the other, as when the client has a machine of its own: the writer's own cost beside the
  // encoding it has to do, without the two sides taking CPU from each other.
  if (!PinProcess(getpid(), 0)) {
    std::printf("(no second core: the pinned runs are skipped)\n");
    return 0;
  }
  std::vector<double> pinned;
  for (int round = 1; round <= rounds; ++round) {
    const Config p = {"pinned: plain HTTP PUTs, 4 connections", false, "", kConnections, 0};
    const Config w = {"pinned: UpsertWriter, identity bodies", true, "identity", 2, 0};
    const double base = static_cast<double>(n) / Measure(p, rows, true);
    pinned.push_back(static_cast<double>(n) / Measure(w, rows, true) / base);
    std::printf("  writer / plain PUTs, pinned: %.2f\n", pinned.back());
  }
  std::printf("pinned: writer / plain PUTs, median of %d rounds: %.2f\n", rounds, Median(pinned));
  return 0;
}
