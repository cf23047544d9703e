// ParseScalarText (deltatunnel/server/format_scalar.h).
#include "deltatunnel/server/format_scalar.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>

#include "deltatunnel/proto/base64.h"
#include "deltatunnel/server/format_time_text.h"

namespace deltatunnel::server {
namespace {

using proto::Type;
using proto::TypeKind;
using proto::Value;

std::string TypeName(const Type& type) { return type.ToString(); }

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool IsInteger(std::string_view s) {
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsDigit(c)) return false;
  }
  return true;
}

Status ParseInteger(const Type& type, std::string_view text, int64_t* out) {
  std::string_view s = text;
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  if (!IsInteger(text) || (!s.empty() && s[0] == '+')) {
    return InvalidArgument(QuoteForMessage(text) + " is not an integer");
  }
  const auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
  if (r.ec == std::errc::result_out_of_range) {
    return InvalidArgument(QuoteForMessage(text) + " is out of range for " + TypeName(type));
  }
  return Status::Ok();
}

template <typename F>
Status ParseFloat(const Type& type, std::string_view text, F* out) {
  std::string_view s = text;
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  // from_chars also takes "inf", "infinity" and "nan" in any case; hex floats need
  // chars_format::hex.
  const auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
  const bool whole = r.ptr == s.data() + s.size() && !s.empty() && (s[0] != '+');
  if (r.ec == std::errc::invalid_argument || !whole) {
    return InvalidArgument(QuoteForMessage(text) + " is not a number");
  }
  if (r.ec == std::errc::result_out_of_range) {
    // Out of range is either overflow (refused) or underflow to zero or a subnormal (kept).
    const std::string copy(s);
    errno = 0;
    const double d = std::strtod(copy.c_str(), nullptr);
    if (std::isinf(d) || std::fabs(d) >= 1.0) {
      return InvalidArgument(QuoteForMessage(text) + " is out of range for " + TypeName(type));
    }
    *out = static_cast<F>(d);
  }
  return Status::Ok();
}

// Exact decimal text of "[+-](d+[.d*]|.d+)([eE][+-]?d+)?" as "[-]d+[.d+]", the form
// proto::NormalizeValue rounds to the column's scale. Exponents move the point, never via a double.
Status PlainDecimal(const Type& type, std::string_view text, std::string* out) {
  const Status bad = InvalidArgument(QuoteForMessage(text) + " is not a decimal number");
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  size_t i = 0;
  while (i < s.size() && IsDigit(s[i])) ++i;
  std::string_view int_part = s.substr(0, i);
  std::string_view frac_part;
  if (i < s.size() && s[i] == '.') {
    const size_t start = ++i;
    while (i < s.size() && IsDigit(s[i])) ++i;
    frac_part = s.substr(start, i - start);
  }
  if (int_part.empty() && frac_part.empty()) return bad;
  int64_t exponent = 0;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    std::string_view e = s.substr(i + 1);
    if (!e.empty() && e[0] == '+') e.remove_prefix(1);
    if (!IsInteger(e) || e[0] == '+') return bad;
    const auto r = std::from_chars(e.data(), e.data() + e.size(), exponent);
    // DECIMAL holds at most 38 digits: anything past this bound is out of range or rounds to 0.
    if (r.ec != std::errc() || exponent > 4096 || exponent < -4096) {
      return InvalidArgument(QuoteForMessage(text) + " is out of range for " + TypeName(type));
    }
    i = s.size();
  }
  if (i != s.size()) return bad;
  // digits = int_part + frac_part with the point after `point` digits.
  std::string digits;
  digits.reserve(int_part.size() + frac_part.size());
  digits.append(int_part);
  digits.append(frac_part);
  int64_t point = static_cast<int64_t>(int_part.size()) + exponent;
  if (point < 0) {
    digits.insert(0, static_cast<size_t>(-point), '0');
    point = 0;
  } else if (point > static_cast<int64_t>(digits.size())) {
    digits.append(static_cast<size_t>(point) - digits.size(), '0');
  }
  out->clear();
  if (negative) out->push_back('-');
  if (point == 0) {
    out->push_back('0');
  } else {
    out->append(digits, 0, static_cast<size_t>(point));
  }
  if (static_cast<size_t>(point) < digits.size()) {
    out->push_back('.');
    out->append(digits, static_cast<size_t>(point));
  }
  return Status::Ok();
}

Status NotFromNumber(const Type& type, std::string_view text) {
  return InvalidArgument("expected a JSON string for " + TypeName(type) + ", got the number " +
                         QuoteForMessage(text));
}

Status ParseWallClock(const Type& type, std::string_view text, DateTimeText* t) {
  DT_RETURN_IF_ERROR(ParseDateTimeText(text, t));
  if (t->has_offset) {
    return InvalidArgument(QuoteForMessage(text) + ": " + TypeName(type) +
                           " is a wall-clock time without a zone; remove the offset");
  }
  return Status::Ok();
}

