// Faults of the store itself (store/store.h): what etcd or object storage unreachable will be to
// the cluster backend. A store whose writes fail answers every write of the engine with the
// store's error, changes nothing the engine shows (no half-made table, commit, drop or truncate,
// no run ids handed out twice), lets reads go on, and once the store takes writes again the
// session open across the fault commits whole; a reopen shows the same.
#include <atomic>

#include "../../storage/src/engine_impl.h"
#include "store/local/local_store.h"
#include "test_util.h"

using namespace dt_test;

namespace {

struct StoreFaults {
  std::atomic<bool> writes{false};         // every batch
  std::atomic<bool> installs{false};       // bulk writers' installs (a compaction's bases)
  std::atomic<const char*> step{nullptr};  // the batches of this step alone ("dropping table")
};

// Forwards to a store, failing what `faults` says.
class FailingStore final : public Store {
 public:
  FailingStore(std::unique_ptr<Store> inner, std::shared_ptr<StoreFaults> faults)
      : inner_(std::move(inner)), faults_(std::move(faults)) {}

  std::unique_ptr<StoreBatch> NewBatch() override { return inner_->NewBatch(); }
  Status Write(StoreBatch& batch, Durability durability, std::string_view what) override {
    const char* step = faults_->step;
    if (faults_->writes || (step != nullptr && what == step)) return Unreachable(what);
    return inner_->Write(batch, durability, what);
  }
  Result<std::optional<std::string>> Get(std::string_view key) override { return inner_->Get(key); }
  std::unique_ptr<RecordIterator> Scan(std::string_view prefix) override {
    return inner_->Scan(prefix);
  }
  std::unique_ptr<RecordIterator> ScanBackward(std::string_view prefix,
                                               std::string_view from) override {
    return inner_->ScanBackward(prefix, from);
  }
  std::unique_ptr<ChunkCursor> NewChunkCursor(std::optional<uint64_t> one_run) override {
    return inner_->NewChunkCursor(one_run);
  }
  Result<std::unique_ptr<BulkWriter>> NewBulkWriter(std::string_view name) override {
    return inner_->NewBulkWriter(name);
  }
  Status Install(BulkWriter& writer) override {
    if (faults_->writes || faults_->installs) return Unreachable("installing");
    return inner_->Install(writer);
  }
  Status FreeRuns(const RunRanges& runs) override { return inner_->FreeRuns(runs); }
  Status Writable() override { return inner_->Writable(); }
  bool Resume() override { return inner_->Resume(); }
  bool SyncBuffered() override { return inner_->SyncBuffered(); }
  void StopBackgroundWork() override { inner_->StopBackgroundWork(); }
  StoreStats Stats() override { return inner_->Stats(); }
  Backups* backups() override { return inner_->backups(); }

 private:
  static Status Unreachable(std::string_view what) {
    return Status(ErrorCode::kServiceUnavailable,
                  std::string(what) + ": the store is unreachable (test)");
  }
  std::unique_ptr<Store> inner_;
  std::shared_ptr<StoreFaults> faults_;
};

std::unique_ptr<Engine> OpenFailing(const std::string& dir, const TestClock& clock,
                                    std::shared_ptr<StoreFaults> faults) {
  LocalStoreOptions local;
  local.dir = dir;
  auto inner = Must(LocalStore::Open(std::move(local)));
  EngineOptions options = Options(dir, clock);
  options.compaction_threads = 1;
  options.default_commit_threshold = 100;  // compactions only when asked for
  return Must(EngineImpl::OpenOn(
      options, std::make_unique<FailingStore>(std::move(inner), std::move(faults))));
}

void CheckUnavailable(const Status& s) {
  INFO(s.ToString());
  CHECK(s.code() == ErrorCode::kServiceUnavailable);
}

}  // namespace

TEST_CASE("store faults: writes answer the store's error and change nothing; then resume",
          "[store][fault]") {
  TempDir dir;
  TestClock clock;
  auto faults = std::make_shared<StoreFaults>();
  Rows model;
  {
    auto e = OpenFailing(dir.path, clock, faults);
    TableInfo t = Must(e->CreateTable(KvTable("t")));
    auto s = Must(e->OpenSession(SessionOn("t")));
    Batcher first(t);
    for (int64_t k = 0; k < 100; ++k) first.Upsert(k, "v" + std::to_string(k));
    MustOk(e->Append(s.id, first.batch()));
    Must(e->Commit(s.id));
    for (int64_t k = 0; k < 100; ++k) model[k] = Cell{"v" + std::to_string(k), 1.0};

    auto open = Must(e->OpenSession(SessionOn("t")));
    Batcher before(t);
    before.Upsert(1000, "before");
    MustOk(e->Append(open.id, before.batch()));

    faults->writes = true;
    Batcher during(t);
    during.Upsert(2000, "during");
    CheckUnavailable(e->Append(open.id, during.batch()));
    CheckUnavailable(e->Commit(open.id).status());
    CheckUnavailable(e->CreateTable(KvTable("u")).status());
    CheckUnavailable(e->DropTable("p", "t"));
    CheckUnavailable(e->Truncate("p", "t", std::nullopt).status());
    CheckUnavailable(e->OpenSession(SessionOn("t")).status());
    CheckUnavailable(e->Abort(open.id).status());
    // Nothing of it shows; reads go on.
    CHECK(e->DescribeTable("p", "u").status().code() == ErrorCode::kNoSuchTable);
    CHECK(Must(e->DescribeTable("p", "t")).version == 1);
    CHECK(ScanRows(*e, "t") == model);
    CHECK(Must(e->GetSession(open.id)).status == SessionStatus::kNormal);

    faults->writes = false;
    Batcher after(t);
    after.Upsert(3000, "after");
    MustOk(e->Append(open.id, after.batch()));
    auto committed = Must(e->Commit(open.id));
    CHECK(committed.commit_version == 2);
    model[1000] = Cell{"before", 1.0};
    model[3000] = Cell{"after", 1.0};
    CHECK(ScanRows(*e, "t") == model);
    Must(e->CreateTable(KvTable("u")));
  }
  EngineOptions options = Options(dir.path, clock);
  auto reopened = Must(Engine::Open(options));
  CHECK(ScanRows(*reopened, "t") == model);
  CHECK(Must(reopened->DescribeTable("p", "t")).version == 2);
  CHECK(Must(reopened->DescribeTable("p", "u")).version == 0);
}

