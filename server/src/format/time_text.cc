// Date and time text (format/time_text.h). Formatting writes into a stack buffer and appends once.
#include "deltatunnel/server/format_time_text.h"

#include "deltatunnel/proto/civil_date.h"

namespace deltatunnel::server {
namespace {

constexpr int64_t kMinSeconds = proto::kMinDateDays * 86400;
constexpr int64_t kMaxSeconds = (proto::kMaxDateDays + 1) * 86400 - 1;

bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (s.size() < pos + n) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

std::string Quoted(std::string_view text) {
  constexpr size_t kMax = 64;
  if (text.size() > kMax) return "'" + std::string(text.substr(0, kMax)) + "...'";
  return "'" + std::string(text) + "'";
}

bool ValidDay(int year, int month, int day) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return day <= kDays[month - 1] + (month == 2 && leap ? 1 : 0);
}

// "YYYY-MM-DD" at the start of `s`.
bool DatePart(std::string_view s, int64_t* days) {
  int y, m, d;
  if (!Digits(s, 0, 4, &y) || s.size() < 10 || s[4] != '-' || !Digits(s, 5, 2, &m) || s[7] != '-' ||
      !Digits(s, 8, 2, &d) || !ValidDay(y, m, d)) {
    return false;
  }
  *days = proto::DaysFromCivil(y, m, d);
  return true;
}

bool ParseOffset(std::string_view s, int32_t* seconds) {
  if (s == "Z" || s == "z") {
    *seconds = 0;
    return true;
  }
  if (s.size() < 3 || (s[0] != '+' && s[0] != '-')) return false;
  int h, m = 0, sec = 0;
  if (!Digits(s, 1, 2, &h) || h > 18) return false;
  size_t i = 3;
  if (i < s.size()) {
    const bool colon = s[i] == ':';
    i += colon;
    if (!Digits(s, i, 2, &m) || m > 59) return false;
    i += 2;
    if (i < s.size()) {
      if (colon && s[i] != ':') return false;
      i += colon;
      if (!Digits(s, i, 2, &sec) || sec > 59) return false;
      i += 2;
    }
  }
  if (i != s.size()) return false;
  *seconds = (s[0] == '-' ? -1 : 1) * (h * 3600 + m * 60 + sec);
  return true;
}

char* Put2(char* p, int v) {
  p[0] = static_cast<char>('0' + v / 10);
  p[1] = static_cast<char>('0' + v % 10);
  return p + 2;
}

char* PutDate(char* p, int64_t days) {
  int64_t y;
  int m, d;
  proto::CivilFromDays(days, &y, &m, &d);
  const int year = static_cast<int>(y);
  p = Put2(p, year / 100);
  p = Put2(p, year % 100);
  *p++ = '-';
  p = Put2(p, m);
  *p++ = '-';
  return Put2(p, d);
}

char* PutClock(char* p, int64_t seconds_of_day, int32_t nanos) {
  p = Put2(p, static_cast<int>(seconds_of_day / 3600));
  *p++ = ':';
  p = Put2(p, static_cast<int>(seconds_of_day / 60 % 60));
  *p++ = ':';
  p = Put2(p, static_cast<int>(seconds_of_day % 60));
  if (nanos == 0) return p;
  int digits = 9;
  int32_t n = nanos;
  if (n % 1'000'000 == 0) {
    digits = 3;
    n /= 1'000'000;
  } else if (n % 1'000 == 0) {
    digits = 6;
    n /= 1'000;
  }
  *p++ = '.';
  for (int i = digits - 1; i >= 0; --i) {
    p[i] = static_cast<char>('0' + n % 10);
    n /= 10;
  }
  return p + digits;
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace

Status ParseDateText(std::string_view text, int64_t* days) {
  if (text.size() != 10 || !DatePart(text, days)) {
    return InvalidArgument(Quoted(text) + " is not a date YYYY-MM-DD (0001-01-01 to 9999-12-31)");
  }
  return Status::Ok();
}

Status ParseDateTimeText(std::string_view text, DateTimeText* out) {
  int64_t days;
  int h, mi, s;
  if (!DatePart(text, &days) || text.size() < 19 || (text[10] != ' ' && text[10] != 'T') ||
      !Digits(text, 11, 2, &h) || text[13] != ':' || !Digits(text, 14, 2, &mi) || text[16] != ':' ||
      !Digits(text, 17, 2, &s)) {
    return InvalidArgument(Quoted(text) +
                           " is not a date and time YYYY-MM-DD HH:MM:SS[.fraction] (years 0001 "
                           "to 9999)");
  }
  if (h > 23 || mi > 59 || s > 59) {
    return InvalidArgument(Quoted(text) + " has a time of day outside 00:00:00 to 23:59:59");
  }
  size_t i = 19;
  int32_t nanos = 0;
  if (i < text.size() && text[i] == '.') {
    ++i;
    int digits = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      if (++digits > 9) {
        return InvalidArgument(Quoted(text) + " has more than 9 fraction digits");
      }
      nanos = nanos * 10 + (text[i++] - '0');
    }
    if (digits == 0) return InvalidArgument(Quoted(text) + " has no digits after the '.'");
    for (int k = digits; k < 9; ++k) nanos *= 10;
  }
  out->local_seconds = days * 86400 + h * 3600 + mi * 60 + s;
  out->nanos = nanos;
  out->has_offset = i < text.size();
  out->offset_seconds = 0;
  if (out->has_offset && !ParseOffset(text.substr(i), &out->offset_seconds)) {
    return InvalidArgument(Quoted(text) + " has a malformed offset '" +
                           std::string(text.substr(i)) + "' (expected Z or +HH:MM)");
  }
  return Status::Ok();
}

Status ParseTimestampText(std::string_view text, const TimeZone& zone, proto::Timestamp* out) {
  DateTimeText t;
  DT_RETURN_IF_ERROR(ParseDateTimeText(text, &t));
  const int64_t seconds =
      t.has_offset ? t.local_seconds - t.offset_seconds : zone.LocalToUtc(t.local_seconds);
  if (seconds < kMinSeconds || seconds > kMaxSeconds) {
    return InvalidArgument(Quoted(text) + " is outside 0001-01-01 to 9999-12-31 in UTC");
  }
  out->seconds = seconds;
  out->nanos = t.nanos;
  return Status::Ok();
}

void AppendDate(int64_t days, std::string* out) {
  char buf[16];
  out->append(buf, PutDate(buf, days));
}

void AppendDateTime(int64_t seconds, int32_t nanos, std::string* out) {
  char buf[40];
  const int64_t days = FloorDiv(seconds, 86400);
  char* p = PutDate(buf, days);
  *p++ = ' ';
  p = PutClock(p, seconds - days * 86400, nanos);
  out->append(buf, p);
}

void AppendTimestamp(const proto::Timestamp& ts, const TimeZone& zone, std::string* out) {
  int32_t offset = zone.OffsetAt(ts.seconds);
  int64_t local = ts.seconds + offset;
  int64_t days = FloorDiv(local, 86400);
  if (days < proto::kMinDateDays || days > proto::kMaxDateDays) {
    // The zone's wall clock would leave years 0001..9999 (hours from either end): stay in UTC.
    offset = 0;
    local = ts.seconds;
    days = FloorDiv(local, 86400);
  }
  char buf[48];
  char* p = PutDate(buf, days);
  *p++ = 'T';
  p = PutClock(p, local - days * 86400, ts.nanos);
  if (offset == 0) {
    *p++ = 'Z';
  } else {
    const int32_t a = offset < 0 ? -offset : offset;
    *p++ = offset < 0 ? '-' : '+';
    p = Put2(p, a / 3600);
    *p++ = ':';
    p = Put2(p, a / 60 % 60);
    if (a % 60 != 0) {
      *p++ = ':';
      p = Put2(p, a % 60);
    }
  }
  out->append(buf, p);
}

}  // namespace deltatunnel::server
