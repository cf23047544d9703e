#include "deltatunnel/proto/record_stream.h"

#include <catch2/catch.hpp>
#include <ctime>

#include "deltatunnel/proto/crc32c.h"
#include "deltatunnel/proto/row_codec.h"
#include "test_values.h"

using namespace deltatunnel;
using namespace deltatunnel::proto;
using deltatunnel::proto::testing::RandomValue;
using deltatunnel::proto::testing::T;

namespace {

std::string Hex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i < hex.size(); ++i) {
    if (hex[i] == ' ') continue;
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
    ++i;
  }
  return out;
}

// wire-format.md section 3, the test vector.
const std::string kVector =
    Hex("08 02  12 01 61  28 aa 01  3a 00  80 c0 ff 7f fa c4 94 a6 0b"
        "08 02  28 88 01  3a 00  80 c0 ff 7f 80 cf ee 9f 06"
        "f0 ff ff 7f 04  f8 ff ff 7f df f5 a0 a1 0a");

TableSchema KS() {
  TableSchema s;
  s.columns = {{"k", T("BIGINT"), false, ""}, {"s", T("STRING"), true, ""}};
  s.primary_key = {0};
  return s;
}

std::string Varint(uint64_t v) {
  std::string s;
  while (v >= 0x80) {
    s.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  s.push_back(static_cast<char>(v));
  return s;
}
uint64_t Zig(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
std::string Le(uint64_t v, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s.push_back(static_cast<char>(v >> (8 * i)));
  return s;
}

// Builds streams by hand, field by field, with correct CRCs unless told otherwise.
struct RawStream {
  std::string bytes, record_crc_input, crcs;
  uint64_t records = 0;

  RawStream& Int(uint32_t field, int64_t v, uint32_t wire_type = 0) {
    bytes += Varint(field << 3 | wire_type) + Varint(Zig(v));
    record_crc_input += Le(field, 4) + Le(static_cast<uint64_t>(v), 8);
    return *this;
  }
  RawStream& Str(uint32_t field, std::string_view v) {
    bytes += Varint(field << 3 | 2) + Varint(v.size()) + std::string(v);
    record_crc_input += Le(field, 4) + std::string(v);
    return *this;
  }
  RawStream& Raw(std::string_view b) {
    bytes += b;
    return *this;
  }
  RawStream& End(int64_t crc_delta = 0) {
    const uint32_t crc = Crc32c(record_crc_input) + static_cast<uint32_t>(crc_delta);
    bytes += Varint(33553408u << 3) + Varint(crc);
    crcs += Le(crc, 4);
    record_crc_input.clear();
    ++records;
    return *this;
  }
  std::string Finish(int64_t count_delta = 0, uint32_t checksum_delta = 0) const {
    return bytes + Varint(33554430u << 3) +
           Varint(Zig(static_cast<int64_t>(records) + count_delta)) + Varint(33554431u << 3) +
           Varint(Crc32c(crcs) + checksum_delta);
  }
};

Result<RowBatch> Decode(const TableSchema& s, std::string_view body,
                        std::optional<uint64_t> expected = std::nullopt, bool partial = false) {
  RecordStreamOptions o;
  o.expected_records = expected;
  o.allow_partial_update = partial;
  return DecodeRecordStream(s, Hasher::kDefault, 16, body, o);
}

Row RowAt(const RowBatch& b, size_t i) {
  Row row;
  if (b[i].op == RowOp::kDelete) {
    REQUIRE(DecodeKey(b.schema(), b[i].key, &row).ok());
  } else {
    REQUIRE(DecodeRow(b.schema(), b[i].row, &row).ok());
  }
  return row;
}

void RequireCorrupt(const TableSchema& s, std::string_view body, std::string_view fragment,
                    ErrorCode code = ErrorCode::kCorruptedDataStream) {
  Result<RowBatch> r = Decode(s, body);
  REQUIRE_FALSE(r.ok());
  INFO(r.status().ToString());
  CHECK(r.status().code() == code);
  CHECK(r.status().message().find(fragment) != std::string::npos);
}

}  // namespace

TEST_CASE("the wire-format.md test vector encodes byte for byte", "[record_stream]") {
  const TableSchema s = KS();
  RecordStreamWriter w(s);
  REQUIRE(w.Write(Row{Value(int64_t{1}), Value("a")}, RowOp::kUpsert).ok());
  REQUIRE(w.Write(Row{Value(int64_t{1}), Value()}, RowOp::kDelete).ok());
  CHECK(w.records() == 2);
  const std::string stream = w.Finish();
  CHECK(Catch::Detail::stringify(stream) == Catch::Detail::stringify(kVector));
  CHECK(stream == kVector);
  CHECK(w.records() == 0);
  // A delete of a whole row writes the key only.
  REQUIRE(w.Write(Row{Value(int64_t{1}), Value("a")}, RowOp::kUpsert).ok());
  REQUIRE(w.Write(Row{Value(int64_t{1}), Value("whole row")}, RowOp::kDelete).ok());
  CHECK(w.Finish() == kVector);
}

TEST_CASE("the wire-format.md test vector decodes", "[record_stream]") {
  const TableSchema s = KS();
  Result<RowBatch> r = Decode(s, kVector, 2);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  const RowBatch& b = *r;
  REQUIRE(b.size() == 2);
  CHECK(b.upserts() == 1);
  CHECK(b.deletes() == 1);
  CHECK(b[0].op == RowOp::kUpsert);
  CHECK(RowAt(b, 0) == Row{Value(int64_t{1}), Value("a")});
  CHECK(b[1].op == RowOp::kDelete);
  CHECK(RowAt(b, 1)[0] == Value(int64_t{1}));
  CHECK(b[0].bucket == 3);  // BIGINT 1 with N = 16
  CHECK(b[0].key == b[1].key);
}

TEST_CASE("a writer's next stream starts in a buffer the size of its last one", "[record_stream]") {
  const TableSchema s = KS();
  RecordStreamWriter w(s);
  const auto write = [&](int64_t k) {
    REQUIRE(w.Write({Value(k), Value(std::string(100, 'x'))}, RowOp::kUpsert).ok());
  };
  for (int64_t k = 0; k < 1000; ++k) write(k);
  const std::string first = w.Finish();
  CHECK(w.capacity() < 100);  // handed over with the stream
  write(0);
  CHECK(w.capacity() >= first.size());
  CHECK(w.capacity() <= first.size() + first.size() / 8 + 64);
  // Reserving changes no byte: the same rows make the same stream.
  for (int64_t k = 1; k < 1000; ++k) write(k);
  const size_t capacity = w.capacity();
  CHECK(w.Finish() == first);
  CHECK(capacity == first.size() + first.size() / 8);  // never regrown
}

TEST_CASE("a recycled buffer makes the same stream; it is taken only between streams",
          "[record_stream]") {
  const TableSchema s = KS();
  const auto fill = [&](RecordStreamWriter& w) {
    for (int64_t k = 0; k < 500; ++k) {
      REQUIRE(
          w.Write({Value(k), Value(std::string(static_cast<size_t>(k % 90), 'y'))}, RowOp::kUpsert)
              .ok());
    }
  };
  RecordStreamWriter fresh(s);
  fill(fresh);
  const std::string expected = fresh.Finish();

  RecordStreamWriter w(s);
  std::string garbage(2 * expected.size(), '\xab');  // what a sent stream leaves behind
  const size_t capacity = garbage.capacity();
  w.Recycle(std::move(garbage));
  CHECK(w.capacity() == capacity);
  fill(w);
  CHECK(w.capacity() == capacity);  // written in place, never regrown
  CHECK(w.Finish() == expected);

  // While a stream is open, or when smaller than the writer's own buffer, a buffer is not taken.
  REQUIRE(w.Write({Value(int64_t{1}), Value("a")}, RowOp::kUpsert).ok());
  const size_t open_capacity = w.capacity();
  w.Recycle(std::string(4 * expected.size(), 'z'));
  CHECK(w.capacity() == open_capacity);
  REQUIRE(w.Write({Value(int64_t{1}), Value()}, RowOp::kDelete).ok());
  CHECK(w.Finish() == kVector);
  fill(w);
  CHECK(w.Finish() == expected);
  // A recycled buffer too small for the next stream is dropped, not grown: the stream starts in
  // a buffer of the last stream's size and an eighth, as without it.
  w.Recycle(std::string(16, 'z'));
  fill(w);
  CHECK(w.capacity() == expected.size() + expected.size() / 8);
  CHECK(w.Finish() == expected);
}

TEST_CASE("long values: the record CRC is right whatever the record's size", "[record_stream]") {
  // The writer gathers a record's CRC input in a small buffer and folds values longer than it in
  // directly; the reader checks every record CRC against the bytes it decoded.
  TableSchema s;
  s.columns.push_back({"k", T("BIGINT"), false, ""});
  for (int c = 0; c < 6; ++c) s.columns.push_back({"s" + std::to_string(c), T("STRING")});
  s.columns.push_back({"a", T("ARRAY<STRING>")});
  s.primary_key = {0};
  REQUIRE(s.Validate().ok());
  std::mt19937_64 rng(5);
  RecordStreamWriter w(s);
  std::vector<Row> rows;
  for (int64_t k = 0; k < 300; ++k) {
    Row row{Value(k)};
    for (int c = 0; c < 6; ++c) {
      const size_t len = rng() % 3 == 0 ? 500 + rng() % 30 : rng() % 2000;
      std::string v(len, ' ');
      for (char& ch : v) ch = static_cast<char>(rng());
      row.push_back(rng() % 7 == 0 ? Value() : Value(std::move(v)));
    }
    List list;
    for (size_t e = rng() % 40; e > 0; --e) list.push_back(Value(std::string(rng() % 300, 'q')));
    row.push_back(Value(std::move(list)));
    REQUIRE(w.Write(row, RowOp::kUpsert).ok());
    rows.push_back(std::move(row));
  }
  const std::string stream = w.Finish();
  Result<RowBatch> b = Decode(s, stream, rows.size());
  INFO(b.status().ToString());
  REQUIRE(b.ok());
  for (size_t r = 0; r < rows.size(); ++r) REQUIRE(RowAt(*b, r) == rows[r]);
}

TEST_CASE("the record_count parameter must match", "[record_stream]") {
  Result<RowBatch> r = Decode(KS(), kVector, 3);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == ErrorCode::kCorruptedDataStream);
  CHECK(r.status().message().find("record_count is 3") != std::string::npos);
}

