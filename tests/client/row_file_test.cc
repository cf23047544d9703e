#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "row_file.h"

using namespace deltatunnel;
using namespace deltatunnel::client;

TEST_CASE("cache files give back their rows in order, whatever their size", "[row_file]") {
  proto::TableSchema schema;
  schema.columns = {{"id", proto::Type{proto::TypeKind::kBigint}, false, ""},
                    {"s", proto::Type{proto::TypeKind::kString}, true, ""}};
  schema.primary_key = {0};
  const std::string path =
      std::filesystem::temp_directory_path().string() + "/dt-row-file-" + std::to_string(getpid());
  std::vector<std::pair<proto::Row, proto::RowOp>> rows;
  for (int64_t i = 0; i < 2000; ++i) {
    // Every 500th row is larger than the reader's buffer.
    std::string s(i % 500 == 0 ? 3000 : static_cast<size_t>(i % 37),
                  static_cast<char>('a' + i % 26));
    const bool del = i % 7 == 0;
    rows.push_back({{proto::Value(i), del ? proto::Value() : proto::Value(s)},
                    del ? proto::RowOp::kDelete : proto::RowOp::kUpsert});
  }
  std::string chunk;
  for (size_t i = 0; i < rows.size(); ++i) {
    AppendRowEntry(schema, rows[i].first, rows[i].second, &chunk);
    if (i % 300 == 0) {  // several appends, as spills do
      REQUIRE(AppendToFile(path, chunk).ok());
      chunk.clear();
    }
  }
  REQUIRE(AppendToFile(path, chunk).ok());

  RowFileReader reader(schema, 1024);
  REQUIRE(reader.Open(path).ok());
  proto::Row row;
  proto::RowOp op;
  for (const auto& [want, want_op] : rows) {
    auto more = reader.Next(&row, &op);
    REQUIRE(more.ok());
    REQUIRE(*more);
    CHECK(row == want);
    CHECK(op == want_op);
  }
  auto end = reader.Next(&row, &op);
  REQUIRE(end.ok());
  CHECK_FALSE(*end);

  // A file cut inside an entry is an error, not a short read.
  std::filesystem::resize_file(path, std::filesystem::file_size(path) - 2);
  RowFileReader cut(schema, 1024);
  REQUIRE(cut.Open(path).ok());
  Result<bool> r = true;
  while (r.ok() && *r) r = cut.Next(&row, &op);
  CHECK_FALSE(r.ok());
  std::filesystem::remove(path);
}
