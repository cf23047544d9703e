// The shared part of the body reader fuzzers (ndjson_reader_fuzz.cc, csv_reader_fuzz.cc): arbitrary
// bytes go to ReadBody (format_load.h) under one of a few tables and option sets, and whatever the
// reader answers must hold together:
//   - a refused body leaves the batch empty and lists between 1 and max_listed_errors errors;
//   - an accepted body counts what the batch holds, skipped no more than max_bad_rows rows, and
//     lists at most max_listed_skipped of them;
//   - every error renders as JSON (the answer's "errors"), i.e. its text is valid UTF-8;
//   - every row in the batch decodes again (key, and row for an upsert), in a bucket in range;
//   - the accepted full upserts, written back out in the same format (format_row_writer.h) and read
//     again, give the same encoded rows: what the server accepts, it answers readably.
//
// Input: the first byte picks the table and options (bits below), the rest is the body. A seed
// file is that byte followed by a body, e.g. printf '\x00{"k": 1, "s": "a"}\n' > seed.
//   bits 0-1  table: 0 `k BIGINT, s STRING`; 1 every scalar type, two key columns; 2 nested
//             types; 3 `k BIGINT, s STRING` partitioned by `ds STRING, n BIGINT, d DATE` with the
//             request's partition ds=a,n=1,d=2024-02-29
//   bit 2     partial_update
//   bit 3     max_bad_rows = 2 (else 0), and keep_rejected as the server sets it then: every row
//             skipped is kept, its text a piece of the body
//   bit 4     time zone America/New_York (else UTC)
//   bit 5     max_listed_errors = max_listed_skipped = 1 (else the defaults)
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "deltatunnel/proto/partition_spec.h"
#include "deltatunnel/proto/row_batch.h"
#include "deltatunnel/proto/row_codec.h"
#include "deltatunnel/proto/schema.h"
#include "deltatunnel/server/format_load.h"
#include "deltatunnel/server/format_row_writer.h"
#include "deltatunnel/server/format_time_zone.h"