TEST_CASE("an empty stream is a valid stream of no records", "[record_stream]") {
  const TableSchema s = KS();
  RecordStreamWriter w(s);
  const std::string empty = w.Finish();
  Result<RowBatch> r = Decode(s, empty, 0);
  REQUIRE(r.ok());
  CHECK(r->empty());
  CHECK_FALSE(Decode(s, "", 0).ok());
}

TEST_CASE("random rows of every type round trip through writer and reader", "[record_stream]") {
  TableSchema s;
  s.columns.push_back({"k", T("BIGINT"), false, ""});
  s.columns.push_back({"k2", T("STRING"), false, ""});
  int i = 0;
  for (const char* type : {"BOOLEAN",
                           "TINYINT",
                           "SMALLINT",
                           "INT",
                           "BIGINT",
                           "FLOAT",
                           "DOUBLE",
                           "DECIMAL(18,2)",
                           "DECIMAL(38,10)",
                           "STRING",
                           "VARCHAR(10)",
                           "CHAR(4)",
                           "BINARY",
                           "JSON",
                           "DATE",
                           "DATETIME",
                           "TIMESTAMP",
                           "TIMESTAMP_NTZ",
                           "ARRAY<INT>",
                           "ARRAY<ARRAY<STRING>>",
                           "MAP<STRING,DOUBLE>",
                           "MAP<BIGINT,ARRAY<DECIMAL(10,3)>>",
                           "STRUCT<a:INT,b:STRING,c:DATE>",
                           "STRUCT<x:ARRAY<STRUCT<y:BOOLEAN,z:TIMESTAMP>>,m:MAP<INT,STRING>>"}) {
    s.columns.push_back({"c" + std::to_string(i++), T(type)});
  }
  s.primary_key = {0, 1};
  REQUIRE(s.Validate().ok());
  std::mt19937_64 rng(11);
  for (int round = 0; round < 20; ++round) {
    RecordStreamWriter w(s);
    RecordStreamWriter normalized(s);  // fed the rows w normalised: the same bytes
    std::vector<Row> rows;
    std::vector<RowOp> ops;
    const int n = static_cast<int>(rng() % 50);
    for (int r = 0; r < n; ++r) {
      Row row;
      for (const Column& c : s.columns) row.push_back(RandomValue(rng, c.type, c.nullable));
      const RowOp op = rng() % 4 == 0 ? RowOp::kDelete : RowOp::kUpsert;
      REQUIRE(w.Write(row, op).ok());
      if (op == RowOp::kDelete) {
        for (size_t c = 2; c < row.size(); ++c) row[c] = Value();
      }
      REQUIRE(NormalizeRow(s, op == RowOp::kDelete, &row).ok());
      normalized.WriteNormalized(row, op);
      rows.push_back(row);
      ops.push_back(op);
    }
    const std::string stream = w.Finish();
    REQUIRE(normalized.records() == static_cast<uint64_t>(n));
    REQUIRE(normalized.Finish() == stream);
    Result<RowBatch> b = Decode(s, stream, n);
    INFO(b.status().ToString());
    REQUIRE(b.ok());
    REQUIRE(b->size() == rows.size());
    for (size_t r = 0; r < rows.size(); ++r) {
      REQUIRE((*b)[r].op == ops[r]);
      REQUIRE((*b)[r].bucket == BucketOf(Hasher::kDefault, s, rows[r], 16));
      if (ops[r] == RowOp::kUpsert) {
        REQUIRE(RowAt(*b, r) == rows[r]);
      } else {
        const Row key = RowAt(*b, r);
        REQUIRE(key[0] == rows[r][0]);
        REQUIRE(key[1] == rows[r][1]);
      }
    }
  }
}

