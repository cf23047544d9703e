// Out of file descriptors (issue 24, finding 4): the accept loop backs off instead of spinning,
// logs once per interval, serves the connections it has, and accepts again once fds are free.
#include <sys/resource.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <thread>
#include <vector>

#include "api_fixture.h"
#include "overload_support.h"

using namespace deltatunnel::testing;

namespace {

size_t OpenFds(pid_t pid) {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd")) {
    ++n;
  }
  return n;
}

size_t CountOf(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("out of file descriptors, the accept loop backs off and recovers", "[overload]") {
  ServerProcess server;
  auto kept = server.Client();  // opened before the server runs out: it must go on being served
  REQUIRE(kept.Get("/healthz").status == 200);

  // Leave the server a few descriptors more than it has open, then take them with connections.
  // The soft limit only: the hard one stays, so that the test may raise it again.
  rlimit old{};
  REQUIRE(prlimit(server.pid(), RLIMIT_NOFILE, nullptr, &old) == 0);
  const rlimit low{OpenFds(server.pid()) + 4, old.rlim_max};
  REQUIRE(prlimit(server.pid(), RLIMIT_NOFILE, &low, nullptr) == 0);
  std::vector<std::unique_ptr<RawConnection>> flood;
  for (int i = 0; i < 16; ++i) flood.push_back(std::make_unique<RawConnection>(server.port()));

  // The backlog now holds connections the server cannot accept. Measure its CPU meanwhile.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const double cpu_before = ProcCpuSeconds(server.pid());
  std::this_thread::sleep_for(std::chrono::seconds(2));
  const double cpu = ProcCpuSeconds(server.pid()) - cpu_before;
  INFO("CPU over 2 s: " << cpu << " s");
  CHECK(cpu < 0.5);
  CHECK(kept.Get("/healthz").status == 200);
  const std::string log = server.Log();
  INFO(log.substr(0, 2000));
  CHECK(CountOf(log, "accept failed") >= 1);
  CHECK(CountOf(log, "accept failed") <= 3);

  // Closing the connections frees the descriptors: new clients are served again.
  flood.clear();
  REQUIRE(prlimit(server.pid(), RLIMIT_NOFILE, &old, nullptr) == 0);
  int status = 0;
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (status != 200 && std::chrono::steady_clock::now() < end) {
    try {
      auto fresh = server.Client();
      status = fresh.Get("/healthz").status;
    } catch (const std::exception&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  CHECK(status == 200);
}
