// Values as text in answers (api.md section 3 "Output"), appended to a caller's buffer:
//   BOOLEAN true/false; integers as numbers; FLOAT, DOUBLE as numbers, the shortest text that reads
//   back to the same value (NaN and infinities, which JSON cannot spell, as the strings "NaN",
//   "Infinity", "-Infinity", which the readers accept back); DECIMAL a string with exactly its
//   scale's digits; string types as strings; BINARY base64; DATE YYYY-MM-DD; DATETIME and
//   TIMESTAMP_NTZ "YYYY-MM-DD HH:MM:SS[.fff|.ffffff|.fffffffff]"; TIMESTAMP RFC 3339 in the read's
//   zone; ARRAY a JSON array; STRUCT an object by field name; MAP an object whose keys are the
//   keys' text ({"1": "a"} for MAP<INT,STRING>).
// In CSV a field holds the same text without JSON's quotes, in RFC 4180 quotes when it needs them;
// null is an empty field and the empty string is "" (the CSV reader reads both back); ARRAY, MAP
// and STRUCT hold their JSON text.
#pragma once

#include <string>
#include <string_view>

#include "deltatunnel/proto/type.h"
#include "deltatunnel/proto/value.h"
#include "deltatunnel/server/format_time_zone.h"

namespace deltatunnel::server {

void AppendJsonValue(const proto::Type& type, const proto::Value& value, const TimeZone& zone,
                     std::string* out);
void AppendCsvValue(const proto::Type& type, const proto::Value& value, const TimeZone& zone,
                    std::string* out);

// `s` as a JSON string literal. A byte that is not part of valid UTF-8 (a STRING written over the
// Tunnel may hold any bytes) becomes the escape \udcXX of its value XX, a lone low surrogate as
// PEP 383's surrogateescape has it: no valid text makes one, so the bytes are recoverable exactly.
void AppendJsonString(std::string_view s, std::string* out);
// `s` as a CSV field: as is, or in quotes (with quotes doubled) if it holds ',', '"', CR or LF, or
// is empty.
void AppendCsvText(std::string_view s, std::string* out);

}  // namespace deltatunnel::server