TEST_CASE("fields in any order are read; the CRC follows the stream order", "[record_stream]") {
  const TableSchema s = KS();
  RawStream raw;
  raw.Int(3 + 2, 'U').Str(2, "b").Int(1, 7).End();
  Result<RowBatch> r = Decode(s, raw.Finish(), 1);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  CHECK(RowAt(*r, 0) == Row{Value(int64_t{7}), Value("b")});
}

TEST_CASE("a record without __operation is an upsert; hidden columns are read", "[record_stream]") {
  const TableSchema s = KS();
  RawStream raw;
  raw.Int(1, 7).Int(3, 99).Int(4, 100).Raw(Varint(6 << 3 | 2) + Varint(1) + Varint(0) +
                                           Varint(Zig(1)));
  raw.record_crc_input += Le(6, 4) + Le(1, 8);
  raw.End();
  Result<RowBatch> r = Decode(s, raw.Finish(), 1);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  CHECK((*r)[0].op == RowOp::kUpsert);
}

TEST_CASE("partial updates: column ids, and refused unless allowed", "[record_stream]") {
  TableSchema s = KS();
  s.columns.push_back({"n", T("INT"), false, ""});
  RecordStreamWriter w(s);
  const std::vector<int> cols{1};
  REQUIRE(w.Write(Row{Value(int64_t{1}), Value("x"), Value()}, RowOp::kUpsert, &cols).ok());
  const std::string stream = w.Finish();
  RequireCorrupt(s, stream, "acid.partial.fields.update.enable", ErrorCode::kInvalidArgument);
  Result<RowBatch> r = Decode(s, stream, 1, true);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  CHECK((*r)[0].update_mask == std::string("\x03", 1));
  CHECK(RowAt(*r, 0) == Row{Value(int64_t{1}), Value("x"), Value()});

  RawStream bad;
  bad.Int(1, 1).Raw(Varint(8 << 3 | 2) + Varint(1) + Varint(0) + Varint(Zig(9)));
  bad.record_crc_input += Le(8, 4) + Le(9, 8);
  bad.End();
  Result<RowBatch> b = Decode(s, bad.Finish(), 1, true);
  REQUIRE_FALSE(b.ok());
  CHECK(b.status().code() == ErrorCode::kInvalidArgument);
  CHECK(b.status().message() ==
        "record 1: __value_cols names column_id 9, the table has 3 columns");
}

