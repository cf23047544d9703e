// Runs (storage/src/run_format.cc) and the key fold (storage/src/key_fold.cc): sorting, folding
// duplicates by arrival, cutting chunks, and the chunk entry format.
#include "../../storage/src/run_format.h"
#include "../../storage/src/key_filter.h"

#include <algorithm>
#include <random>

#include "deltatunnel/proto/row_codec.h"
#include "test_util.h"

using namespace dt_test;

namespace {

TableInfo Info(uint32_t buckets) {
  TableInfo info;
  info.schema = KvSchema();
  info.bucket_num = buckets;
  return info;
}

std::vector<KeyWrite> Entries(const PendingRun& run) {
  std::vector<KeyWrite> out;
  for (const auto& c : run.chunks) {
    std::string_view rest(c.value);
    KeyWrite e;
    while (!rest.empty()) {
      REQUIRE(NextEntry(&rest, &e));
      out.push_back(e);
    }
    REQUIRE(out.back().key == c.last_key);  // a chunk is keyed by its last key
  }
  return out;
}

Cell Decode(const KeyWrite& e) {
  proto::Row row;
  MustOk(proto::DecodeRow(KvSchema(), e.row, &row));
  return ToCell(row);
}

}  // namespace

TEST_CASE("run: one sorted run per bucket, duplicates folded by arrival", "[storage][run]") {
  Batcher b(Info(2));
  b.Upsert(5, "a").Upsert(3, "b").Upsert(5, "c").Delete(3).Upsert(9, "d").Delete(7).Upsert(7, "e");
  auto runs = Must(BuildRuns(KvSchema(), b.batch()));
  REQUIRE(!runs.empty());
  std::map<int64_t, std::pair<proto::RowOp, Cell>> seen;
  uint32_t last_bucket = 0;
  for (const auto& run : runs) {
    CHECK(run.bucket >= last_bucket);
    last_bucket = run.bucket;
    auto entries = Entries(run);
    CHECK(entries.size() == run.rows);
    for (size_t i = 1; i < entries.size(); ++i) CHECK(entries[i - 1].key < entries[i].key);
    for (const auto& e : entries) {
      proto::Row key(3);
      MustOk(proto::DecodeKey(KvSchema(), e.key, &key));
      seen[key[0].as_int()] = {e.op, e.op == proto::RowOp::kUpsert ? Decode(e) : Cell{}};
      CHECK(e.mask.empty());
    }
  }
  CHECK(seen.size() == 4);
  CHECK(seen[5] == std::pair{proto::RowOp::kUpsert, Cell{"c", 1.0}});
  CHECK(seen[3].first == proto::RowOp::kDelete);
  CHECK(seen[7] == std::pair{proto::RowOp::kUpsert, Cell{"e", 1.0}});
  CHECK(seen[9] == std::pair{proto::RowOp::kUpsert, Cell{"d", 1.0}});
}

TEST_CASE("run: partial upserts fold over earlier writes of the batch", "[storage][run]") {
  Batcher b(Info(1));
  b.SetV(1, "p1").SetV(1, "p2");       // stays partial: older runs may hold n
  b.Upsert(2, "f", 2.0).SetV(2, "g");  // over a full row: full
  b.Delete(3).SetV(3, "h");            // over a delete: full, n null
  auto runs = Must(BuildRuns(KvSchema(), b.batch()));
  REQUIRE(runs.size() == 1);
  auto entries = Entries(runs[0]);
  REQUIRE(entries.size() == 3);
  CHECK_FALSE(entries[0].mask.empty());
  CHECK(MaskHas(entries[0].mask, 0));
  CHECK(MaskHas(entries[0].mask, 1));
  CHECK_FALSE(MaskHas(entries[0].mask, 2));
  CHECK(Decode(entries[0]).v == "p2");
  CHECK(entries[1].mask.empty());
  CHECK(Decode(entries[1]) == Cell{"g", 2.0});
  CHECK(entries[2].mask.empty());
  CHECK(Decode(entries[2]) == Cell{"h", std::nullopt});
}

TEST_CASE("run: large runs are cut into ~64 KiB chunks", "[storage][run]") {
  Batcher b(Info(1));
  const std::string pad(100, 'x');
  for (int64_t k = 5000; k > 0; --k) b.Upsert(k, pad);
  auto runs = Must(BuildRuns(KvSchema(), b.batch()));
  REQUIRE(runs.size() == 1);
  CHECK(runs[0].rows == 5000);
  CHECK(runs[0].chunks.size() > 5);
  for (size_t i = 0; i + 1 < runs[0].chunks.size(); ++i) {
    CHECK(runs[0].chunks[i].value.size() >= kChunkTargetBytes);
    CHECK(runs[0].chunks[i].value.size() < kChunkTargetBytes + 200);
  }
  CHECK(Entries(runs[0]).size() == 5000);
}

