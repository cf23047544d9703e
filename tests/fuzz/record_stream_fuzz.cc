// Feeds arbitrary bytes to DecodeRecordStream under a few schemas (the first byte picks one). A
// stream that decodes must leave a batch whose every row and key decodes again.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "deltatunnel/proto/record_stream.h"
#include "deltatunnel/proto/row_codec.h"

namespace {

using namespace deltatunnel::proto;

TableSchema Make(std::initializer_list<std::pair<const char*, const char*>> columns, int keys) {
  TableSchema s;
  for (const auto& [name, type] : columns) {
    s.columns.push_back({name, Type::Parse(type).value(), s.columns.size() >= size_t(keys), ""});
  }
  for (int i = 0; i < keys; ++i) s.primary_key.push_back(i);
  return s;
}

const TableSchema* Schemas() {
  static const TableSchema kSchemas[] = {
      Make({{"k", "BIGINT"}, {"s", "STRING"}}, 1),
      Make({{"k", "STRING"},
            {"d", "DECIMAL(18,2)"},
            {"t", "TIMESTAMP"},
            {"f", "FLOAT"},
            {"x", "DOUBLE"},
            {"b", "BOOLEAN"},
            {"v", "VARCHAR(4)"}},
           2),
      Make({{"k", "INT"},
            {"a", "ARRAY<MAP<STRING,STRUCT<x:INT,y:ARRAY<DATE>>>>"},
            {"m", "MAP<BIGINT,DECIMAL(38,10)>"}},
           1),
  };
  return kSchemas;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const TableSchema& schema = Schemas()[data[0] % 3];
  RecordStreamOptions options;
  options.allow_partial_update = (data[0] & 0x80) != 0;
  const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  deltatunnel::Result<RowBatch> batch =
      DecodeRecordStream(schema, Hasher::kDefault, 16, body, options);
  if (!batch.ok()) return 0;
  Row row;
  for (size_t i = 0; i < batch->size(); ++i) {
    const RowRef r = (*batch)[i];
    if (r.bucket >= 16) __builtin_trap();
    if (!DecodeKey(schema, r.key, &row).ok()) __builtin_trap();
    if (r.op == RowOp::kUpsert && !DecodeRow(schema, r.row, &row).ok()) __builtin_trap();
  }
  return 0;
}
