// The table download session store (server/src/tunnel/download_sessions.h): ids, expiry, bounds.
#include <catch2/catch.hpp>

#include <atomic>
#include <memory>

#include "tunnel/download_sessions.h"

namespace deltatunnel::server {
namespace {

struct Clock {
  std::shared_ptr<std::atomic<int64_t>> now = std::make_shared<std::atomic<int64_t>>(1795600800000);
  std::function<int64_t()> fn() const {
    return [n = now] { return n->load(); };
  }
  void Advance(int64_t ms) { *now += ms; }
};

DownloadSessionInfo Info(uint64_t version) {
  DownloadSessionInfo info;
  info.project = "p";
  info.table = "t";
  info.version = version;
  info.record_count = 7;
  return info;
}

TEST_CASE("download sessions are found by id until they expire", "[tunnel_download]") {
  Clock clock;
  DownloadSessions store(10, 1000, clock.fn());
  const DownloadSessionInfo a = store.Open(Info(3)).value();
  const DownloadSessionInfo b = store.Open(Info(4)).value();
  CHECK(a.id != b.id);
  CHECK(a.id.size() == 30);
  CHECK(a.expires_at_ms == a.created_at_ms + 1000);
  CHECK(store.Get(a.id).value().version == 3);
  CHECK(store.Get(b.id).value().record_count == 7);
  CHECK(store.Get("nope").status().code() == ErrorCode::kNoSuchObject);
  clock.Advance(999);
  CHECK(store.Get(a.id).ok());
  clock.Advance(1);
  CHECK(store.Get(a.id).status().code() == ErrorCode::kNoSuchObject);
  CHECK(store.size() == 1);  // the expired one went when it was asked for
}

TEST_CASE("a full store makes room from expired, then idle sessions, else answers 429",
          "[tunnel_download]") {
  Clock clock;
  DownloadSessions store(2, 10 * DownloadSessions::kIdleEvictMs, clock.fn());
  const std::string a = store.Open(Info(1)).value().id;
  clock.Advance(1);
  const std::string b = store.Open(Info(2)).value().id;
  // Both in use: refused, and nothing is lost.
  auto full = store.Open(Info(3));
  CHECK(full.status().code() == ErrorCode::kFlowExceeded);
  CHECK(store.size() == 2);
  // Once a minute has passed, the least recently used goes: `a` was used later than `b`.
  clock.Advance(DownloadSessions::kIdleEvictMs);
  REQUIRE(store.Get(a).ok());
  const std::string c = store.Open(Info(3)).value().id;
  CHECK(store.Get(b).status().code() == ErrorCode::kNoSuchObject);
  CHECK(store.Get(a).ok());
  CHECK(store.Get(c).ok());
  // Expired sessions go first, however recently used.
  clock.Advance(10 * DownloadSessions::kIdleEvictMs);
  CHECK(store.Open(Info(4)).ok());
  CHECK(store.size() == 1);
}

TEST_CASE("snapshot row counts are kept, the newest kMaxCounts of them", "[tunnel_download]") {
  DownloadSessions store(2, 1000);
  CHECK(!store.CachedCount("t@1"));
  store.RememberCount("t@1", 5);
  store.RememberCount("t@1", 6);  // a snapshot's count never changes: the first stays
  CHECK(store.CachedCount("t@1") == 5u);
  for (size_t i = 0; i < DownloadSessions::kMaxCounts; ++i) {
    store.RememberCount("u@" + std::to_string(i), i);
  }
  CHECK(!store.CachedCount("t@1"));
  CHECK(store.CachedCount("u@0") == 0u);
  CHECK(store.CachedCount("u@1023") == 1023u);
}

}  // namespace
}  // namespace deltatunnel::server