namespace deltatunnel::fuzz {

inline proto::TableSchema MakeSchema(
    std::initializer_list<std::pair<const char*, const char*>> columns, size_t keys,
    std::initializer_list<std::pair<const char*, const char*>> partitions = {}) {
  proto::TableSchema s;
  for (const auto& [name, type] : columns) {
    s.columns.push_back({name, proto::Type::Parse(type).value(), s.columns.size() >= keys, ""});
  }
  for (size_t i = 0; i < keys; ++i) s.primary_key.push_back(static_cast<int>(i));
  for (const auto& [name, type] : partitions) {
    s.partition_columns.push_back({name, proto::Type::Parse(type).value(), false, ""});
  }
  return s;
}

struct FuzzTable {
  proto::TableSchema schema;
  proto::PartitionSpec partition;
};

inline const FuzzTable* FuzzTables() {
  static const FuzzTable* const kTables = [] {
    static FuzzTable t[4];
    t[0].schema = MakeSchema({{"k", "BIGINT"}, {"s", "STRING"}}, 1);
    t[1].schema = MakeSchema({{"k", "STRING"},
                              {"i", "INT"},
                              {"d", "DECIMAL(18,2)"},
                              {"big", "DECIMAL(38,10)"},
                              {"t", "TIMESTAMP"},
                              {"ntz", "TIMESTAMP_NTZ"},
                              {"dt", "DATETIME"},
                              {"day", "DATE"},
                              {"f", "FLOAT"},
                              {"x", "DOUBLE"},
                              {"b", "BOOLEAN"},
                              {"ti", "TINYINT"},
                              {"si", "SMALLINT"},
                              {"v", "VARCHAR(4)"},
                              {"c", "CHAR(3)"},
                              {"bin", "BINARY"},
                              {"j", "JSON"}},
                             2);
    t[2].schema = MakeSchema({{"k", "INT"},
                              {"a", "ARRAY<MAP<STRING,STRUCT<x:INT,y:ARRAY<DATE>>>>"},
                              {"m", "MAP<BIGINT,DECIMAL(38,10)>"},
                              {"st", "STRUCT<n:STRING,t:TIMESTAMP,l:ARRAY<DOUBLE>>"}},
                             1);
    t[3].schema = MakeSchema({{"k", "BIGINT"}, {"s", "STRING"}}, 1,
                             {{"ds", "STRING"}, {"n", "BIGINT"}, {"d", "DATE"}});
    for (FuzzTable& table : t) {
      const std::string_view spec =
          table.schema.partition_columns.empty() ? "" : "ds=a,n=1,d=2024-02-29";
      table.partition = proto::ParsePartitionSpec(table.schema, spec).value();
    }
    return t;
  }();
  return kTables;
}

inline const server::TimeZone& FuzzZone(bool new_york) {
  static const server::TimeZone kUtc;
  static const server::TimeZone kNewYork = server::TimeZone::Parse("America/New_York").value();
  return new_york ? kNewYork : kUtc;
}

[[noreturn]] inline void Fail() { __builtin_trap(); }

inline void Check(bool condition) {
  if (!condition) Fail();
}

inline int FuzzBodyReader(server::BodyFormat format, const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t flags = data[0];
  const FuzzTable& table = FuzzTables()[flags & 3];
  const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  constexpr uint32_t kBuckets = 8;

  server::LoadOptions options;
  options.partition = &table.partition;
  options.partial_update = (flags & 4) != 0;
  options.max_bad_rows = (flags & 8) != 0 ? 2 : 0;
  options.keep_rejected = options.max_bad_rows > 0;
  options.time_zone = &FuzzZone((flags & 16) != 0);
  if ((flags & 32) != 0) options.max_listed_errors = options.max_listed_skipped = 1;

  proto::RowBatch batch(table.schema, proto::Hasher::kDefault, kBuckets);
  const server::LoadResult r = server::ReadBody(format, body, options, &batch);

  // The account.
  if (r.refused) {
    Check(batch.empty());
    Check(r.rows == 0 && r.upserts == 0 && r.deletes == 0 && r.skipped.empty());
    Check(!r.errors.empty() && r.errors.size() <= options.max_listed_errors);
    Check(r.bad_rows >= 1);
    Check(!r.ToStatus().ok());
  } else {
    Check(r.errors.empty());
    Check(r.rows == batch.size() && r.upserts == batch.upserts() && r.deletes == batch.deletes());
    Check(r.bytes == batch.bytes());
    Check(r.bad_rows <= options.max_bad_rows);
    Check(r.skipped.size() <= options.max_listed_skipped && r.skipped.size() <= r.bad_rows);
    Check(r.ToStatus().ok());
    if (options.keep_rejected) {
      Check(r.rejected.size() == r.bad_rows);
      for (size_t i = 0; i < r.rejected.size(); ++i) {
        Check(body.find(r.rejected[i].text) != std::string_view::npos);
        Check(i >= r.skipped.size() || r.skipped[i].line == r.rejected[i].line);
      }
    } else {
      Check(r.rejected.empty());
    }
  }
  // Errors go out as JSON: dump() throws on invalid UTF-8.
  try {
    (void)server::RowErrorsJson(r.refused ? r.errors : r.skipped).dump();
  } catch (const nlohmann::json::exception&) {
    Fail();
  }

  // Every row decodes again.
  proto::Row row;
  proto::RowBatch full(table.schema, proto::Hasher::kDefault, kBuckets);
  std::vector<proto::Row> full_rows;
  for (size_t i = 0; i < batch.size(); ++i) {
    const proto::RowRef ref = batch[i];
    Check(ref.bucket < kBuckets);
    Check(proto::DecodeKey(table.schema, ref.key, &row).ok());
    if (ref.op == proto::RowOp::kDelete) {
      Check(ref.row.empty() && ref.update_mask.empty());
      continue;
    }
    Check(proto::DecodeRow(table.schema, ref.row, &row).ok());
    if (ref.update_mask.empty()) full_rows.push_back(row);
  }

  // The full upserts, written out and read back, are the same rows.
  if (full_rows.empty()) return 0;
  server::RowWriterOptions wo;
  wo.format = format;
  wo.time_zone = options.time_zone;
  // CSV holds no nested values (a CSV body leaves them null): write the scalar columns only.
  std::string scalar_columns;
  if (format == server::BodyFormat::kCsv) {
    for (const proto::Column& c : table.schema.columns) {
      if (c.type.IsScalar()) scalar_columns += (scalar_columns.empty() ? "" : ",") + c.name;
    }
    wo.columns = scalar_columns;
  }
  auto writer = server::RowWriter::Create(table.schema, wo);
  Check(writer.ok());
  std::string out;
  writer->Begin(&out);
  for (const proto::Row& written : full_rows) writer->Write(written, table.partition.values, &out);
  writer->End(&out);
  server::LoadOptions again;
  again.partition = &table.partition;
  again.time_zone = options.time_zone;
  proto::RowBatch back(table.schema, proto::Hasher::kDefault, kBuckets);
  const server::LoadResult rb = server::ReadBody(format, out, again, &back);
  Check(!rb.refused && back.size() == full_rows.size());
  size_t j = 0;
  for (size_t i = 0; i < batch.size(); ++i) {
    const proto::RowRef a = batch[i];
    if (a.op == proto::RowOp::kDelete || !a.update_mask.empty()) continue;
    const proto::RowRef b = back[j++];
    Check(b.op == proto::RowOp::kUpsert && b.bucket == a.bucket);
    Check(a.key == b.key && a.row == b.row && b.update_mask.empty());
  }
  return 0;
}

}  // namespace deltatunnel::fuzz
