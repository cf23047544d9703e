// deltatunnel-bench-client [rows] [rss_rows]: prints
//   1. a plain HTTP PUT loop: the rows pre-encoded as 1 MiB record streams, PUT one after the other
//      into one session, then committed (the HTTP ingest the writer should approach);
//   2. the UpsertWriter with the same rows (encoding included), identity and snappy bodies;
//   3. the writer's peak RSS with 256 partitions x 16 buckets (memory mode) and with 1000
//      partitions (file-cache mode), each measured in a child process of its own.
// Build in Release (see bench/CMakeLists.txt); the server is started here on a free port.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

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

void Report(const char* what, size_t rows, uint64_t bytes, double secs) {
  std::printf("%-44s %9zu rows  %7.2f s  %9.0f rows/s  %7.1f MB/s\n", what, rows, secs,
              static_cast<double>(rows) / secs, static_cast<double>(bytes) / 1e6 / secs);
}

// The plain loop: streams built first (not timed), then PUT and commit (timed).
double PlainPutLoop(testing::ServerProcess& server, client::Client& c,
                    const std::vector<proto::Row>& rows, uint64_t* bytes) {
  auto session = client::UpsertSession::Create(c, "bench", "plain", {"", 1, 1});
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
  testing::HttpClient http = server.Client();
  const auto start = Clock::now();
  *bytes = 0;
  for (auto& body : bodies) {
    *bytes += body.data.size();
    const std::string target = "/projects/bench/tables/plain/upserts?upsertid=" + s.id() +
                               "&bucketid=" + std::to_string(body.bucket) +
                               "&slotid=0&record_count=" + std::to_string(body.records);
    auto res = http.Send("PUT", target, std::move(body.data));
    if (res.status != 200) Die("PUT", Internal(res.body));
  }
  client::CommitOptions co;
  co.poll_initial = std::chrono::milliseconds(10);
  if (Status st = s.Commit(co); !st.ok()) Die("commit", st);
  return Seconds(start);
}

double WriterRun(client::Client& c, const std::string& table, const std::vector<proto::Row>& rows,
                 const std::string& compression, uint64_t* bytes) {
  client::WriterOptions o;
  o.compress_algorithm = compression;
  o.commit_poll_initial = std::chrono::milliseconds(10);
  auto w = client::UpsertWriter::Open(c, "bench", table, o);
  if (!w.ok()) Die("open writer", w.status());
  const auto start = Clock::now();
  for (const auto& row : rows) {
    if (Status st = (*w)->Write("", row); !st.ok()) Die("write", st);
  }
  if (Status st = (*w)->Checkpoint(); !st.ok()) Die("checkpoint", st);
  *bytes = (*w)->stats().bytes_sent;
  return Seconds(start);
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

int main(int argc, char** argv) {
  const size_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 500000;
  const size_t rss_rows = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1000000;
  testing::ServerProcess server;
  const std::string endpoint = "http://127.0.0.1:" + std::to_string(server.port());
  auto client = client::Client::Open({endpoint});
  if (!client.ok()) Die("client", client.status());
  auto& c = **client;
  for (const char* t : {"plain", "writer", "writer_snappy"}) {
    if (auto r = c.CreateTable("bench", nlohmann::json::parse(TableJson(t, 16, false))); !r.ok()) {
      Die("create table", r.status());
    }
  }
  // Peak RSS first: a child forked later would count the parent's rows below as its own.
  for (const char* tbl : {"rss_memory", "rss_file"}) {
    if (auto r = c.CreateTable("bench", nlohmann::json::parse(TableJson(tbl, 16, true))); !r.ok()) {
      Die("create table", r.status());
    }
  }
  double secs = 0;
  long kb = PeakRssKb(endpoint, "rss_memory", 256, rss_rows, false, &secs);
  std::printf("peak RSS, memory mode, 256 partitions x 16 buckets, %zu rows: %ld MB (%.1f s)\n",
              rss_rows, kb / 1024, secs);
  kb = PeakRssKb(endpoint, "rss_file", 1000, rss_rows, true, &secs);
  std::printf("peak RSS, file-cache mode, 1000 partitions, %zu rows: %ld MB (%.1f s)\n", rss_rows,
              kb / 1024, secs);
  const auto rows = bench::BenchRows(n);
  std::printf("deltatunnel-bench-client: %zu rows of about 100 bytes, 16 buckets, one server\n", n);
  uint64_t bytes = 0;
  double t = PlainPutLoop(server, c, rows, &bytes);
  Report("plain HTTP PUT loop (1 MiB streams), commit", n, bytes, t);
  const double plain_rate = static_cast<double>(n) / t;
  t = WriterRun(c, "writer", rows, "identity", &bytes);
  Report("UpsertWriter, identity bodies", n, bytes, t);
  std::printf("  writer / plain loop: %.2f\n", static_cast<double>(n) / t / plain_rate);
  t = WriterRun(c, "writer_snappy", rows, "snappy", &bytes);
  Report("UpsertWriter, snappy bodies (the default)", n, bytes, t);

  return 0;
}
