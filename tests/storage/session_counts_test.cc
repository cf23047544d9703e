// A session's counts in memory (session_counts.h), apart from its S record.
#include "../../storage/src/session_counts.h"
#include "test_util.h"

using namespace deltatunnel::storage;
namespace messages = deltatunnel::messages;

namespace {

messages::RunRecord Run(uint64_t run_id, uint32_t bucket, uint64_t upserts, uint64_t deletes) {
  messages::RunRecord r;
  r.set_run_id(run_id);
  r.set_bucket(bucket);
  r.set_rows(upserts + deletes);
  r.set_upserts(upserts);
  r.set_deletes(deletes);
  r.set_bytes(100 * (upserts + deletes));
  return r;
}

}  // namespace

TEST_CASE("session counts: sums, buckets, and runs in id order whatever order they come in",
          "[storage][session]") {
  SessionCounts c;
  // Appends side by side: the one with the later ids recorded its runs first.
  c.Add(Run(7, 2, 3, 1));
  c.Add(Run(8, 0, 2, 0));
  c.Add(Run(4, 2, 1, 1));
  c.Add(Run(5, 1, 0, 2));
  CHECK(c.rows == 10);
  CHECK(c.upserts == 6);
  CHECK(c.deletes == 4);
  CHECK(c.bytes == 1000);
  CHECK(c.buckets_written == std::set<uint32_t>{0, 1, 2});
  std::vector<uint64_t> ids;
  for (const auto& r : c.runs) ids.push_back(r.run_id());
  CHECK(ids == std::vector<uint64_t>{4, 5, 7, 8});
}

TEST_CASE("session counts: the S record is built from them", "[storage][session]") {
  SessionCounts c;
  c.Add(Run(1, 3, 2, 1));
  c.Add(Run(2, 1, 1, 0));
  messages::SessionRecord rec;
  rec.set_id("s1");
  rec.add_buckets_written(9);  // replaced, not added to
  c.CopyTo(&rec);
  CHECK(rec.id() == "s1");
  CHECK(rec.rows() == 4);
  CHECK(rec.upserts() == 3);
  CHECK(rec.deletes() == 1);
  CHECK(rec.bytes() == 400);
  REQUIRE(rec.buckets_written_size() == 2);
  CHECK(rec.buckets_written(0) == 1);
  CHECK(rec.buckets_written(1) == 3);
}
