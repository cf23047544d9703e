// The compactor's scheduling (compaction_queue.h) with a fake compaction: fair turns across tables,
// one worker per partition at a time, deduplication of requests, the list and the stats. Pure C++
// (no RocksDB), so it also runs under ThreadSanitizer in CI.
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include "../../storage/src/compaction_queue.h"
#include "test_util.h"

using namespace dt_test;

namespace {

// Records the order partitions were compacted in, and whether two ever overlapped.
struct FakeCompactor {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::string> order;  // "table/partition"
  std::set<std::string> running;
  bool overlap = false;
  bool hold = false;  // workers wait while set
  std::atomic<int> calls{0};

  CompactionQueue::RunFn Fn() {
    return [this](uint64_t table, const std::string& p, CompactionCounts* c) {
      const std::string name = std::to_string(table) + "/" + p;
      {
        std::unique_lock lock(mu);
        overlap |= !running.insert(name).second;
        order.push_back(name);
        cv.wait(lock, [&] { return !hold; });
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      c->input_rows = 10;
      c->output_rows = 4;
      ++calls;
      std::lock_guard lock(mu);
      running.erase(name);
      return p == "fail" ? Status(ErrorCode::kInternalServerError, "boom") : Status::Ok();
    };
  }
  void Release() {
    std::lock_guard lock(mu);
    hold = false;
    cv.notify_all();
  }
};

std::function<std::string()> Ids() {
  auto n = std::make_shared<std::atomic<int>>(0);
  return [n] { return "c" + std::to_string(++*n); };
}

}  // namespace

TEST_CASE("compaction queue: tables take turns; a backlog cannot starve another table",
          "[storage][compaction][queue]") {
  FakeCompactor fake;
  fake.hold = true;
  CompactionQueue q(
      1, 0, fake.Fn(), [] { return int64_t{1}; }, Ids());
  // Table 1 queues ten partitions before table 2 queues one: table 2's comes second.
  for (int i = 0; i < 10; ++i) {
    q.Enqueue(1, "p", "t1", "ds=" + std::to_string(i), {"ds=" + std::to_string(i)}, true);
  }
  q.Enqueue(2, "p", "t2", "ds=x", {"ds=x"}, true);
  fake.Release();
  q.WaitIdle();
  REQUIRE(fake.order.size() == 11);
  // The first was taken before table 2 queued, or table 2 went right after it.
  const auto it = std::find(fake.order.begin(), fake.order.end(), "2/ds=x");
  REQUIRE(it != fake.order.end());
  CHECK(it - fake.order.begin() <= 2);
  CHECK(q.Stats().done == 11);
  CHECK(q.Stats().input_rows == 110);
}

TEST_CASE("compaction queue: one worker per partition; requests deduplicated",
          "[storage][compaction][queue]") {
  FakeCompactor fake;
  fake.hold = true;
  CompactionQueue q(
      4, 0, fake.Fn(), [] { return int64_t{1}; }, Ids());
  const CompactionInfo a = q.Enqueue(1, "p", "t", "ds=a", {"ds=a"}, false);
  // Wait until it runs, then ask again: the running one answers a request, and an automatic
  // trigger queues one more pass (the running one fixed its version already).
  for (;;) {
    std::lock_guard lock(fake.mu);
    if (!fake.order.empty()) break;
  }
  CHECK(q.Enqueue(1, "p", "t", "ds=a", {"ds=a"}, false).id == a.id);
  const CompactionInfo again = q.Enqueue(1, "p", "t", "ds=a", {"ds=a"}, true);
  CHECK(again.id != a.id);
  CHECK(again.state == "queued");
  CHECK(q.Enqueue(1, "p", "t", "ds=a", {"ds=a"}, true).id == again.id);
  const CompactionInfo whole = q.Enqueue(1, "p", "t", std::nullopt, {"ds=a", "ds=b"}, false);
  CHECK(q.Enqueue(1, "p", "t", std::nullopt, {"ds=a", "ds=b"}, false).id == whole.id);
  CHECK(q.Enqueue(1, "p", "t", "ds=b", {"ds=b"}, false).id == whole.id);  // covered while queued
  const CompactionInfo failing = q.Enqueue(2, "p", "u", "fail", {"fail"}, false);
  fake.Release();
  q.WaitIdle();
  CHECK_FALSE(fake.overlap);  // four workers, yet ds=a never ran twice at once

  auto list = q.List();
  REQUIRE(list.size() == 4);
  for (const auto& c : list) {
    INFO(c.id);
    if (c.id == failing.id) {
      CHECK(c.state == "failed");
      CHECK(c.error == "boom");
    } else {
      CHECK(c.state == "done");
    }
    CHECK(c.finished_at_ms == 1);
  }
  CHECK(q.Stats().failed == 1);
  CHECK(q.Stats().queued == 0);
  CHECK(q.Stats().running == 0);
}

TEST_CASE("compaction queue: stopping drops what is queued", "[storage][compaction][queue]") {
  FakeCompactor fake;
  fake.hold = true;
  auto q = std::make_unique<CompactionQueue>(
      1, 0, fake.Fn(), [] { return int64_t{1}; }, Ids());
  for (int i = 0; i < 5; ++i) q->Enqueue(1, "p", "t", std::to_string(i), {std::to_string(i)}, true);
  std::thread releaser([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    fake.Release();
  });
  q->Stop();  // lets the one in progress finish
  releaser.join();
  CHECK(fake.calls <= 1);
  CHECK(q->Enqueue(1, "p", "t", "x", {"x"}, false).state == "failed");
}

TEST_CASE("compaction queue: workers run at the nice value asked for, the caller's threads do not",
          "[storage][compaction][queue]") {
  const int caller = getpriority(PRIO_PROCESS, static_cast<id_t>(gettid()));
  std::atomic<int> seen{-100};
  CompactionQueue q(
      1, 7,
      [&](uint64_t, const std::string&, CompactionCounts*) {
        seen = getpriority(PRIO_PROCESS, static_cast<id_t>(gettid()));
        return Status::Ok();
      },
      [] { return int64_t{1}; }, Ids());
  q.Enqueue(1, "p", "t", "ds=a", {"ds=a"}, false);
  q.WaitIdle();
  CHECK(seen.load() == std::min(caller + 7, 19));
  CHECK(getpriority(PRIO_PROCESS, static_cast<id_t>(gettid())) == caller);
}