TEST_CASE("rows the table refuses are InvalidArgument naming record and column",
          "[record_stream]") {
  const TableSchema s = KS();
  RawStream nokey;
  nokey.Int(1, 1).End().Str(2, "only s").Int(5, 'U').End();
  Result<RowBatch> r = Decode(s, nokey.Finish());
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == ErrorCode::kInvalidArgument);
  CHECK(r.status().message() == "record 2: column 'k': a key column cannot be null");

  TableSchema tiny = s;
  tiny.columns[1] = {"t", T("TINYINT"), true, ""};
  RawStream range;
  range.Int(1, 1).Int(2, 1000).End();
  RequireCorrupt(tiny, range.Finish(), "record 1: column 't': 1000 is out of range",
                 ErrorCode::kInvalidArgument);

  RawStream op;
  op.Int(1, 1).Int(5, 'X').End();
  RequireCorrupt(s, op.Finish(), "record 1: __operation is 88", ErrorCode::kInvalidArgument);
}

TEST_CASE("framing errors are CorruptedDataStream naming record and reason", "[record_stream]") {
  const TableSchema s = KS();
  RawStream twice;
  twice.Int(1, 1).Int(1, 2).End();
  RequireCorrupt(s, twice.Finish(), "record 1: field 1 appears twice");

  RawStream unknown;
  unknown.Int(1, 1).End().Int(1, 2).Int(9, 0).End();
  RequireCorrupt(s, unknown.Finish(), "record 2: unknown field number 9");

  RawStream zero;
  zero.Raw(Varint(0 << 3) + Varint(0)).End();
  RequireCorrupt(s, zero.Finish(), "unknown field number 0");

  RawStream wire;
  wire.Int(1, 1, 1).End();
  RequireCorrupt(s, wire.Finish(), "record 1: column 'k' (field 1) has wire type fixed64");

  RawStream crc;
  crc.Int(1, 1).End(1);
  RequireCorrupt(s, crc.Finish(), "record 1: CRC mismatch");

  RawStream count;
  count.Int(1, 1).End();
  RequireCorrupt(s, count.Finish(1), "META_COUNT says 2 records, the stream holds 1");
  RequireCorrupt(s, count.Finish(0, 1), "META_CHECKSUM mismatch");
  RequireCorrupt(s, count.Finish() + "x", "1 bytes after META_CHECKSUM");
  RequireCorrupt(s, count.bytes, "ends without META_COUNT");

  RawStream open;
  open.Int(1, 1);
  RequireCorrupt(s, open.bytes, "the stream ends inside the record");
  RequireCorrupt(s, open.Finish(), "META_COUNT before the record's END_RECORD");

  RawStream overlong;
  overlong.Int(1, 1).Raw(Varint(2 << 3 | 2) + Varint(1000) + "ab").End();
  RequireCorrupt(s, overlong.Finish(), "record 1: column 's' (field 2): a length runs past");

  RequireCorrupt(s, Hex("08 80 80 80 80 80 80 80 80 80 80 01"), "record 1: column 'k'");
}

