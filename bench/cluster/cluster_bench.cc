// deltatunnel-bench-cluster: issue 23's figures for a node on etcd and object storage, each beside
// the service it stands on, measured in the same run through the same clients:
//
//   1. the object store alone: the ingest's bytes PUT as ~1 MiB objects through the engine's own
//      S3 client (S3Objects), from C threads (the baseline);
//   2. ingest through the node: the same rows as ~1 MiB Tunnel record streams, each of one bucket
//      as the SDKs send them, from C connections into one session, then its commit; its rate
//      against (1);
//   3. key lookups through the node, each key the first time (its chunk from the object store)
//      and again (from the node's chunk cache), beside a range GET of the store alone
//      (--range bytes, 65536; a chunk is about 64 KiB);
//   4. commits: sessions of 100 rows (create, PUT, commit), the commit's latency p50/p99, beside
//      etcd's own for one small transaction (the etcd client alone); commit answered -> visible on
//      the node (a read right after the answer).
//
// The node and the services are running already (scripts/bench-cluster.sh starts them with
// scripts/cluster.sh and passes their addresses):
//   deltatunnel-bench-cluster --node HOST:PORT --etcd URL --s3 URL --access-key K --secret-key S
//                             [--bucket deltatunnel] [--rows N] [--connections C] [--commits N]
//                             [--lookups N] [--range BYTES]
#include <fmt/format.h>

#include <atomic>
#include <cstdlib>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "../common/bench_parallel.h"
#include "../common/bench_rows.h"
#include "../common/bench_timing.h"
#include "deltatunnel/proto/bucket_hash.h"
#include "deltatunnel/proto/record_stream.h"
#include "http_client.h"
#include "store/cluster/etcd_client.h"
#include "store/cluster/s3_objects.h"

namespace dt = deltatunnel;
namespace cl = deltatunnel::storage::cluster;
using dt::bench::Clock;
using dt::bench::Percentile;
using dt::bench::Seconds;

using deltatunnel::bench::Parallel;

