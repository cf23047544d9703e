#include "deltatunnel/proto/civil_date.h"

#include <catch2/catch.hpp>

using namespace deltatunnel::proto;

TEST_CASE("dates round trip over the whole supported range", "[civil_date]") {
  CHECK(DaysFromCivil(1970, 1, 1) == 0);
  CHECK(DaysFromCivil(1, 1, 1) == kMinDateDays);
  CHECK(DaysFromCivil(9999, 12, 31) == kMaxDateDays);
  for (int64_t d = kMinDateDays; d <= kMaxDateDays; d += 997) {
    int64_t back = 0;
    REQUIRE(ParseDate(FormatDate(d), &back));
    REQUIRE(back == d);
  }
  CHECK(FormatDate(0) == "1970-01-01");
  CHECK(FormatDate(-1) == "1969-12-31");
  CHECK(FormatDate(kMinDateDays) == "0001-01-01");
  CHECK(FormatDate(kMaxDateDays) == "9999-12-31");
}

TEST_CASE("ParseDate refuses malformed and impossible dates", "[civil_date]") {
  int64_t d = 0;
  CHECK(ParseDate("2024-02-29", &d));
  CHECK(ParseDate("2000-02-29", &d));
  for (const char* bad :
       {"", "2023-02-29", "1900-02-29", "2024-13-01", "2024-00-10", "2024-04-31", "0000-01-01",
        "2024-1-01", "20240101", "2024-01-01 ", "2024/01/01", "+024-01-01"}) {
    CAPTURE(bad);
    CHECK_FALSE(ParseDate(bad, &d));
  }
}