Status ParseTimestamp(std::string_view text, const TimeZone& zone, proto::Timestamp* ts) {
  if (!IsInteger(text)) return ParseTimestampText(text, zone, ts);
  int64_t ms;
  std::string_view s = text;
  if (s[0] == '+') s.remove_prefix(1);
  if (std::from_chars(s.data(), s.data() + s.size(), ms).ec != std::errc()) {
    return InvalidArgument(QuoteForMessage(text) + " is out of range as epoch milliseconds");
  }
  ts->seconds = ms / 1000 - (ms % 1000 < 0);
  ts->nanos = static_cast<int32_t>((ms % 1000 + 1000) % 1000 * 1'000'000);
  return Status::Ok();
}

}  // namespace

std::string QuoteForMessage(std::string_view text) {
  constexpr size_t kMax = 64;
  if (text.size() > kMax) return "'" + std::string(text.substr(0, kMax)) + "...'";
  return "'" + std::string(text) + "'";
}

Status ParseScalarText(const Type& type, std::string_view text, TextSource source,
                       const TimeZone& zone, Value* out) {
  const bool number = source == TextSource::kJsonNumber;
  switch (type.kind) {
    case TypeKind::kBoolean: {
      auto lower_equals = [&text](std::string_view word) {
        if (text.size() != word.size()) return false;
        for (size_t i = 0; i < text.size(); ++i) {
          if ((text[i] | 0x20) != word[i]) return false;
        }
        return true;
      };
      if (!number && lower_equals("true")) {
        *out = Value(true);
      } else if (!number && lower_equals("false")) {
        *out = Value(false);
      } else {
        return InvalidArgument(QuoteForMessage(text) + " is not a BOOLEAN (true or false)");
      }
      return Status::Ok();
    }
    case TypeKind::kTinyint:
    case TypeKind::kSmallint:
    case TypeKind::kInt:
    case TypeKind::kBigint: {
      int64_t v;
      DT_RETURN_IF_ERROR(ParseInteger(type, text, &v));
      *out = Value(v);
      return Status::Ok();
    }
    case TypeKind::kFloat: {
      float f;
      DT_RETURN_IF_ERROR(ParseFloat(type, text, &f));
      *out = Value(f);
      return Status::Ok();
    }
    case TypeKind::kDouble: {
      double d;
      DT_RETURN_IF_ERROR(ParseFloat(type, text, &d));
      *out = Value(d);
      return Status::Ok();
    }
    case TypeKind::kDecimal: {
      std::string s;
      DT_RETURN_IF_ERROR(PlainDecimal(type, text, &s));
      *out = Value(std::move(s));
      return Status::Ok();
    }
    case TypeKind::kString:
    case TypeKind::kVarchar:
    case TypeKind::kChar:
    case TypeKind::kJson:
      if (number) return NotFromNumber(type, text);
      *out = Value(std::string(text));
      return Status::Ok();
    case TypeKind::kBinary: {
      if (number) return NotFromNumber(type, text);
      std::string bytes;
      if (!proto::DecodeBase64(text, &bytes)) {
        return InvalidArgument(QuoteForMessage(text) + " is not base64 (BINARY values are base64)");
      }
      *out = Value(std::move(bytes));
      return Status::Ok();
    }
    case TypeKind::kDate: {
      if (number) return NotFromNumber(type, text);
      int64_t days;
      DT_RETURN_IF_ERROR(ParseDateText(text, &days));
      *out = Value(days);
      return Status::Ok();
    }
    case TypeKind::kDatetime: {
      if (number) return NotFromNumber(type, text);
      DateTimeText t;
      DT_RETURN_IF_ERROR(ParseWallClock(type, text, &t));
      if (t.nanos % 1'000'000 != 0) {
        return InvalidArgument(QuoteForMessage(text) +
                               ": DATETIME keeps milliseconds, the text has finer digits");
      }
      *out = Value(t.local_seconds * 1000 + t.nanos / 1'000'000);
      return Status::Ok();
    }
    case TypeKind::kTimestampNtz: {
      if (number) return NotFromNumber(type, text);
      DateTimeText t;
      DT_RETURN_IF_ERROR(ParseWallClock(type, text, &t));
      *out = Value(proto::Timestamp{t.local_seconds, t.nanos});
      return Status::Ok();
    }
    case TypeKind::kTimestamp: {
      if (number && !IsInteger(text)) {
        return InvalidArgument(QuoteForMessage(text) +
                               " is not a TIMESTAMP: a number must be whole epoch milliseconds");
      }
      proto::Timestamp ts;
      DT_RETURN_IF_ERROR(ParseTimestamp(text, zone, &ts));
      *out = Value(ts);
      return Status::Ok();
    }
    case TypeKind::kArray:
    case TypeKind::kMap:
    case TypeKind::kStruct:
      break;
  }
  return InvalidArgument(TypeName(type) + " values are JSON arrays or objects, not text");
}

}  // namespace deltatunnel::server