TEST_CASE("run: a small run's chunk holds about its rows' bytes, not a whole chunk's",
          "[storage][run]") {
  // A write of a few rows to each of many buckets makes as many one-chunk runs: each chunk's buffer
  // is sized by its run, so the batch's runs take about the batch's bytes.
  Batcher b(Info(512));
  for (int64_t k = 0; k < 2000; ++k) b.Upsert(k, "value " + std::to_string(k));
  auto runs = Must(BuildRuns(KvSchema(), b.batch()));
  REQUIRE(runs.size() > 400);
  size_t held = 0, used = 0;
  for (const auto& run : runs) {
    REQUIRE(run.chunks.size() == 1);
    held += run.chunks[0].value.capacity();
    used += run.chunks[0].value.size();
  }
  CHECK(held < 2 * used + runs.size() * 64);
}

TEST_CASE("run: malformed chunk entries are refused", "[storage][run]") {
  std::string chunk;
  AppendEntry(&chunk, {"key", proto::RowOp::kUpsert, "", "row"});
  for (size_t cut = 0; cut < chunk.size(); ++cut) {
    std::string_view part(chunk.data(), cut);
    KeyWrite e;
    CHECK_FALSE(NextEntry(&part, &e));
  }
  std::string bad_op = chunk;
  bad_op[4] = 'X';
  std::string_view view(bad_op);
  KeyWrite e;
  CHECK_FALSE(NextEntry(&view, &e));
}

TEST_CASE("run: the key filter has no false negatives and few false positives", "[storage][run]") {
  Batcher b(Info(1));
  for (int64_t k = 0; k < 2000; k += 2) b.Upsert(k, "x");
  auto runs = Must(BuildRuns(KvSchema(), b.batch()));
  REQUIRE(runs.size() == 1);
  const std::string& filter = runs[0].key_filter;
  REQUIRE(filter.size() > 1000);
  int false_positives = 0;
  for (int64_t k = 0; k < 2000; ++k) {
    std::string key;
    proto::EncodeKey(KvSchema(), MakeRow(k, std::nullopt, std::nullopt), &key);
    const bool may = KeyFilterMayContain(filter, KeyHash(key));
    if (k % 2 == 0) CHECK(may);
    if (k % 2 == 1 && may) ++false_positives;
  }
  CHECK(false_positives < 30);  // ~1% expected of 1000
  CHECK(KeyFilterMayContain("", 42));
}

TEST_CASE("run: rows sort by bucket, key bytes and arrival, keys of any length", "[storage][run]") {
  // Keys that share 8-byte prefixes, are prefixes of each other, hold zero bytes, or repeat.
  const std::vector<std::string> pool = {"",
                                         std::string("\0", 1),
                                         std::string("A\0", 2),
                                         "A",
                                         "AAAAAAAA",
                                         "AAAAAAAAA",
                                         "AAAAAAAAB",
                                         std::string("AAAAAAAA\0", 9),
                                         "AAAAAAA",
                                         "\xff\xff\xff\xff\xff\xff\xff\xff",
                                         "\xff\xff\xff\xff\xff\xff\xff\xff\x01",
                                         "01234567",
                                         "01234568"};
  // Random keys of 1 to 12 bytes beside them, and buckets far apart, for the batches big enough to
  // take the radix sort (the first 100 rounds stay below its threshold).
  std::mt19937_64 rng(5);
  std::vector<std::string> random_keys(500);
  for (auto& k : random_keys) {
    k.resize(1 + rng() % 12);
    for (char& c : k) c = static_cast<char>(rng() % 4 == 0 ? 0 : rng());
  }
  for (int round = 0; round < 200; ++round) {
    const bool big = round >= 100;
    std::vector<proto::RowRef> rows(big ? 256 + rng() % 3000 : rng() % 64);
    const bool wide_buckets = round % 3 == 0;
    for (auto& r : rows) {
      r.bucket = static_cast<uint32_t>(wide_buckets ? rng() % 5 * 0x01010101u : rng() % 3);
      r.key =
          big && rng() % 2 ? random_keys[rng() % random_keys.size()] : pool[rng() % pool.size()];
    }
    std::vector<uint32_t> expect(rows.size());
    for (uint32_t i = 0; i < expect.size(); ++i) expect[i] = i;
    std::stable_sort(expect.begin(), expect.end(), [&rows](uint32_t a, uint32_t b) {
      if (rows[a].bucket != rows[b].bucket) return rows[a].bucket < rows[b].bucket;
      return rows[a].key < rows[b].key;
    });
    INFO("round " << round);
    REQUIRE(SortedOrder(rows) == expect);
  }
}
