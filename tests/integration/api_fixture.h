// Shared pieces of the API integration tests: a server with a table, record streams, reads.
#pragma once

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <ctime>
#include <string>
#include <vector>

#include "deltatunnel/proto/record_stream.h"
#include "deltatunnel/proto/schema.h"
#include "server_process.h"

namespace deltatunnel::testing {

// `k BIGINT NOT NULL, s STRING`, 4 buckets, optionally partitioned by `ds STRING`.
inline std::string KvTableJson(const std::string& name, bool partitioned = false,
                               const std::string& extra_properties = "") {
  return fmt::format(
      R"({{"name": "{}", "columns": [{{"name": "k", "type": "BIGINT"}}, {{"name": "s", "type": "STRING"}}],
          "primary_key": ["k"], {} "properties": {{"write.bucket.num": "4" {}}}}})",
      name, partitioned ? R"("partition_columns": [{"name": "ds", "type": "STRING"}],)" : "",
      extra_properties);
}

inline proto::TableSchema KvSchema() {
  proto::TableSchema schema;
  schema.columns = {{"k", proto::Type{proto::TypeKind::kBigint}, false, ""},
                    {"s", proto::Type{proto::TypeKind::kString}, true, ""}};
  schema.primary_key = {0};
  return schema;
}

struct KvRow {
  int64_t k;
  std::string s;
  bool del = false;
};

// A record stream of `rows` for the k/s table.
inline std::string KvStream(const std::vector<KvRow>& rows) {
  proto::TableSchema schema = KvSchema();
  proto::RecordStreamWriter w(schema);
  for (const KvRow& r : rows) {
    proto::Row row = {proto::Value(r.k), r.del ? proto::Value() : proto::Value(r.s)};
    Status s = w.Write(std::move(row), r.del ? proto::RowOp::kDelete : proto::RowOp::kUpsert);
    REQUIRE(s.ok());
  }
  return w.Finish();
}

// An RFC 1123 date `offset_s` seconds from now: a signed request's Date must be fresh.
inline std::string HttpDate(int64_t offset_s = 0) {
  const std::time_t t = std::time(nullptr) + offset_s;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

inline void CreateTable(HttpClient& client, const std::string& project, const std::string& json) {
  auto r = client.Send("POST", "/api/v1/projects/" + project + "/tables", json);
  INFO(r.body);
  REQUIRE(r.status == 201);
}

}  // namespace deltatunnel::testing
