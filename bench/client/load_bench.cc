// deltatunnel-bench-load: issue 25's figure for the tool's load. A file of about 100 MB (NDJSON,
// then CSV; rows of bench_rows.h, keys unique) loaded by `deltatunnel load` (one upsert session,
// chunks of 8 MB PUT one after the other, one commit) beside the server's own load of the same
// bytes by a plain HTTP client (one POST .../load of the whole file: the server parses and commits
// it in one request), into a server of its own per format, each way twice, alternating, each into
// a table of its own. Prints MB/s of each and the tool's over the plain load's (target >= 0.8).
//
// Usage: deltatunnel-bench-load [--mb N] [--tool PATH]   (the server: $DT_SERVER_BINARY or this
// build's)
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "bench_rows.h"
#include "server_process.h"

using namespace deltatunnel;
using Clock = std::chrono::steady_clock;

namespace {

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

// About `bytes` of rows in `format`, keys 0, 1, 2, ...
std::string MakeFile(const std::string& format, uint64_t bytes) {
  std::string out;
  out.reserve(bytes + 4096);
  if (format == "csv") out += "k,a,b,s\n";
  std::mt19937_64 rng(42);
  for (int64_t k = 0; out.size() < bytes; ++k) {
    auto rows = bench::BenchRows(1, rng());
    const auto& r = rows[0];
    if (format == "csv") {
      out += std::to_string(k) + "," + std::to_string(r[1].as_int()) + "," +
             std::to_string(r[2].as_double()) + "," + r[3].as_string() + "\n";
    } else {
      out += "{\"k\":" + std::to_string(k) + ",\"a\":" + std::to_string(r[1].as_int()) +
             ",\"b\":" + std::to_string(r[2].as_double()) + ",\"s\":\"" + r[3].as_string() +
             "\"}\n";
    }
  }
  return out;
}

void Create(testing::HttpClient& c, const std::string& name) {
  auto r = c.Send("POST", "/api/v1/projects/bench/tables", bench::BenchTableJson(name.c_str(), 16));
  if (r.status != 201) {
    std::fprintf(stderr, "create %s: %d %s\n", name.c_str(), r.status, r.body.c_str());
    std::exit(1);
  }
}

double PlainLoad(testing::HttpClient& c, const std::string& table, const std::string& format,
                 const std::string& body) {
  const auto t0 = Clock::now();
  auto r = c.Send("POST", "/api/v1/projects/bench/tables/" + table + "/load", body,
                  {{"Content-Type", format == "csv" ? "text/csv" : "application/x-ndjson"}});
  const double s = Seconds(t0);
  if (r.status != 200) {
    std::fprintf(stderr, "load: %d %s\n", r.status, r.body.substr(0, 300).c_str());
    std::exit(1);
  }
  return static_cast<double>(body.size()) / 1e6 / s;
}

double ToolLoad(const std::string& tool, const testing::ServerProcess& server,
                const std::string& table, const std::string& format, const std::string& file,
                uint64_t bytes) {
  const std::string cmd = tool + " --endpoint http://127.0.0.1:" + std::to_string(server.port()) +
                          " load --project bench --table " + table + " --format " + format +
                          " --quiet " + file;
  const auto t0 = Clock::now();
  const int rc = std::system(cmd.c_str());
  const double s = Seconds(t0);
  if (!WIFEXITED(rc) || WEXITSTATUS(rc) != 0) {
    std::fprintf(stderr, "%s: exit %d\n", cmd.c_str(), rc);
    std::exit(1);
  }
  return static_cast<double>(bytes) / 1e6 / s;
}

uint64_t Rows(testing::HttpClient& c, const std::string& table) {
  auto r = c.Get("/api/v1/projects/bench/tables/" + table);
  return r.Json()["rows"].get<uint64_t>();
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t mb = 100;
  std::string tool = DT_TOOL_BINARY;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--mb") == 0 && i + 1 < argc) mb = std::strtoull(argv[++i], 0, 10);
    if (std::strcmp(argv[i], "--tool") == 0 && i + 1 < argc) tool = argv[++i];
  }
  const std::string dir = std::filesystem::temp_directory_path() / "dt-bench-load";
  std::filesystem::create_directories(dir);
  std::printf(
      "deltatunnel load benchmark: a %llu MB file, `deltatunnel load` (one session, 8 MB chunks "
      "one after the other, one commit)\nbeside one plain POST .../load of the same bytes; each "
      "twice, alternating, a table each\n\n",
      static_cast<unsigned long long>(mb));
  for (const std::string format : {"ndjson", "csv"}) {
    const std::string body = MakeFile(format, mb << 20);
    const std::string file = dir + "/rows." + format;
    std::ofstream(file, std::ios::binary)
        .write(body.data(), static_cast<std::streamsize>(body.size()));
    testing::ServerOptions options;
    options.test_hooks = false;
    testing::ServerProcess server(options);
    auto c = server.Client();
    double plain_sum = 0, tool_sum = 0;
    for (int round = 0; round < 2; ++round) {
      const std::string p = "plain_" + std::to_string(round), t = "tool_" + std::to_string(round);
      Create(c, p);
      Create(c, t);
      const double plain = PlainLoad(c, p, format, body);
      const double by_tool = ToolLoad(tool, server, t, format, file, body.size());
      if (Rows(c, p) != Rows(c, t)) {
        std::fprintf(stderr, "row counts differ: %llu vs %llu\n",
                     static_cast<unsigned long long>(Rows(c, p)),
                     static_cast<unsigned long long>(Rows(c, t)));
        return 1;
      }
      std::printf("%-6s round %d: plain POST %6.1f MB/s   deltatunnel load %6.1f MB/s   = %.2f\n",
                  format.c_str(), round + 1, plain, by_tool, by_tool / plain);
      plain_sum += plain;
      tool_sum += by_tool;
    }
    std::printf(
        "%-6s mean:    plain POST %6.1f MB/s   deltatunnel load %6.1f MB/s   = %.2f of it "
        "(%.1f MB, %llu rows)\n\n",
        format.c_str(), plain_sum / 2, tool_sum / 2, tool_sum / plain_sum,
        static_cast<double>(body.size()) / 1e6,
        static_cast<unsigned long long>(Rows(c, "plain_0")));
    std::filesystem::remove(file);
  }
  std::filesystem::remove_all(dir);
  return 0;
}
