// Value text for answers (format/value_writer.h). Every function appends to the caller's buffer;
// numbers and dates are formatted on the stack, so a value costs no allocation of its own.
#include "deltatunnel/server/format_value_writer.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <cstring>
#include <iterator>

#include "deltatunnel/proto/base64.h"
#include "deltatunnel/server/format_time_text.h"

namespace deltatunnel::server {
namespace {

using proto::Type;
using proto::TypeKind;
using proto::Value;

// Length of the valid UTF-8 sequence at s[i], or 0 (RFC 3629: no overlong forms, no surrogates,
// nothing past U+10FFFF).
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = b(0);
  size_t n;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + n > s.size() || b(1) < lo || b(1) > hi) return 0;
  for (size_t k = 2; k < n; ++k) {
    if (b(k) < 0x80 || b(k) > 0xBF) return 0;
  }
  return n;
}

void AppendEscaped(char c, std::string* out) {
  switch (c) {
    case '"':
      out->append("\\\"");
      return;
    case '\\':
      out->append("\\\\");
      return;
    case '\n':
      out->append("\\n");
      return;
    case '\r':
      out->append("\\r");
      return;
    case '\t':
      out->append("\\t");
      return;
    default: {
      static constexpr char kHex[] = "0123456789abcdef";
      const char esc[] = {'\\', 'u', '0', '0', kHex[(c >> 4) & 0xF], kHex[c & 0xF]};
      out->append(esc, sizeof esc);
    }
  }
}

bool NeedsEscape(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }

template <typename T>
void AppendNumber(T v, std::string* out) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, r.ptr);
}

template <typename F>
bool AppendNonFinite(F v, bool quoted, std::string* out) {
  if (std::isfinite(v)) return false;
  const std::string_view text = std::isnan(v) ? "NaN" : (v < 0 ? "-Infinity" : "Infinity");
  if (quoted) out->push_back('"');
  out->append(text);
  if (quoted) out->push_back('"');
  return true;
}

// Appends the text of a scalar the way both formats spell it, less JSON's quotes; strings are left
// to the caller. Returns false if the value's representation does not match the type.
bool AppendScalarText(const Type& type, const Value& value, const TimeZone& zone,
                      std::string* out) {
  switch (type.kind) {
    case TypeKind::kBoolean:
      if (const bool* b = std::get_if<bool>(&value.v)) {
        out->append(*b ? "true" : "false");
        return true;
      }
      return false;
    case TypeKind::kTinyint:
    case TypeKind::kSmallint:
    case TypeKind::kInt:
    case TypeKind::kBigint:
      if (const int64_t* i = std::get_if<int64_t>(&value.v)) {
        AppendNumber(*i, out);
        return true;
      }
      return false;
    case TypeKind::kFloat:
      if (const float* f = std::get_if<float>(&value.v)) {
        if (!AppendNonFinite(*f, false, out)) AppendNumber(*f, out);
        return true;
      }
      return false;
    case TypeKind::kDouble:
      if (const double* d = std::get_if<double>(&value.v)) {
        if (!AppendNonFinite(*d, false, out)) AppendNumber(*d, out);
        return true;
      }
      return false;
    case TypeKind::kDecimal:
    case TypeKind::kString:
    case TypeKind::kVarchar:
    case TypeKind::kChar:
    case TypeKind::kJson:
      if (const std::string* s = std::get_if<std::string>(&value.v)) {
        out->append(*s);
        return true;
      }
      return false;
    case TypeKind::kBinary:
      if (const std::string* s = std::get_if<std::string>(&value.v)) {
        proto::AppendBase64(*s, out);
        return true;
      }
      return false;
    case TypeKind::kDate:
      if (const int64_t* days = std::get_if<int64_t>(&value.v)) {
        AppendDate(*days, out);
        return true;
      }
      return false;
    case TypeKind::kDatetime:
      if (const int64_t* ms = std::get_if<int64_t>(&value.v)) {
        const int64_t seconds = *ms / 1000 - (*ms % 1000 < 0);
        AppendDateTime(seconds, static_cast<int32_t>((*ms - seconds * 1000) * 1'000'000), out);
        return true;
      }
      return false;
    case TypeKind::kTimestampNtz:
      if (const proto::Timestamp* ts = std::get_if<proto::Timestamp>(&value.v)) {
        AppendDateTime(ts->seconds, ts->nanos, out);
        return true;
      }
      return false;
    case TypeKind::kTimestamp:
      if (const proto::Timestamp* ts = std::get_if<proto::Timestamp>(&value.v)) {
        AppendTimestamp(*ts, zone, out);
        return true;
      }
      return false;
    case TypeKind::kArray:
    case TypeKind::kMap:
    case TypeKind::kStruct:
      break;
  }
  return false;
}

