// Isolation between projects and bounded work (issue 24, findings 6 and 7): one project's slow
// requests hold at most limits.project_requests_in_flight workers; a lookup names a bounded number
// of keys.
#include <chrono>
#include <thread>
#include <vector>

#include "api_fixture.h"

using namespace deltatunnel::testing;

TEST_CASE("one project's slow requests leave workers to the others", "[overload]") {
  ServerOptions options;
  options.config_toml = "worker_threads = 4\n";
  ServerProcess server(options);
  auto c = server.Client();
  CreateTable(c, "hog", KvTableJson("t"));
  CreateTable(c, "calm", KvTableJson("t"));
  const std::string upserts = "/projects/hog/tables/t/upserts";
  auto session = c.Send("POST", upserts + "?slotnum=1");
  REQUIRE(session.status == 200);
  const std::string id = session.Json()["id"];

  // Six writes that each hold a worker for 4 s (the test hook), more than the workers there are.
  std::vector<std::thread> hogs;
  std::vector<int> codes(6, 0);
  for (int i = 0; i < 6; ++i) {
    hogs.emplace_back([&, i] {
      auto h = server.Client();
      codes[i] = h.Send("PUT", upserts + "?upsertid=" + id + "&bucketid=0", KvStream({{i, "x"}}),
                        {{"x-deltatunnel-test-hold-ms", "4000"}})
                     .status;
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const auto start = std::chrono::steady_clock::now();
  auto describe = c.Get("/api/v1/projects/calm/tables/t");
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(describe.status == 200);
  INFO("describe took " << seconds << " s");
  CHECK(seconds < 2);
  for (auto& t : hogs) t.join();
  for (int code : codes) CHECK(code == 200);  // the hog's requests waited, none was lost
}

TEST_CASE("a lookup names at most limits.max_lookup_keys keys", "[overload]") {
  ServerOptions options;
  options.config_toml = "[limits]\nmax_lookup_keys = 1000\n";
  ServerProcess server(options);
  auto c = server.Client();
  CreateTable(c, "p", KvTableJson("t"));
  auto keys = [](int n) {
    std::string body = R"({"keys": [)";
    for (int i = 0; i < n; ++i) body += fmt::format("{}{{\"k\": {}}}", i ? "," : "", i);
    return body + "]}";
  };
  const std::string lookup = "/api/v1/projects/p/tables/t/lookup";
  auto ok = c.Send("POST", lookup, keys(1000), {{"Content-Type", "application/json"}});
  INFO(ok.body);
  CHECK(ok.status == 200);
  auto big = c.Send("POST", lookup, keys(1001), {{"Content-Type", "application/json"}});
  INFO(big.body);
  CHECK(big.status == 413);
  CHECK(big.Json()["Code"] == "RequestTooLarge");
}