TEST_CASE(
    "store faults: a compaction that cannot write its intent or install its bases leaves "
    "the partition as it was, and runs again once the store takes writes",
    "[store][fault]") {
  TempDir dir;
  TestClock clock;
  auto faults = std::make_shared<StoreFaults>();
  Rows model;
  {
    auto e = OpenFailing(dir.path, clock, faults);
    TableInfo t = Must(e->CreateTable(KvTable("t")));
    for (int c = 0; c < 3; ++c) {
      auto s = Must(e->OpenSession(SessionOn("t")));
      Batcher b(t);
      for (int64_t k = 0; k < 50; ++k) b.Upsert(k + c * 25, "c" + std::to_string(c));
      MustOk(e->Append(s.id, b.batch()));
      Must(e->Commit(s.id));
      for (int64_t k = 0; k < 50; ++k) model[k + c * 25] = Cell{"c" + std::to_string(c), 1.0};
    }
    for (bool whole_store : {true, false}) {
      INFO((whole_store ? "every write fails" : "the bases' install fails"));
      (whole_store ? faults->writes : faults->installs) = true;
      Must(e->Compact("p", "t", std::nullopt));
      e->WaitForCompactions();
      (whole_store ? faults->writes : faults->installs) = false;
      auto list = e->Compactions();
      REQUIRE_FALSE(list.empty());
      CHECK(list.front().state == "failed");
      CHECK(ScanRows(*e, "t") == model);
      CHECK(Must(e->DescribeTable("p", "t")).commits_since_major == 3);
    }
    Must(e->Compact("p", "t", std::nullopt));
    e->WaitForCompactions();
    CHECK(e->Compactions().front().state == "done");
    CHECK(Must(e->DescribeTable("p", "t")).commits_since_major == 0);
    CHECK(ScanRows(*e, "t") == model);
  }
  auto reopened = Must(Engine::Open(Options(dir.path, clock)));
  CHECK(ScanRows(*reopened, "t") == model);
  CHECK(Must(reopened->DescribeTable("p", "t")).commits_since_major == 0);
}

TEST_CASE("store faults: a partition drop that fails aborts none of the partition's sessions",
          "[store][fault]") {
  TempDir dir;
  TestClock clock;
  auto faults = std::make_shared<StoreFaults>();
  auto e = OpenFailing(dir.path, clock, faults);
  TableInfo t = Must(e->CreateTable(KvTable("t", /*partitioned=*/true)));
  auto first = Must(e->OpenSession(SessionOn("t", "ds=a")));
  Batcher b(t);
  b.Upsert(1, "one");
  MustOk(e->Append(first.id, b.batch()));
  Must(e->Commit(first.id));
  auto open = Must(e->OpenSession(SessionOn("t", "ds=a")));
  Batcher more(t);
  more.Upsert(2, "two");
  MustOk(e->Append(open.id, more.batch()));

  // The drop's own batch fails (the sessions' aborts alone would be written).
  faults->step = "dropping partitions";
  CheckUnavailable(e->DropPartitions("p", "t", {"ds=a"}, false).status());
  faults->step = nullptr;
  CHECK(Must(e->GetSession(open.id)).status == SessionStatus::kNormal);
  CHECK(Must(e->ListPartitions("p", "t")).size() == 1);
  Batcher after(t);
  after.Upsert(3, "three");
  MustOk(e->Append(open.id, after.batch()));
  Must(e->Commit(open.id));
  CHECK(ScanRows(*e, "t").size() == 3);

  // A drop that is written aborts the sessions open on the partition, in its own batch.
  auto doomed = Must(e->OpenSession(SessionOn("t", "ds=a")));
  MustOk(e->Append(doomed.id, b.batch()));
  Must(e->DropPartitions("p", "t", {"ds=a"}, false));
  CHECK(Must(e->GetSession(doomed.id)).status == SessionStatus::kAborted);
  CHECK(ScanRows(*e, "t").empty());
}
