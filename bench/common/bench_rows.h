// The rows every benchmark writes: about 100 bytes each, a random 64-bit BIGINT key and a few
// columns (issue 3's figures), so the figures of different programs compare.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "deltatunnel/proto/schema.h"
#include "deltatunnel/proto/value.h"

namespace deltatunnel::bench {

// k BIGINT NOT NULL (key), a BIGINT, b DOUBLE, s STRING.
inline proto::TableSchema BenchSchema() {
  proto::TableSchema schema;
  schema.columns = {{"k", proto::Type{proto::TypeKind::kBigint}, false, ""},
                    {"a", proto::Type{proto::TypeKind::kBigint}, true, ""},
                    {"b", proto::Type{proto::TypeKind::kDouble}, true, ""},
                    {"s", proto::Type{proto::TypeKind::kString}, true, ""}};
  schema.primary_key = {0};
  return schema;
}

inline const char* BenchTableJson(const char* name, int buckets) {
  static std::string json;
  json = std::string(R"({"name": ")") + name +
         R"(", "columns": [{"name": "k", "type": "BIGINT"}, {"name": "a", "type": "BIGINT"},
         {"name": "b", "type": "DOUBLE"}, {"name": "s", "type": "STRING"}], "primary_key": ["k"],
         "properties": {"write.bucket.num": ")" +
         std::to_string(buckets) + R"("}})";
  return json.c_str();
}

// `n` rows with random keys; the string makes a row about 100 bytes encoded.
inline std::vector<proto::Row> BenchRows(size_t n, uint64_t seed = 42) {
  std::mt19937_64 rng(seed);
  std::vector<proto::Row> rows;
  rows.reserve(n);
  static const char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  for (size_t i = 0; i < n; ++i) {
    std::string s(72, ' ');
    for (char& ch : s) ch = kAlphabet[rng() % 36];
    rows.push_back({proto::Value(static_cast<int64_t>(rng())),
                    proto::Value(static_cast<int64_t>(rng() % 1000000)),
                    proto::Value(static_cast<double>(rng() % 100000) / 100.0),
                    proto::Value(std::move(s))});
  }
  return rows;
}

}  // namespace deltatunnel::bench
