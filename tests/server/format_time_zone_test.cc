// TimeZone: fixed offsets, IANA zones from the OS database, DST gaps and overlaps, and the POSIX
// rule past a zone file's last transition, checked against glibc's own reading of the same files.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <ctime>
#include <random>

#include "deltatunnel/proto/civil_date.h"
#include "deltatunnel/server/format_time_zone.h"

namespace deltatunnel::server {
namespace {

int64_t Utc(int64_t y, int mo, int d, int h, int mi = 0, int s = 0) {
  return proto::DaysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

TimeZone Zone(std::string_view name) {
  Result<TimeZone> z = TimeZone::Parse(name);
  INFO(name << ": " << z.status().ToString());
  REQUIRE(z.ok());
  return z.value();
}

TEST_CASE("fixed offsets") {
  CHECK(TimeZone().name() == "UTC");
  CHECK(Zone("UTC").OffsetAt(0) == 0);
  CHECK(Zone("utc").name() == "UTC");
  CHECK(Zone("Z").OffsetAt(0) == 0);
  CHECK(Zone("+08:00").OffsetAt(0) == 8 * 3600);
  CHECK(Zone("+08:00").name() == "+08:00");
  CHECK(Zone("-0530").OffsetAt(0) == -(5 * 3600 + 1800));
  CHECK(Zone("-0530").name() == "-05:30");
  CHECK(Zone("+08").OffsetAt(0) == 8 * 3600);
  CHECK(Zone("UTC+09:30").OffsetAt(0) == 9 * 3600 + 1800);
  CHECK(Zone("+00:00").name() == "UTC");
  CHECK(Zone("+05:45").LocalToUtc(Utc(2026, 1, 1, 5, 45)) == Utc(2026, 1, 1, 0));
  for (std::string_view bad : {"+8", "+19:00", "+08:60", "08:00", "+08:0", "+08:00:", "+0800:00"}) {
    Result<TimeZone> z = TimeZone::Parse(bad);
    INFO(bad);
    CHECK(z.status().code() == ErrorCode::kInvalidArgument);
  }
}

TEST_CASE("unknown and malformed zone names are refused by name") {
  Result<TimeZone> z = TimeZone::Parse("Mars/Olympus_Mons");
  REQUIRE_FALSE(z.ok());
  CHECK(z.status().message() == "unknown time zone 'Mars/Olympus_Mons'");
  for (std::string_view bad :
       {"../../etc/passwd", "/etc/localtime", "Asia/../UTC", "", "zone.tab", "Asia", "a b"}) {
    INFO(bad);
    Result<TimeZone> r = TimeZone::Parse(bad);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.status().message(), Catch::Contains("time zone"));
  }
}

TEST_CASE("IANA zones") {
  const TimeZone shanghai = Zone("Asia/Shanghai");
  CHECK(shanghai.name() == "Asia/Shanghai");
  CHECK(shanghai.OffsetAt(Utc(2026, 11, 25, 0)) == 8 * 3600);
  CHECK(shanghai.LocalToUtc(Utc(2026, 11, 25, 18)) == Utc(2026, 11, 25, 10));
  const TimeZone kolkata = Zone("Asia/Kolkata");
  CHECK(kolkata.OffsetAt(Utc(2026, 6, 1, 0)) == 5 * 3600 + 1800);
  const TimeZone utc = Zone("Etc/UTC");
  CHECK(utc.OffsetAt(Utc(2026, 6, 1, 0)) == 0);
}

TEST_CASE("New York: DST gap and overlap") {
  const TimeZone ny = Zone("America/New_York");
  CHECK(ny.OffsetAt(Utc(2026, 1, 15, 12)) == -5 * 3600);
  CHECK(ny.OffsetAt(Utc(2026, 7, 15, 12)) == -4 * 3600);
  // 2026-03-08: clocks go from 02:00 EST to 03:00 EDT (07:00Z).
  CHECK(ny.OffsetAt(Utc(2026, 3, 8, 6, 59, 59)) == -5 * 3600);
  CHECK(ny.OffsetAt(Utc(2026, 3, 8, 7)) == -4 * 3600);
  CHECK(ny.LocalToUtc(Utc(2026, 3, 8, 1, 59, 59)) == Utc(2026, 3, 8, 6, 59, 59));
  CHECK(ny.LocalToUtc(Utc(2026, 3, 8, 3)) == Utc(2026, 3, 8, 7));
  // In the gap: read with the offset before it, i.e. moved one hour later (03:30 EDT).
  CHECK(ny.LocalToUtc(Utc(2026, 3, 8, 2, 30)) == Utc(2026, 3, 8, 7, 30));
  // 2026-11-01: clocks go from 02:00 EDT back to 01:00 EST (06:00Z); 01:30 happens twice.
  CHECK(ny.LocalToUtc(Utc(2026, 11, 1, 1, 30)) == Utc(2026, 11, 1, 5, 30));  // the earlier
  CHECK(ny.LocalToUtc(Utc(2026, 11, 1, 0, 59)) == Utc(2026, 11, 1, 4, 59));
  CHECK(ny.LocalToUtc(Utc(2026, 11, 1, 2, 0)) == Utc(2026, 11, 1, 7, 0));
  // Past the last transition in the file (2037): the POSIX rule keeps DST going.
  CHECK(ny.OffsetAt(Utc(2040, 7, 1, 12)) == -4 * 3600);
  CHECK(ny.OffsetAt(Utc(2040, 12, 1, 12)) == -5 * 3600);
  CHECK(ny.LocalToUtc(Utc(2100, 3, 14, 2, 30)) == Utc(2100, 3, 14, 7, 30));
  // Before standard time: local mean time, -4:56:02.
  CHECK(ny.OffsetAt(Utc(1850, 1, 1, 0)) == -(4 * 3600 + 56 * 60 + 2));
}

TEST_CASE("southern hemisphere and half-hour DST") {
  const TimeZone sydney = Zone("Australia/Sydney");
  CHECK(sydney.OffsetAt(Utc(2026, 1, 1, 0)) == 11 * 3600);
  CHECK(sydney.OffsetAt(Utc(2026, 7, 1, 0)) == 10 * 3600);
  CHECK(sydney.OffsetAt(Utc(2045, 1, 1, 0)) == 11 * 3600);
  CHECK(sydney.OffsetAt(Utc(2045, 7, 1, 0)) == 10 * 3600);
  const TimeZone lord_howe = Zone("Australia/Lord_Howe");
  CHECK(lord_howe.OffsetAt(Utc(2045, 1, 1, 0)) == 11 * 3600);
  CHECK(lord_howe.OffsetAt(Utc(2045, 7, 1, 0)) == 10 * 3600 + 1800);
}

// glibc applies the same files (and their POSIX rules) in localtime_r; compare at random instants.
TEST_CASE("offsets and conversions agree with glibc") {
  const char* zones[] = {"America/New_York", "Europe/London",    "Australia/Sydney",
                         "Asia/Shanghai",    "America/Santiago", "Europe/Berlin",
                         "Asia/Tehran",      "Pacific/Chatham",  "America/Sao_Paulo"};
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<int64_t> instant(Utc(1900, 1, 1, 0), Utc(2200, 1, 1, 0));
  const char* saved = std::getenv("TZ");
  const std::string saved_tz = saved != nullptr ? saved : "";
  for (const char* name : zones) {
    const TimeZone z = Zone(name);
    setenv("TZ", name, 1);
    tzset();
    for (int i = 0; i < 2000; ++i) {
      const time_t t = instant(rng);
      struct tm tm {};
      localtime_r(&t, &tm);
      INFO(name << " at " << t);
      REQUIRE(z.OffsetAt(t) == tm.tm_gmtoff);
      // A wall clock that is not in a gap or overlap converts back to the same instant.
      const int64_t local = t + tm.tm_gmtoff;
      if (z.OffsetAt(t - 86400) == z.OffsetAt(t + 86400)) CHECK(z.LocalToUtc(local) == t);
    }
  }
  if (saved != nullptr) {
    setenv("TZ", saved_tz.c_str(), 1);
  } else {
    unsetenv("TZ");
  }
  tzset();
}

}  // namespace
}  // namespace deltatunnel::server