void AppendJsonList(const Type& type, const proto::List& list, const TimeZone& zone,
                    std::string* out) {
  if (type.kind == TypeKind::kArray) {
    out->push_back('[');
    for (size_t i = 0; i < list.size(); ++i) {
      if (i > 0) out->push_back(',');
      AppendJsonValue(type.children[0], list[i], zone, out);
    }
    out->push_back(']');
    return;
  }
  out->push_back('{');
  if (type.kind == TypeKind::kStruct) {
    for (size_t i = 0; i < list.size() && i < type.children.size(); ++i) {
      if (i > 0) out->push_back(',');
      AppendJsonString(type.field_names[i], out);
      out->push_back(':');
      AppendJsonValue(type.children[i], list[i], zone, out);
    }
  } else {
    std::string key;
    for (size_t i = 0; i + 1 < list.size(); i += 2) {
      if (i > 0) out->push_back(',');
      key.clear();
      if (!AppendScalarText(type.children[0], list[i], zone, &key)) key = "null";
      AppendJsonString(key, out);
      out->push_back(':');
      AppendJsonValue(type.children[1], list[i + 1], zone, out);
    }
  }
  out->push_back('}');
}

}  // namespace

void AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  const bool utf8 = simdjson::validate_utf8(s.data(), s.size());
  size_t run = 0;  // start of the bytes not yet appended
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (NeedsEscape(c)) {
      out->append(s.data() + run, i - run);
      AppendEscaped(s[i], out);
      run = ++i;
    } else if (c >= 0x80 && !utf8) {
      const size_t n = Utf8SequenceLength(s, i);
      if (n > 0) {
        i += n;
        continue;
      }
      // A byte of no valid sequence: a lone low surrogate U+DC80..U+DCFF carrying it (PEP 383's
      // surrogateescape), which no valid UTF-8 text produces, so the bytes come back exactly
      // (Python: s.encode("utf-8", "surrogateescape")).
      out->append(s.data() + run, i - run);
      fmt::format_to(std::back_inserter(*out), "\\udc{:02x}", c);
      run = ++i;
    } else {
      ++i;
    }
  }
  out->append(s.data() + run, s.size() - run);
  out->push_back('"');
}

void AppendCsvText(std::string_view s, std::string* out) {
  if (!s.empty() && s.find_first_of(",\"\r\n") == std::string_view::npos) {
    out->append(s);
    return;
  }
  out->push_back('"');
  size_t run = 0;
  for (size_t q = s.find('"'); q != std::string_view::npos; q = s.find('"', q + 1)) {
    out->append(s.data() + run, q + 1 - run);
    out->push_back('"');
    run = q + 1;
  }
  out->append(s.data() + run, s.size() - run);
  out->push_back('"');
}

void AppendJsonValue(const Type& type, const Value& value, const TimeZone& zone, std::string* out) {
  if (value.is_null()) {
    out->append("null");
    return;
  }
  if (const proto::List* list = std::get_if<proto::List>(&value.v)) {
    if (!type.IsScalar()) {
      AppendJsonList(type, *list, zone, out);
      return;
    }
  }
  switch (type.kind) {
    case TypeKind::kString:
    case TypeKind::kVarchar:
    case TypeKind::kChar:
    case TypeKind::kJson:
      if (const std::string* s = std::get_if<std::string>(&value.v)) {
        AppendJsonString(*s, out);
        return;
      }
      break;
    case TypeKind::kFloat:
      if (const float* f = std::get_if<float>(&value.v); f && AppendNonFinite(*f, true, out)) {
        return;
      }
      break;
    case TypeKind::kDouble:
      if (const double* d = std::get_if<double>(&value.v); d && AppendNonFinite(*d, true, out)) {
        return;
      }
      break;
    default:
      break;
  }
  const bool quoted = !(type.kind == TypeKind::kBoolean || type.IsInteger() ||
                        type.kind == TypeKind::kFloat || type.kind == TypeKind::kDouble);
  const size_t start = out->size();
  if (quoted) out->push_back('"');
  if (!AppendScalarText(type, value, zone, out)) {
    out->resize(start);
    out->append("null");  // a value that does not match its type: never produced by DecodeRow
    return;
  }
  if (quoted) out->push_back('"');
}

void AppendCsvValue(const Type& type, const Value& value, const TimeZone& zone, std::string* out) {
  if (value.is_null()) return;
  if (!type.IsScalar() || type.kind == TypeKind::kString || type.kind == TypeKind::kVarchar ||
      type.kind == TypeKind::kChar || type.kind == TypeKind::kJson) {
    if (const std::string* s = std::get_if<std::string>(&value.v)) {
      AppendCsvText(*s, out);
      return;
    }
    std::string json;
    AppendJsonValue(type, value, zone, &json);
    AppendCsvText(json, out);
    return;
  }
  const size_t start = out->size();
  if (!AppendScalarText(type, value, zone, out)) {
    out->resize(start);
  } else if (out->size() == start) {
    out->append("\"\"");  // empty BINARY: an empty field would read back as null
  }
}

}  // namespace deltatunnel::server
