// Date and time text of api.md section 3, both ways:
//   DATE                    YYYY-MM-DD
//   DATETIME, TIMESTAMP_NTZ YYYY-MM-DD HH:MM:SS[.f{1,9}]          ('T' also accepted between)
//   TIMESTAMP               the same followed by Z or +HH:MM (also +HHMM, +HH, +HH:MM:SS), or
//                           without an offset, read in the request's zone
// Years 0001 to 9999. Output uses as few fraction digits of 3, 6 or 9 as keep the value exact.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "deltatunnel/proto/status.h"
#include "deltatunnel/proto/value.h"
#include "deltatunnel/server/format_time_zone.h"

namespace deltatunnel::server {

struct DateTimeText {
  int64_t local_seconds = 0;  // the wall clock as epoch seconds
  int32_t nanos = 0;
  bool has_offset = false;
  int32_t offset_seconds = 0;  // east of UTC, when has_offset
};

// Parses "YYYY-MM-DD[ T]HH:MM:SS[.f{1,9}][offset]". The message says what is wrong with `text`.
Status ParseDateTimeText(std::string_view text, DateTimeText* out);
// Parses "YYYY-MM-DD" into epoch days.
Status ParseDateText(std::string_view text, int64_t* days);

// A TIMESTAMP's instant: the text's own offset, else its wall clock read in `zone`.
Status ParseTimestampText(std::string_view text, const TimeZone& zone, proto::Timestamp* out);

void AppendDate(int64_t days, std::string* out);
// "YYYY-MM-DD HH:MM:SS[.fff|.ffffff|.fffffffff]" of a wall clock given as epoch seconds + nanos.
void AppendDateTime(int64_t seconds, int32_t nanos, std::string* out);
// RFC 3339 in `zone`: "2026-11-25T18:10:10.123+08:00", "...Z" at offset 0; an offset with seconds
// (some zones before 1900) keeps them, "+00:17:30", so the instant stays exact.
void AppendTimestamp(const proto::Timestamp& ts, const TimeZone& zone, std::string* out);

}  // namespace deltatunnel::server