namespace {

constexpr int kBuckets = 16;
constexpr size_t kPutBytes = 1 << 20;

[[noreturn]] void Die(const std::string& what) {
  fmt::print(stderr, "{}\n", what);
  std::exit(1);
}

// One line of p50 / p99 milliseconds.
void PrintLatency(const std::string& what, const std::vector<double>& ms) {
  fmt::print("{:<40} p50 {:6.1f} ms  p99 {:6.1f} ms\n", what, Percentile(ms, 0.5),
             Percentile(ms, 0.99));
}

dt::testing::HttpClient NodeClient(const std::string& node) {
  const size_t colon = node.rfind(':');
  return dt::testing::HttpClient(node.substr(0, colon),
                                 static_cast<uint16_t>(std::stoi(node.substr(colon + 1))));
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> flags = {{"--bucket", "deltatunnel"}, {"--rows", "500000"},
                                              {"--connections", "4"},      {"--commits", "200"},
                                              {"--lookups", "200"},        {"--range", "65536"}};
  for (int i = 1; i + 1 < argc; i += 2) flags[argv[i]] = argv[i + 1];
  for (const char* required : {"--node", "--etcd", "--s3", "--access-key", "--secret-key"}) {
    if (flags[required].empty())
      Die(fmt::format("{} is required (see the file's comment)", required));
  }
  const size_t n = std::stoull(flags["--rows"]);
  const int connections = std::stoi(flags["--connections"]);
  const int commits = std::stoi(flags["--commits"]);
  const int lookups = std::stoi(flags["--lookups"]);

  const auto rows = dt::bench::BenchRows(n);
  const auto schema = dt::bench::BenchSchema();
  // As Tunnel clients send them: each record stream holds rows of one bucket (its bucketid), so
  // each PUT makes one run, one object.
  std::vector<dt::proto::RecordStreamWriter> writers(kBuckets,
                                                     dt::proto::RecordStreamWriter(schema));
  std::vector<std::string> streams;
  std::vector<size_t> stream_rows;
  std::vector<uint32_t> stream_bucket;
  auto flush = [&](uint32_t b) {
    stream_rows.push_back(writers[b].records());
    stream_bucket.push_back(b);
    streams.push_back(writers[b].Finish());
  };
  for (const auto& row : rows) {
    const uint32_t b = dt::proto::BucketOf(dt::proto::Hasher::kDefault, schema, row, kBuckets);
    if (!writers[b].Write(row, dt::proto::RowOp::kUpsert).ok()) Die("encode");
    if (writers[b].bytes() >= kPutBytes) flush(b);
  }
  for (uint32_t b = 0; b < kBuckets; ++b) {
    if (writers[b].records() > 0) flush(b);
  }
  uint64_t bytes = 0;
  for (const auto& s : streams) bytes += s.size();
  fmt::print("{} rows in {} record streams, {:.1f} MB; {} connections\n\n", n, streams.size(),
             bytes / 1e6, connections);

  // 1. The object store alone.
  cl::S3Options so;
  so.endpoint = flags["--s3"];
  so.bucket = flags["--bucket"];
  so.credentials = {flags["--access-key"], flags["--secret-key"]};
  auto s3 = cl::S3Objects::Open(so);
  if (!s3.ok()) Die(s3.status().ToString());
  auto start = Clock::now();
  Parallel(connections, streams.size(), [&](int, size_t i) {
    dt::Status st = (*s3)->Put(fmt::format("bench-baseline/{:06}", i), streams[i]);
    if (!st.ok()) Die(st.ToString());
  });
  const double s3_seconds = Seconds(start, Clock::now());
  const double s3_mb = bytes / s3_seconds / 1e6;
  fmt::print("{:<40} {:>8.1f} MB/s  ({} objects in {:.2f} s)\n", "object store alone (PUT)", s3_mb,
             streams.size(), s3_seconds);
  for (size_t i = 0; i < streams.size(); ++i) {
    (void)(*s3)->Delete(fmt::format("bench-baseline/{:06}", i));
  }

  // 2. Ingest through the node.
  auto admin = NodeClient(flags["--node"]);
  const std::string table = fmt::format("ingest{}", std::time(nullptr));
  auto created = admin.Send("POST", "/api/v1/projects/bench/tables",
                            dt::bench::BenchTableJson(table.c_str(), kBuckets));
  if (created.status != 201) Die("create table: " + created.body);
  const std::string upserts = "/projects/bench/tables/" + table + "/upserts";
  const std::string id = admin.Post(upserts + "?slotnum=16").Json()["id"];
  std::vector<dt::testing::HttpClient> clients;
  for (int c = 0; c < connections; ++c) clients.push_back(NodeClient(flags["--node"]));
  start = Clock::now();
  Parallel(connections, streams.size(), [&](int t, size_t i) {
    auto r = clients[t].Send("PUT",
                             fmt::format("{}?upsertid={}&bucketid={}&slotid=0&record_count={}",
                                         upserts, id, stream_bucket[i], stream_rows[i]),
                             streams[i]);
    if (r.status != 200) Die(fmt::format("PUT: {} {}", r.status, r.body));
  });
  auto commit = admin.Post(upserts + "?upsertid=" + id);
  if (commit.status != 200) Die("commit: " + commit.body);
  const double node_seconds = Seconds(start, Clock::now());
  fmt::print("{:<40} {:>8.1f} MB/s  {:>9.0f} rows/s  ({:.2f} s)  {:.2f}x of the object store\n",
             "ingest through the node (PUT + commit)", bytes / node_seconds / 1e6, n / node_seconds,
             node_seconds, s3_seconds / node_seconds);

  // 3. Key lookups through the node, before the small commits below start compactions: each key
  // the first time (its chunk read from the object store) and again (from the node's chunk
  // cache), beside a range GET alone.
  const std::string probe = "bench-baseline/range";
  if (dt::Status st = (*s3)->Put(probe, streams[0]); !st.ok()) Die(st.ToString());
  const uint64_t range = std::min<uint64_t>(std::stoull(flags["--range"]), streams[0].size());
  std::vector<double> range_ms;
  for (int i = 0; i < lookups; ++i) {
    const uint64_t offset = (static_cast<uint64_t>(i) * 7919) % (streams[0].size() - range + 1);
    const auto t0 = Clock::now();
    auto got = (*s3)->Read(probe, offset, range);
    if (!got.ok()) Die(got.status().ToString());
    range_ms.push_back(Seconds(t0, Clock::now()) * 1e3);
  }
  (void)(*s3)->Delete(probe);
  const std::string lookup_path = "/api/v1/projects/bench/tables/" + table + "/lookup";
  auto lookup = [&](size_t i) {
    const auto t0 = Clock::now();
    auto r = admin.Send("POST", lookup_path,
                        fmt::format(R"({{"keys": [{{"k": {}}}]}})", rows[i][0].as_int()));
    if (r.status != 200) Die("lookup: " + r.body);
    return Seconds(t0, Clock::now()) * 1e3;
  };
  std::vector<double> first_ms, again_ms;
  const size_t step = std::max<size_t>(1, n / static_cast<size_t>(lookups));
  for (int i = 0; i < lookups; ++i) first_ms.push_back(lookup(i * step % n));
  for (int i = 0; i < lookups; ++i) again_ms.push_back(lookup(i * step % n));
  PrintLatency(fmt::format("object store alone: {} B range GET", range), range_ms);
  PrintLatency("lookup of a key, first time", first_ms);
  PrintLatency("the same key again (chunk cache)", again_ms);

  // 4. Commits of small sessions, beside one etcd transaction alone.
  cl::EtcdOptions eo;
  eo.endpoints = {flags["--etcd"]};
  auto etcd = cl::EtcdClient::Connect(eo);
  if (!etcd.ok()) Die(etcd.status().ToString());
  std::vector<double> etcd_ms;
  for (int i = 0; i < commits; ++i) {
    const auto t0 = Clock::now();
    auto txn = (*etcd)->Txn({}, {cl::Op::Put("bench-baseline/txn", std::to_string(i))});
    if (!txn.ok()) Die(txn.status().ToString());
    etcd_ms.push_back(Seconds(t0, Clock::now()) * 1e3);
  }
  (void)(*etcd)->Delete("bench-baseline/txn");

  dt::proto::RecordStreamWriter small(schema);
  for (size_t i = 0; i < std::min<size_t>(100, n); ++i) {
    if (!small.Write(rows[i], dt::proto::RowOp::kUpsert).ok()) Die("encode");
  }
  const std::string small_stream = small.Finish();
  std::vector<double> commit_ms, session_ms;
  int visible = 0;
  for (int i = 0; i < commits; ++i) {
    const auto t0 = Clock::now();
    const std::string sid = admin.Post(upserts + "?slotnum=1").Json()["id"];
    auto put =
        admin.Send("PUT", fmt::format("{}?upsertid={}&bucketid=0&record_count=100", upserts, sid),
                   small_stream);
    if (put.status != 200) Die("PUT: " + put.body);
    const auto t1 = Clock::now();
    auto done = admin.Post(upserts + "?upsertid=" + sid);
    if (done.status != 200) Die("commit: " + done.body);
    const auto t2 = Clock::now();
    commit_ms.push_back(Seconds(t1, t2) * 1e3);
    session_ms.push_back(Seconds(t0, t2) * 1e3);
    auto read = admin.Get("/api/v1/projects/bench/tables/" + table + "/data?limit=1");
    visible += read.Header("x-deltatunnel-version") ==
               std::to_string(done.Json()["commit_version"].get<uint64_t>());
  }
  PrintLatency("one etcd transaction alone", etcd_ms);
  PrintLatency("commit of a 100-row session", commit_ms);
  PrintLatency("session: create + PUT + commit", session_ms);
  fmt::print("commit answered -> visible on the node: {} of {} at the first read\n", visible,
             commits);

  return 0;
}
