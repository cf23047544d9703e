#include "deltatunnel/proto/row_batch.h"

#include <catch2/catch.hpp>

#include "deltatunnel/proto/row_codec.h"
#include "test_values.h"

using namespace deltatunnel;
using namespace deltatunnel::proto;
using deltatunnel::proto::testing::T;

namespace {

TableSchema Orders() {
  TableSchema s;
  s.columns = {{"id", T("BIGINT"), false, ""},
               {"amount", T("DECIMAL(18,2)"), true, ""},
               {"note", T("STRING"), true, ""}};
  s.primary_key = {0};
  return s;
}

}  // namespace

TEST_CASE("Add normalises, encodes and buckets rows", "[row_batch]") {
  const TableSchema s = Orders();
  RowBatch batch(s, Hasher::kDefault, 4);
  CHECK(batch.empty());
  for (int64_t k = 0; k < 10; ++k) {
    REQUIRE(batch.Add(Row{Value(k), Value("1.5"), Value("n")}, RowOp::kUpsert).ok());
  }
  REQUIRE(batch.Add(Row{Value(int64_t{3}), Value(), Value()}, RowOp::kDelete).ok());
  REQUIRE(batch.size() == 11);
  CHECK(batch.upserts() == 10);
  CHECK(batch.deletes() == 1);
  const uint32_t want4[] = {0, 3, 2, 1, 0, 1, 2, 2, 3, 1};
  for (size_t i = 0; i < 10; ++i) {
    const RowRef r = batch[i];
    CHECK(r.bucket == want4[i]);
    CHECK(r.op == RowOp::kUpsert);
    CHECK(r.update_mask.empty());
    Row row;
    REQUIRE(DecodeRow(s, r.row, &row).ok());
    CHECK(row == Row{Value(static_cast<int64_t>(i)), Value("1.50"), Value("n")});
    Row key;
    REQUIRE(DecodeKey(s, r.key, &key).ok());
    CHECK(key[0] == Value(static_cast<int64_t>(i)));
  }
  const RowRef del = batch[10];
  CHECK(del.op == RowOp::kDelete);
  CHECK(del.bucket == 1);
  CHECK(del.row.empty());
  CHECK(del.update_mask.empty());
  CHECK(batch.bytes() > 0);
  batch.Clear();
  CHECK(batch.empty());
  CHECK(batch.bytes() == 0);
  CHECK(batch.upserts() == 0);
}

TEST_CASE("a refused row leaves the batch unchanged", "[row_batch]") {
  const TableSchema s = Orders();
  RowBatch batch(s, Hasher::kDefault, 16);
  REQUIRE(batch.Add(Row{Value(int64_t{1}), Value("1"), Value()}, RowOp::kUpsert).ok());
  const uint64_t bytes = batch.bytes();
  Status st = batch.Add(Row{Value(int64_t{2}), Value("x"), Value()}, RowOp::kUpsert);
  CHECK(st.code() == ErrorCode::kInvalidArgument);
  CHECK(st.message().rfind("column 'amount': ", 0) == 0);
  CHECK_FALSE(batch.Add(Row{Value(), Value(), Value()}, RowOp::kDelete).ok());
  CHECK_FALSE(batch.Add(Row{Value(int64_t{2})}, RowOp::kUpsert).ok());
  std::vector<int> bad_columns{7};
  CHECK_FALSE(
      batch.Add(Row{Value(int64_t{2}), Value(), Value()}, RowOp::kUpsert, &bad_columns).ok());
  CHECK(batch.size() == 1);
  CHECK(batch.bytes() == bytes);
  CHECK(batch.upserts() == 1);
}

TEST_CASE("a partial upsert carries its update mask", "[row_batch]") {
  const TableSchema s = Orders();
  RowBatch batch(s, Hasher::kLegacy, 8);
  const std::vector<int> cols{2};
  REQUIRE(batch.Add(Row{Value(int64_t{5}), Value("9"), Value("x")}, RowOp::kUpsert, &cols).ok());
  const std::vector<int> none;
  REQUIRE(batch.Add(Row{Value(int64_t{6}), Value("9"), Value("x")}, RowOp::kUpsert, &none).ok());
  const RowRef r = batch[0];
  CHECK(r.update_mask == std::string("\x05", 1));  // columns 0 (the key) and 2
  Row row;
  REQUIRE(DecodeRow(s, r.row, &row).ok());
  CHECK(row == Row{Value(int64_t{5}), Value(), Value("x")});
  CHECK(r.bucket == BucketOf(Hasher::kLegacy, s, row, 8));
  CHECK(batch[1].update_mask.empty());  // an empty list is a full upsert
}