TEST_CASE("every truncation of a stream is refused", "[record_stream]") {
  const TableSchema s = KS();
  for (size_t cut = 0; cut < kVector.size(); ++cut) {
    Result<RowBatch> r = Decode(s, std::string_view(kVector).substr(0, cut));
    CAPTURE(cut);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == ErrorCode::kCorruptedDataStream);
  }
}

TEST_CASE("random corruption is refused or decodes, never crashes", "[record_stream]") {
  TableSchema s = KS();
  s.columns.push_back({"a", T("ARRAY<MAP<STRING,STRUCT<x:INT,y:TIMESTAMP>>>"), true, ""});
  std::mt19937_64 rng(5);
  RecordStreamWriter w(s);
  for (int r = 0; r < 30; ++r) {
    Row row;
    for (const Column& c : s.columns) row.push_back(RandomValue(rng, c.type, c.nullable));
    REQUIRE(w.Write(row, RowOp::kUpsert).ok());
  }
  const std::string stream = w.Finish();
  REQUIRE(Decode(s, stream, 30).ok());
  int refused = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string bad = stream;
    const int flips = 1 + static_cast<int>(rng() % 3);
    for (int f = 0; f < flips; ++f) bad[rng() % bad.size()] ^= static_cast<char>(1 + rng() % 255);
    Result<RowBatch> r = Decode(s, bad, 30);
    refused += !r.ok();
  }
  // A flipped byte changes a CRC-checked value or the framing: almost always refused.
  CHECK(refused > 2900);
}

