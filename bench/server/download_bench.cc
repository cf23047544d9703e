// deltatunnel-bench-download: issue 22's download figure, in one run on one machine.
//
// Loads N rows of about 100 bytes (bench_rows.h) into a 16-bucket table through a Tunnel upsert
// session, then reads the whole table, alternately, through
//   1. the native read, GET /api/v1/.../data (NDJSON), the baseline, and
//   2. a Tunnel table download session: POST ?downloads (which counts the snapshot's rows), then
//      GET ?data&rowrange=(0,N), a raw record stream; optionally compressed (--encoding). The
//      first open scans the snapshot to count it; later ones reuse the count.
// Each read is a fresh connection whose body is counted and dropped as it arrives; the best of
// --runs runs of each is printed with the ratio of (2) to (1).
//
// Usage: deltatunnel-bench-download [--rows N] [--runs R] [--encoding E] [--server PATH]
#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "../common/bench_rows.h"
#include "deltatunnel/proto/record_stream.h"
#include "server_process.h"

namespace dt = deltatunnel;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kBuckets = 16;
constexpr size_t kPutBytes = 1 << 20;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

[[noreturn]] void Fail(const std::string& what) {
  fmt::print(stderr, "{}\n", what);
  std::exit(1);
}

// A GET whose chunked answer is read and dropped as it arrives (a whole table does not fit in the
// test client's memory): answers the body's bytes and how many '\n' it held.
struct Drained {
  uint64_t bytes = 0;
  uint64_t newlines = 0;
};

Drained DrainGet(uint16_t port, const std::string& target, const std::string& headers = "") {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) Fail("connect failed");
  const std::string req =
      fmt::format("GET {} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n{}Connection: close\r\n\r\n", target,
                  port, headers);
  if (write(fd, req.data(), req.size()) != static_cast<ssize_t>(req.size())) Fail("write failed");
  std::string buf;
  std::vector<char> block(1 << 20);
  auto fill = [&]() {
    const ssize_t n = read(fd, block.data(), block.size());
    if (n <= 0) return false;
    buf.append(block.data(), static_cast<size_t>(n));
    return true;
  };
  size_t head_end;
  while ((head_end = buf.find("\r\n\r\n")) == std::string::npos) {
    if (!fill()) Fail("no answer head");
  }
  if (buf.compare(0, 12, "HTTP/1.1 200") != 0) Fail("answer: " + buf.substr(0, 400));
  size_t pos = head_end + 4;
  Drained d;
  for (;;) {
    size_t eol;
    while ((eol = buf.find("\r\n", pos)) == std::string::npos) {
      if (!fill()) Fail("the chunked body was cut");
    }
    const uint64_t size = std::stoull(buf.substr(pos, eol - pos), nullptr, 16);
    if (size == 0) break;
    pos = eol + 2;
    uint64_t left = size;
    while (left > 0) {
      if (pos >= buf.size()) {
        buf.clear();
        pos = 0;
        if (!fill()) Fail("the chunked body was cut");
      }
      const size_t take = std::min<uint64_t>(left, buf.size() - pos);
      d.newlines +=
          static_cast<uint64_t>(std::count(buf.data() + pos, buf.data() + pos + take, '\n'));
      pos += take;
      left -= take;
    }
    d.bytes += size;
    while (buf.size() < pos + 2) {
      if (!fill()) Fail("the chunked body was cut");
    }
    pos += 2;  // the chunk's CRLF
    if (pos > (1 << 20)) {
      buf.erase(0, pos);
      pos = 0;
    }
  }
  close(fd);
  return d;
}

void PrintRead(const char* name, uint64_t rows, const Drained& d, double s,
               const std::string& extra = "") {
  fmt::print("{:<44} {:>10.0f} rows/s {:>8.1f} MB/s  ({} rows, {} bytes in {:.3f} s){}\n", name,
             rows / s, d.bytes / s / 1e6, rows, d.bytes, s, extra);
}

}  // namespace

