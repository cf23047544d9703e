// The text of one scalar value as a body gives it, converted to a proto::Value of a column's type
// (api.md section 3 "Input"). Shared by the JSON readers (a string's content, a number's text) and
// the CSV reader (a field), so a value means the same in every body format.
//
// The result still goes through proto::NormalizeValue (RowBatch::Add), which checks ranges of the
// smaller integer types, VARCHAR/CHAR lengths and DECIMAL digits, and rounds DECIMAL half-up.
#pragma once

#include <string_view>

#include "deltatunnel/proto/status.h"
#include "deltatunnel/proto/type.h"
#include "deltatunnel/proto/value.h"
#include "deltatunnel/server/format_time_zone.h"

namespace deltatunnel::server {

enum class TextSource {
  kJsonString,  // the unescaped content of a JSON string
  kJsonNumber,  // the text of a JSON number, as written (never read through a double)
  kCsvField,    // a CSV field: untyped text
};

// Converts `text` to a value of scalar `type`. TIMESTAMP text without an offset is read in `zone`.
// The message says what is wrong with the text and what was expected; the caller adds the column.
Status ParseScalarText(const proto::Type& type, std::string_view text, TextSource source,
                       const TimeZone& zone, proto::Value* out);

// `text` shortened for a message and quoted: 'abc'.
std::string QuoteForMessage(std::string_view text);

}  // namespace deltatunnel::server