TEST_CASE("record stream decode throughput", "[.bench][record_stream]") {
  TableSchema s;
  s.columns = {{"id", T("BIGINT"), false, ""},    {"user_id", T("BIGINT"), true, ""},
               {"amount", T("DOUBLE"), true, ""}, {"ts", T("DATETIME"), true, ""},
               {"name", T("STRING"), true, ""},   {"note", T("STRING"), true, ""}};
  s.primary_key = {0};
  RecordStreamWriter w(s);
  const int n = 200'000;
  for (int i = 0; i < n; ++i) {
    REQUIRE(w.Write(Row{Value(int64_t{i} * 7919), Value(int64_t{i % 1000}), Value(i * 1.25),
                        Value(int64_t{1764000000000} + i), Value("customer-" + std::to_string(i)),
                        Value(std::string(40, 'x'))},
                    RowOp::kUpsert)
                .ok());
  }
  const std::string stream = w.Finish();
  // Process CPU time, not wall time: the build machines are shared.
  double best = 1e9;
  for (int rep = 0; rep < 5; ++rep) {
    const std::clock_t t0 = std::clock();
    Result<RowBatch> b = Decode(s, stream, n);
    const double sec = static_cast<double>(std::clock() - t0) / CLOCKS_PER_SEC;
    REQUIRE(b.ok());
    best = std::min(best, sec);
  }
  WARN("decoded " << n << " records, " << stream.size() / n
                  << " bytes each: " << static_cast<int64_t>(n / best) << " rows/s, "
                  << static_cast<int64_t>(stream.size() / best / 1e6)
                  << " MB/s (crc32c hardware: " << Crc32cHardware() << ")");
}

TEST_CASE("a corrupted record is reported as corruption before its row is judged",
          "[record_stream]") {
  RawStream raw;
  raw.Str(2, "no key").End(1);  // bad CRC and no key column
  RequireCorrupt(KS(), raw.Finish(), "record 1: CRC mismatch");
}

TEST_CASE("a delete carrying its whole row keeps the key only", "[record_stream]") {
  RawStream raw;
  raw.Int(1, 4).Str(2, "dropped").Int(5, 'D').End();
  const TableSchema s = KS();  // outlives the batch, which refers to it
  Result<RowBatch> r = Decode(s, raw.Finish(), 1);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  CHECK((*r)[0].op == RowOp::kDelete);
  CHECK((*r)[0].row.empty());
  CHECK(RowAt(*r, 0)[0] == Value(int64_t{4}));
}

TEST_CASE("uint32 CRCs written as sign-extended 10-byte varints are read", "[record_stream]") {
  RawStream raw;
  raw.Int(1, 4);
  const uint32_t crc = Crc32c(raw.record_crc_input);
  const uint64_t extended = static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(crc)));
  raw.Raw(Varint(33553408u << 3) + Varint(extended));
  raw.crcs += Le(crc, 4);
  raw.records = 1;
  const TableSchema s = KS();
  Result<RowBatch> r = Decode(s, raw.Finish(), 1);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  CHECK(r->size() == 1);
}

