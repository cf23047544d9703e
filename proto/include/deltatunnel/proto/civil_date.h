// Proleptic Gregorian dates as epoch days (1970-01-01 is day 0), for DATE values and partition
// specs. The supported range is 0001-01-01 to 9999-12-31 (api.md section 3).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace deltatunnel::proto {

inline constexpr int64_t kMinDateDays = -719162;  // 0001-01-01
inline constexpr int64_t kMaxDateDays = 2932896;  // 9999-12-31

// Days since 1970-01-01 of year-month-day (any valid civil date; no range check).
int64_t DaysFromCivil(int64_t year, int month, int day);
void CivilFromDays(int64_t days, int64_t* year, int* month, int* day);

// Parses exactly "YYYY-MM-DD" within the supported range; false if malformed or out of range.
bool ParseDate(std::string_view text, int64_t* days);
// "YYYY-MM-DD" of a day within the supported range.
std::string FormatDate(int64_t days);

}  // namespace deltatunnel::proto
