// Date and time text both ways (format_time_text.h).
#include <catch2/catch.hpp>

#include "deltatunnel/proto/civil_date.h"
#include "deltatunnel/server/format_time_text.h"

namespace deltatunnel::server {
namespace {

std::string Date(int64_t days) {
  std::string s;
  AppendDate(days, &s);
  return s;
}

std::string DateTime(int64_t seconds, int32_t nanos) {
  std::string s;
  AppendDateTime(seconds, nanos, &s);
  return s;
}

std::string Ts(int64_t seconds, int32_t nanos, const TimeZone& zone) {
  std::string s;
  AppendTimestamp({seconds, nanos}, zone, &s);
  return s;
}

TEST_CASE("dates format as YYYY-MM-DD across the whole range") {
  CHECK(Date(0) == "1970-01-01");
  CHECK(Date(-1) == "1969-12-31");
  CHECK(Date(proto::kMinDateDays) == "0001-01-01");
  CHECK(Date(proto::kMaxDateDays) == "9999-12-31");
  for (int64_t d = proto::kMinDateDays; d <= proto::kMaxDateDays; d += 997) {
    int64_t back = 0;
    REQUIRE(ParseDateText(Date(d), &back).ok());
    REQUIRE(back == d);
  }
}

TEST_CASE("date-times use 3, 6 or 9 fraction digits only when needed") {
  CHECK(DateTime(0, 0) == "1970-01-01 00:00:00");
  CHECK(DateTime(-1, 0) == "1969-12-31 23:59:59");
  CHECK(DateTime(1, 500'000'000) == "1970-01-01 00:00:01.500");
  CHECK(DateTime(1, 123'456'000) == "1970-01-01 00:00:01.123456");
  CHECK(DateTime(1, 123'456'789) == "1970-01-01 00:00:01.123456789");
  CHECK(DateTime(1, 1) == "1970-01-01 00:00:01.000000001");
  CHECK(DateTime(253402300799, 999'999'999) == "9999-12-31 23:59:59.999999999");
}

TEST_CASE("date-time text parses with its offset") {
  DateTimeText t;
  REQUIRE(ParseDateTimeText("2026-11-25T10:11:12.5+08:00", &t).ok());
  CHECK(t.nanos == 500'000'000);
  CHECK(t.has_offset);
  CHECK(t.offset_seconds == 8 * 3600);
  REQUIRE(ParseDateTimeText("2026-11-25 10:11:12z", &t).ok());
  CHECK(t.offset_seconds == 0);
  REQUIRE(ParseDateTimeText("2026-11-25 10:11:12-03", &t).ok());
  CHECK(t.offset_seconds == -3 * 3600);
  CHECK_FALSE(ParseDateTimeText("2026-11-25 10:11:12.", &t).ok());
  CHECK_FALSE(ParseDateTimeText("2026-11-25 10:11", &t).ok());
  CHECK_FALSE(ParseDateTimeText("2026-11-25 10:11:12 ", &t).ok());
  CHECK_FALSE(ParseDateTimeText("2026-13-25 10:11:12", &t).ok());
  CHECK_FALSE(ParseDateTimeText("2026-11-25 10:61:12", &t).ok());
}

TEST_CASE("timestamps render in the read's zone, Z for UTC") {
  const TimeZone utc;
  const TimeZone shanghai = TimeZone::Parse("Asia/Shanghai").value();
  const TimeZone ny = TimeZone::Parse("America/New_York").value();
  const TimeZone india = TimeZone::Parse("-05:30").value();
  const int64_t t = 1795600800;  // 2026-11-25T10:00:00Z
  CHECK(Ts(t, 0, utc) == "2026-11-25T10:00:00Z");
  CHECK(Ts(t, 123'000'000, shanghai) == "2026-11-25T18:00:00.123+08:00");
  CHECK(Ts(t, 0, ny) == "2026-11-25T05:00:00-05:00");
  CHECK(Ts(t, 0, india) == "2026-11-25T04:30:00-05:30");
  // Local mean time keeps its seconds so the instant stays exact.
  CHECK(Ts(-3786825600, 0, ny) == "1849-12-31T19:03:58-04:56:02");
  // A wall clock past year 9999 is not written: the instant is rendered in UTC instead.
  CHECK(Ts(253402300799, 0, shanghai) == "9999-12-31T23:59:59Z");
  proto::Timestamp back;
  REQUIRE(ParseTimestampText("1849-12-31T19:03:58-04:56:02", utc, &back).ok());
  CHECK(back.seconds == -3786825600);
}

}  // namespace
}  // namespace deltatunnel::server