TEST_CASE("a partial update of a delete is just a delete", "[record_stream]") {
  RawStream raw;
  raw.Int(1, 4).Int(5, 'D').Raw(Varint(7 << 3 | 2) + Varint(1) + Varint(0) + Varint(Zig(2)));
  raw.record_crc_input += Le(7, 4) + Le(2, 8);
  raw.End();
  const TableSchema s = KS();
  Result<RowBatch> r = Decode(s, raw.Finish(), 1);  // partial updates not allowed: no matter
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  CHECK((*r)[0].op == RowOp::kDelete);
  CHECK((*r)[0].update_mask.empty());
}

TEST_CASE("decoding stops at max_records and at one record past record_count", "[record_stream]") {
  TableSchema s = KS();
  RecordStreamWriter w(s);
  for (int64_t k = 0; k < 10; ++k)
    REQUIRE(w.Write({Value(k), Value(std::string("v"))}, RowOp::kUpsert).ok());
  const std::string body = w.Finish();
  RecordStreamOptions o;
  o.max_records = 10;
  CHECK(DecodeRecordStream(s, Hasher::kDefault, 16, body, o).ok());
  o.max_records = 9;
  auto over = DecodeRecordStream(s, Hasher::kDefault, 16, body, o);
  REQUIRE_FALSE(over.ok());
  CHECK(over.status().code() == ErrorCode::kRequestTooLarge);
  auto counted = Decode(s, body, 3);
  REQUIRE_FALSE(counted.ok());
  CHECK(counted.status().code() == ErrorCode::kCorruptedDataStream);
  CHECK(counted.status().message().find("record 4") != std::string::npos);
}

TEST_CASE("download records: the asked columns from field 1, no hidden columns",
          "[record_stream]") {
  TableSchema schema;
  schema.columns = {{"k", T("BIGINT"), false, ""}, {"s", T("STRING"), true, ""}};
  schema.primary_key = {0};
  RecordStreamWriter w(schema);
  const std::vector<int> columns = {1, 0};  // s as field 1, k as field 2
  w.WriteColumns({Value(int64_t{1}), Value(std::string("a"))}, columns);
  w.WriteColumns({Value(int64_t{2}), Value()}, columns);  // a null is absent
  std::string pieces;
  w.TakeWritten(&pieces);
  CHECK(w.records() == 2);
  w.WriteColumns({Value(int64_t{3}), Value(std::string("c"))}, columns);
  w.TakeWritten(&pieces);
  pieces += w.Finish();

  // Record 1 by hand: field 1 "a", field 2 zigzag(1); its CRC over (1 LE, "a", 2 LE, int64 1 LE).
  std::string crc_input;
  auto le = [&](uint64_t v, int n) {
    for (int i = 0; i < n; ++i) crc_input.push_back(static_cast<char>(v >> (8 * i)));
  };
  le(1, 4);
  crc_input += "a";
  le(2, 4);
  le(1, 8);
  std::string varint;
  for (uint32_t v = Crc32c(crc_input);; v >>= 7) {
    varint.push_back(static_cast<char>((v & 0x7f) | (v > 0x7f ? 0x80 : 0)));
    if (v <= 0x7f) break;
  }
  CHECK(pieces.substr(0, 5) == Hex("0a 01 61 10 02"));
  CHECK(pieces.substr(5, 4) == Hex("80 c0 ff 7f"));
  CHECK(pieces.substr(9, varint.size()) == varint);

  TableSchema projected;
  projected.columns = {schema.columns[1], schema.columns[0]};
  projected.primary_key = {1};
  auto batch = DecodeRecordStream(projected, Hasher::kDefault, 1, pieces);
  INFO(batch.status().ToString());
  REQUIRE(batch.ok());
  REQUIRE(batch->size() == 3);
  Row row;
  REQUIRE(DecodeRow(projected, (*batch)[1].row, &row).ok());
  CHECK(row[0].is_null());
  CHECK(row[1].as_int() == 2);
  REQUIRE(DecodeRow(projected, (*batch)[2].row, &row).ok());
  CHECK(row[0].as_string() == "c");
}
