// TimeZone: the zone of a request's `timezone` parameter (api.md section 3), used to read TIMESTAMP
// text without an offset and to render TIMESTAMP values. Either a fixed offset ("+08:00", "-0530",
// "Z", "UTC") or an IANA zone read from the OS time zone database (TZif files under
// /usr/share/zoneinfo, package tzdata; $TZDIR overrides the folder).
//
// Why not date/tz.h (libhowardhinnant-date-dev): with the OS database it ignores the POSIX rule at
// the end of a TZif file, so every zone with daylight saving time loses it after 2037. Our reader
// applies that rule, so far-future wall-clock times convert correctly.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "deltatunnel/proto/status.h"

namespace deltatunnel::server {

struct ZoneRules;  // src/format/tzif.h

class TimeZone {
 public:
  TimeZone() = default;  // UTC

  // Parses an IANA name ("Asia/Shanghai", "America/New_York", "Etc/UTC"; case as in the database),
  // "UTC", "GMT", "Z", or a fixed offset "+08:00", "+0800", "+08", "-05:30:00", optionally after
  // "UTC"/"GMT" ("UTC+08:00"). Offsets are bounded by +-18:00. A zone's file is read once per
  // process and shared. Unknown or malformed: InvalidArgument naming it.
  static Result<TimeZone> Parse(std::string_view name);
  static TimeZone FixedOffset(int32_t offset_seconds);

  // "UTC", "+08:00" (a fixed offset, canonical), or the IANA name as given.
  const std::string& name() const { return name_; }
  bool is_fixed() const { return rules_ == nullptr; }

  // Seconds east of UTC in effect at the instant `utc_seconds` (epoch seconds).
  int32_t OffsetAt(int64_t utc_seconds) const;

  // The instant (epoch seconds) at which local clocks read `local_seconds` (wall clock as epoch
  // seconds). The rule for times a transition makes ambiguous, the same as java.time's:
  //   - in an overlap (clocks set back) the earlier instant, i.e. the offset before the transition;
  //   - in a gap (clocks set forward) the time is moved later by the length of the gap, i.e. read
  //     with the offset before the transition (02:30 on a spring-forward night becomes 03:30).
  int64_t LocalToUtc(int64_t local_seconds) const;

 private:
  std::string name_ = "UTC";
  int32_t fixed_offset_ = 0;
  std::shared_ptr<const ZoneRules> rules_;  // shared: immutable, cached per name for the process
};

}  // namespace deltatunnel::server