int main(int argc, char** argv) {
  size_t n = 1'000'000;
  int runs = 2;
  std::string encoding;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--rows") n = std::stoull(argv[i + 1]);
    if (flag == "--runs") runs = std::stoi(argv[i + 1]);
    if (flag == "--encoding") encoding = argv[i + 1];
    if (flag == "--server") setenv("DT_SERVER_BINARY", argv[i + 1], 1);
  }

  dt::testing::ServerOptions options;
  options.test_hooks = false;
  dt::testing::ServerProcess server(options);
  auto admin = server.Client();
  auto created =
      admin.Send("POST", "/api/v1/projects/bench/tables", dt::bench::BenchTableJson("t", kBuckets));
  if (created.status != 201) Fail("create table: " + created.body);

  // The load: record streams of about 1 MiB into one upsert session, then one commit.
  const auto schema = dt::bench::BenchSchema();
  const std::string upserts = "/projects/bench/tables/t/upserts";
  const std::string id = admin.Post(upserts + "?slotnum=16").Json()["id"];
  dt::proto::RecordStreamWriter writer(schema);
  auto load_start = Clock::now();
  size_t puts = 0;
  auto put = [&] {
    const uint64_t records = writer.records();
    auto r = admin.Send("PUT",
                        fmt::format("{}?upsertid={}&bucketid={}&slotid=0&record_count={}", upserts,
                                    id, puts++ % kBuckets, records),
                        writer.Finish());
    if (r.status != 200) Fail("PUT: " + r.body);
  };
  for (size_t done = 0; done < n;) {
    const size_t batch = std::min<size_t>(10000, n - done);
    for (auto& row : dt::bench::BenchRows(batch, 42 + done)) {
      if (!writer.Write(std::move(row), dt::proto::RowOp::kUpsert).ok()) Fail("encode");
      if (writer.bytes() >= kPutBytes) put();
    }
    done += batch;
  }
  if (writer.records() > 0) put();
  if (admin.Post(upserts + "?upsertid=" + id).status != 200) Fail("commit");
  fmt::print("loaded {} rows in {:.1f} s ({} PUTs)\n\n", n, Seconds(load_start), puts);

  double best_native = 1e100, best_tunnel = 1e100, first_open = 0;
  Drained native_d, tunnel_d;
  for (int run = 0; run < runs; ++run) {
    auto start = Clock::now();
    native_d = DrainGet(server.port(), "/api/v1/projects/bench/tables/t/data");
    const double native_s = Seconds(start);
    if (native_d.newlines != n) Fail(fmt::format("native read: {} rows", native_d.newlines));
    best_native = std::min(best_native, native_s);
    PrintRead("native GET /api/v1/.../data (NDJSON)", n, native_d, native_s);

    start = Clock::now();
    auto session = admin.Post("/projects/bench/tables/t?downloads");
    const double open_s = Seconds(start);
    if (session.status != 200) Fail("download session: " + session.body);
    const auto json = session.Json();
    if (json["RecordCount"] != n) Fail("RecordCount " + json["RecordCount"].dump());
    const std::string download_id = json["DownloadID"];
    start = Clock::now();
    tunnel_d = DrainGet(
        server.port(),
        fmt::format("/projects/bench/tables/t?data&downloadid={}&rowrange=(0,{})", download_id, n),
        encoding.empty() ? "" : "Accept-Encoding: " + encoding + "\r\n");
    const double tunnel_s = Seconds(start);
    if (run == 0) first_open = open_s;  // later opens of the same snapshot reuse its count
    best_tunnel = std::min(best_tunnel, tunnel_s);
    PrintRead(encoding.empty() ? "Tunnel download GET ?data (record stream)"
                               : "Tunnel download GET ?data (compressed)",
              n, tunnel_d, tunnel_s, fmt::format("  + {:.3f} s to open the session", open_s));
  }
  fmt::print(
      "\nbest of {}: native {:.0f} rows/s, Tunnel download {:.0f} rows/s: {:.2f}x of the native "
      "read ({:.2f}x counting the first open of the session, {:.3f} s, which counts the "
      "snapshot's rows)\n",
      runs, n / best_native, n / best_tunnel, best_native / best_tunnel,
      best_native / (best_tunnel + first_open), first_open);
  return 0;
}
