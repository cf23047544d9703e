#include "decimal.h"

namespace deltatunnel::proto {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

Status Refuse(std::string_view text, std::string_view why) {
  return InvalidArgument("invalid DECIMAL '" + std::string(text.substr(0, 64)) +
                         "': " + std::string(why));
}

}  // namespace

Status NormalizeDecimal(std::string_view text, int precision, int scale, std::string* out) {
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  size_t point = s.find('.');
  std::string_view int_part = s.substr(0, point);
  std::string_view frac_part =
      point == std::string_view::npos ? std::string_view() : s.substr(point + 1);
  if (int_part.empty() && frac_part.empty()) return Refuse(text, "no digits");
  for (char c : int_part) {
    if (!IsDigit(c)) return Refuse(text, "plain decimal text only, like -12.34");
  }
  for (char c : frac_part) {
    if (!IsDigit(c)) return Refuse(text, "plain decimal text only, like -12.34");
  }
  while (!int_part.empty() && int_part[0] == '0') int_part.remove_prefix(1);
  const size_t max_int_digits = static_cast<size_t>(precision - scale);
  auto too_many = [&](size_t n) {
    return Refuse(text, "DECIMAL(" + std::to_string(precision) + "," + std::to_string(scale) +
                            ") allows " + std::to_string(max_int_digits) +
                            " integer digits, the value has " + std::to_string(n));
  };
  if (int_part.size() > max_int_digits) return too_many(int_part.size());

  // digits = the integer digits and exactly `scale` fraction digits; one spare slot in front for
  // a carry out of rounding. At most 38 + 1 digits.
  char digits[48];
  size_t n = 1;
  digits[0] = '0';
  for (char c : int_part) digits[n++] = c;
  for (int i = 0; i < scale; ++i) {
    digits[n++] = static_cast<size_t>(i) < frac_part.size() ? frac_part[i] : '0';
  }
  if (frac_part.size() > static_cast<size_t>(scale) && frac_part[scale] >= '5') {
    size_t i = n;
    while (i-- > 0) {
      if (digits[i] == '9') {
        digits[i] = '0';
        continue;
      }
      ++digits[i];
      break;
    }
  }
  // Integer digits after rounding, leading zeros dropped.
  size_t first = 0;
  const size_t int_end = n - static_cast<size_t>(scale);
  while (first < int_end && digits[first] == '0') ++first;
  if (int_end - first > max_int_digits) return too_many(int_end - first);
  bool zero = true;
  for (size_t i = first; i < n; ++i) zero = zero && digits[i] == '0';

  char buf[64];
  size_t len = 0;
  if (negative && !zero) buf[len++] = '-';
  if (first == int_end) buf[len++] = '0';
  for (size_t i = first; i < int_end; ++i) buf[len++] = digits[i];
  if (scale > 0) {
    buf[len++] = '.';
    for (size_t i = int_end; i < n; ++i) buf[len++] = digits[i];
  }
  std::string_view result(buf, len);
  if (*out != result) out->assign(result);
  return Status::Ok();
}

Int128 DecimalUnscaled(std::string_view canonical) {
  Int128 v = 0;
  bool negative = false;
  for (char c : canonical) {
    if (c == '-') negative = true;
    if (IsDigit(c)) v = v * 10 + (c - '0');
  }
  return negative ? -v : v;
}

}  // namespace deltatunnel::proto
