// Rows on disk and in memory: schema checks, the compact row encoding, and the order-preserving key
// encoding.
//
// Row encoding (only the data columns; a partial row stores its unchanged columns as null):
//   row      := null_bitmap[ceil(n/8)] value*          -- one value per non-null column, in order
//   value    := BOOLEAN u8 | integers, DATE, DATETIME zigzag varint | FLOAT 4 LE | DOUBLE 8 LE
//             | string-like, DECIMAL text: varint len, bytes | TIMESTAMP*: zigzag varint s, varint
//             nanos | ARRAY: varint count, null_bitmap, value* | MAP: ARRAY of keys, ARRAY of
//             values | STRUCT: null_bitmap over fields, value*
// Key encoding (the primary key columns in key order, memcmp order = the key's natural order):
//   integers, DATE, DATETIME: 8 bytes big-endian with the sign bit flipped; BOOLEAN: 1 byte;
//   FLOAT/DOUBLE: IEEE bits flipped for order; TIMESTAMP*: seconds as integer, nanos 4 bytes BE;
//   string-like: bytes with 0x00 escaped as 0x00 0xFF, terminated by 0x00 0x01;
//   DECIMAL: sign byte, then integer digit count and digits (ordered), see the implementation.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "deltatunnel/proto/schema.h"
#include "deltatunnel/proto/status.h"
#include "deltatunnel/proto/value.h"

namespace deltatunnel::proto {

// Checks one value against its column type: kind, integer range, DECIMAL digits (normalises the
// text to exactly `scale` fraction digits, rounding half-up), VARCHAR/CHAR length, DATE range,
// nested types. On failure the message names the problem; the caller adds the column.
Status NormalizeValue(const Type& type, Value* value);

// Checks and normalises a whole row: width, every value, NOT NULL columns (for a delete only the
// key columns are required and the rest must be null). Messages name the column: "column 'amount':
// ...".
Status NormalizeRow(const TableSchema& schema, bool is_delete, Row* row);
// The same for a partial upsert: the columns not in `update_columns` (data column indices; key
// columns are always updated) are set to null and not checked.
Status NormalizePartialRow(const TableSchema& schema, const std::vector<int>& update_columns,
                           Row* row);
// Checks a row as NormalizeRow does, without changing or copying it: true when NormalizeRow would
// accept it as it is, false when it would convert a value first (an integer or FLOAT for a DOUBLE
// column, a DECIMAL, ARRAY, MAP or STRUCT value; the row is then not checked to its end), and
// NormalizeRow's error when a value it reaches is refused.
Result<bool> CheckRow(const TableSchema& schema, bool is_delete, const Row& row);

// Encoders append to `out`; they take normalised rows. Decoders answer InternalServerError for
// bytes that are not an encoding of this schema (stored data is never the client's fault).
void EncodeRow(const TableSchema& schema, const Row& row, std::string* out);
Status DecodeRow(const TableSchema& schema, std::string_view bytes, Row* row);

void EncodeKey(const TableSchema& schema, const Row& row, std::string* out);
// Fills the key columns of `row` (sized to the schema) from an encoded key.
Status DecodeKey(const TableSchema& schema, std::string_view key, Row* row);

}  // namespace deltatunnel::proto
