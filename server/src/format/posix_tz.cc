// PosixTzRule (format/tzif.h): the grammar of POSIX.1-2017 section 8.3 as RFC 8536 section 3.3
// extends it:
//   rule   := std offset [dst [offset] [',' date ['/' time] ',' date ['/' time]]]
//   std    := alpha{3,} | '<' [A-Za-z0-9+-]{3,} '>'
//   offset := [+-] hh [':' mm [':' ss]]      -- hours west of UTC (so "EST5" is UTC-5)
//   date   := 'J' n (1..365) | n (0..365) | 'M' m '.' w '.' d
//   time   := [+-] hhh [':' mm [':' ss]]     -- local time of the change, -167..167 hours
// Without a rule, daylight time follows the US rule "M3.2.0,M11.1.0"; dst offset defaults to
// std + 1 hour.
#include <cctype>

#include "deltatunnel/proto/civil_date.h"
#include "format/tzif.h"

namespace deltatunnel::server {
namespace {

class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}
  bool done() const { return i_ >= s_.size(); }
  char peek() const { return done() ? '\0' : s_[i_]; }
  bool Eat(char c) {
    if (peek() != c) return false;
    ++i_;
    return true;
  }

  bool Name() {
    if (Eat('<')) {
      size_t n = 0;
      while (!done() && peek() != '>') {
        const char c = peek();
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-') return false;
        ++i_;
        ++n;
      }
      return n >= 3 && Eat('>');
    }
    size_t n = 0;
    while (std::isalpha(static_cast<unsigned char>(peek()))) {
      ++i_;
      ++n;
    }
    return n >= 3;
  }

  // [+-] h{1,max_digits} [':' mm [':' ss]] as signed seconds.
  bool Hms(int max_hours, int32_t* seconds) {
    int sign = 1;
    if (Eat('-')) {
      sign = -1;
    } else {
      Eat('+');
    }
    int h = 0, m = 0, sec = 0;
    if (!Number(3, &h) || h > max_hours) return false;
    if (Eat(':')) {
      if (!Number(2, &m) || m > 59) return false;
      if (Eat(':') && (!Number(2, &sec) || sec > 59)) return false;
    }
    *seconds = sign * (h * 3600 + m * 60 + sec);
    return true;
  }

  bool Number(int max_digits, int* out) {
    int n = 0, v = 0;
    while (n < max_digits && std::isdigit(static_cast<unsigned char>(peek()))) {
      v = v * 10 + (peek() - '0');
      ++i_;
      ++n;
    }
    *out = v;
    return n > 0;
  }

  bool Date(PosixTzRule::DateRule* r) {
    using Kind = PosixTzRule::DateRule::Kind;
    if (Eat('M')) {
      r->kind = Kind::kMonthWeekDay;
      if (!Number(2, &r->month) || r->month < 1 || r->month > 12 || !Eat('.')) return false;
      if (!Number(1, &r->week) || r->week < 1 || r->week > 5 || !Eat('.')) return false;
      if (!Number(1, &r->weekday) || r->weekday > 6) return false;
    } else if (Eat('J')) {
      r->kind = Kind::kJulian1;
      if (!Number(3, &r->day) || r->day < 1 || r->day > 365) return false;
    } else {
      r->kind = Kind::kJulian0;
      if (!Number(3, &r->day) || r->day > 365) return false;
    }
    r->time = 7200;
    return !Eat('/') || Hms(167, &r->time);
  }

 private:
  std::string_view s_;
  size_t i_ = 0;
};

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// Epoch day of the rule's date in `year`.
int64_t DayOf(const PosixTzRule::DateRule& r, int64_t year) {
  using Kind = PosixTzRule::DateRule::Kind;
  const int64_t jan1 = proto::DaysFromCivil(year, 1, 1);
  switch (r.kind) {
    case Kind::kJulian1:
      return jan1 + r.day - 1 + (IsLeap(year) && r.day >= 60 ? 1 : 0);
    case Kind::kJulian0:
      return jan1 + r.day;
    case Kind::kMonthWeekDay:
      break;
  }
  static constexpr int kDaysInMonth[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const int64_t first = proto::DaysFromCivil(year, r.month, 1);
  const int first_weekday = static_cast<int>(((first + 4) % 7 + 7) % 7);  // 1970-01-01: Thursday
  int day = 1 + (r.weekday - first_weekday + 7) % 7 + (r.week - 1) * 7;
  const int month_days = kDaysInMonth[r.month - 1] + (r.month == 2 && IsLeap(year) ? 1 : 0);
  while (day > month_days) day -= 7;
  return first + day - 1;
}

}  // namespace

std::optional<PosixTzRule> PosixTzRule::Parse(std::string_view text) {
  Cursor c(text);
  PosixTzRule r;
  int32_t west = 0;
  if (!c.Name() || !c.Hms(24, &west)) return std::nullopt;
  r.std_offset = -west;
  if (c.done()) return r;
  if (!c.Name()) return std::nullopt;
  r.has_dst = true;
  r.dst_offset = r.std_offset + 3600;
  if (c.peek() != ',' && !c.done()) {
    if (!c.Hms(24, &west)) return std::nullopt;
    r.dst_offset = -west;
  }
  if (c.done()) {
    static constexpr std::string_view kUsRule = "M3.2.0,M11.1.0";
    Cursor us(kUsRule);
    if (!us.Date(&r.start) || !us.Eat(',') || !us.Date(&r.end)) return std::nullopt;
    return r;
  }
  if (!c.Eat(',') || !c.Date(&r.start) || !c.Eat(',') || !c.Date(&r.end) || !c.done()) {
    return std::nullopt;
  }
  return r;
}

int32_t PosixTzRule::OffsetAt(int64_t utc_seconds) const {
  if (!has_dst) return std_offset;
  int64_t year;
  int month, day;
  proto::CivilFromDays(FloorDiv(utc_seconds, 86400), &year, &month, &day);
  // Each change happens at a local time read in the offset in effect before it.
  const int64_t begins = DayOf(start, year) * 86400 + start.time - std_offset;
  const int64_t ends = DayOf(end, year) * 86400 + end.time - dst_offset;
  const bool dst = begins < ends ? (utc_seconds >= begins && utc_seconds < ends)
                                 : !(utc_seconds >= ends && utc_seconds < begins);
  return dst ? dst_offset : std_offset;
}

}  // namespace deltatunnel::server
