// The rules of one IANA zone, read from a TZif file (RFC 8536, versions 1 to 4), and the POSIX TZ
// rule (its footer) that extends the transitions past the last one listed in the file.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "deltatunnel/proto/status.h"

namespace deltatunnel::server {

// A POSIX TZ string ("EST5EDT,M3.2.0,M11.1.0", "<+0330>-3:30", "IST-2IDT,M3.4.4/26,M10.5.0"), with
// the RFC 8536 extensions (hours up to 167, negative times).
struct PosixTzRule {
  // A date rule: Jn (1..365, no Feb 29), n (0..365, zero-based), or Mm.w.d.
  struct DateRule {
    enum class Kind { kJulian1, kJulian0, kMonthWeekDay } kind = Kind::kJulian0;
    int day = 0;  // Jn / n
    int month = 0, week = 0, weekday = 0;
    int32_t time = 7200;  // seconds after local midnight, may be negative or > 24h
  };
  int32_t std_offset = 0;  // seconds east of UTC
  bool has_dst = false;
  int32_t dst_offset = 0;
  DateRule start, end;

  // nullopt if `text` is malformed.
  static std::optional<PosixTzRule> Parse(std::string_view text);
  int32_t OffsetAt(int64_t utc_seconds) const;
};

struct ZoneRules {
  std::vector<int64_t> transitions;  // epoch seconds, ascending
  std::vector<int32_t> offsets;      // offsets[i] is in effect from transitions[i]
  int32_t initial_offset = 0;        // before the first transition
  std::optional<PosixTzRule> tail;   // after the last transition, when the file has one

  int32_t OffsetAt(int64_t utc_seconds) const;
};

// Parses the bytes of a TZif file. InvalidArgument if they are not one.
Result<ZoneRules> ParseTzif(std::string_view bytes);

}  // namespace deltatunnel::server
