// Appends of one session run side by side (engine_impl.h, SessionState): an append held in its
// write holds back neither another append of the session nor a look at the session; a commit
// waits for it and sees it whole; appends that come while a commit waits wait for the commit.
#include <condition_variable>
#include <future>
#include <thread>

#include "test_util.h"

using namespace dt_test;
using namespace std::chrono_literals;

namespace {

// EngineOptions::append_pause: holds the appends of threads that asked for it until Release().
class AppendHold {
 public:
  static thread_local bool hold_me;

  std::function<void()> Hook() {
    return [this] {
      if (!hold_me) return;
      std::unique_lock lock(mu_);
      ++arrived_;
      cv_.notify_all();
      cv_.wait(lock, [this] { return released_; });
    };
  }
  bool WaitArrived(int n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, 10s, [&] { return arrived_ >= n; });
  }
  void Release() {
    std::lock_guard lock(mu_);
    released_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int arrived_ = 0;
  bool released_ = false;
};
thread_local bool AppendHold::hold_me = false;

template <typename T>
bool Ready(std::future<T>& f, std::chrono::milliseconds wait) {
  return f.wait_for(wait) == std::future_status::ready;
}

// An engine whose appends AppendHold can hold, with table "t" and one open session on it.
struct HeldEngine {
  TempDir dir;
  TestClock clock;
  AppendHold hold;
  std::unique_ptr<Engine> e;
  TableInfo info;
  SessionInfo s;

  explicit HeldEngine(int buckets) {
    EngineOptions o = Options(dir.path, clock);
    o.append_pause = hold.Hook();
    e = Must(Engine::Open(o));
    info =
        Must(e->CreateTable(KvTable("t", false, {{"write.bucket.num", std::to_string(buckets)}})));
    s = Must(e->OpenSession(SessionOn("t")));
  }

  // An append to the session on a thread of its own.
  std::future<Status> Append(proto::RowBatch& batch) { return Start(batch, false); }
  // The same, held in its write (answers once it is there).
  std::future<Status> AppendHeld(proto::RowBatch& batch) {
    auto f = Start(batch, true);
    REQUIRE(hold.WaitArrived(1));
    return f;
  }

 private:
  std::future<Status> Start(proto::RowBatch& batch, bool held) {
    return std::async(std::launch::async, [this, &batch, held] {
      AppendHold::hold_me = held;
      return e->Append(s.id, batch);
    });
  }
};

}  // namespace

TEST_CASE("session append: an append in its write holds back no other append of the session",
          "[storage][session][concurrency]") {
  HeldEngine h(4);

  // Both write key 1000: the later append (the later run ids) wins, as after a reopen.
  Batcher a(h.info), b(h.info);
  for (int64_t k = 0; k < 100; ++k) a.Upsert(k, "a");
  a.Upsert(1000, "a");
  for (int64_t k = 100; k < 200; ++k) b.Upsert(k, "b");
  b.Upsert(1000, "b");

  auto held = h.AppendHeld(a.batch());
  auto other = h.Append(b.batch());
  const bool other_done = Ready(other, 10s);
  auto look = std::async(std::launch::async, [&] { return h.e->GetSession(h.s.id); });
  const bool look_done = Ready(look, 10s);
  h.hold.Release();
  CHECK(other_done);
  CHECK(look_done);
  MustOk(held.get());
  MustOk(other.get());
  CHECK(Must(look.get()).rows == 101);  // the held append's rows are not counted yet

  CHECK(Must(h.e->GetSession(h.s.id)).rows == 202);
  Must(h.e->Commit(h.s.id));
  Rows rows = ScanRows(*h.e, "t");
  CHECK(rows.size() == 201);
  CHECK(rows[5].v == "a");
  CHECK(rows[150].v == "b");
  CHECK(rows[1000].v == "b");
}

TEST_CASE("session append: a commit waits for an append in its write, later appends for it",
          "[storage][session][concurrency]") {
  HeldEngine h(16);
  Batcher a(h.info), late(h.info);
  for (int64_t k = 0; k < 100; ++k) a.Upsert(k, "a");
  late.Upsert(500, "late");

  auto held = h.AppendHeld(a.batch());
  auto commit = std::async(std::launch::async, [&] { return h.e->Commit(h.s.id); });
  const bool commit_waited = commit.wait_for(200ms) == std::future_status::timeout;
  // Comes while the commit waits: it must not slip in before the commit (no starving commits).
  auto after = h.Append(late.batch());
  const bool after_waited = !Ready(after, 200ms);
  h.hold.Release();
  CHECK(commit_waited);
  CHECK(after_waited);
  MustOk(held.get());
  auto c = Must(commit.get());
  CHECK(c.status == SessionStatus::kCommitted);
  CHECK(c.rows == 100);
  CHECK(after.get().code() == ErrorCode::kStatusConflict);
  Rows rows = ScanRows(*h.e, "t");
  CHECK(rows.size() == 100);
  CHECK(rows.count(500) == 0);
}
