// CsvScanner (format/csv_scanner.h).
#include "format/csv_scanner.h"

#include <algorithm>
#include <cstring>

namespace deltatunnel::server {

CsvScanner::Next CsvScanner::Read(std::vector<Field>* fields, uint64_t* line, std::string* error) {
  fields->clear();
  const size_t n = body_.size();
  if (pos_ >= n) return Next::kEnd;
  *line = line_;
  const char* d = body_.data();
  for (;;) {
    Field f;
    if (pos_ < n && d[pos_] == '"') {
      const uint64_t opened = line_;
      const size_t start = ++pos_;
      for (;;) {
        const void* q = std::memchr(d + pos_, '"', n - pos_);
        if (q == nullptr) {
          line_ += static_cast<uint64_t>(std::count(d + pos_, d + n, '\n'));
          pos_ = n;
          *error = "a quoted field opened on line " + std::to_string(opened) + " is never closed";
          return Next::kBadBody;
        }
        const size_t at = static_cast<const char*>(q) - d;
        line_ += static_cast<uint64_t>(std::count(d + pos_, d + at, '\n'));
        if (at + 1 < n && d[at + 1] == '"') {
          f.escaped = true;
          pos_ = at + 2;
          continue;
        }
        f.raw = body_.substr(start, at - start);
        pos_ = at + 1;
        break;
      }
      f.quoted = true;
      if (pos_ + 1 < n && d[pos_] == '\r' && d[pos_ + 1] == '\n') ++pos_;
      if (pos_ < n && d[pos_] != ',' && d[pos_] != '\n') {
        const void* nl = std::memchr(d + pos_, '\n', n - pos_);
        pos_ = nl != nullptr ? static_cast<const char*>(nl) - d + 1 : n;
        if (nl != nullptr) ++line_;
        *error = "unexpected text after the closing quote of field " +
                 std::to_string(fields->size() + 1);
        return Next::kBadRecord;
      }
    } else {
      const size_t start = pos_;
      while (pos_ < n && d[pos_] != ',' && d[pos_] != '\n') ++pos_;
      size_t end = pos_;
      if (pos_ < n && d[pos_] == '\n' && end > start && d[end - 1] == '\r') --end;
      f.raw = body_.substr(start, end - start);
    }
    fields->push_back(f);
    if (pos_ >= n) return Next::kRecord;
    if (d[pos_++] == '\n') {
      ++line_;
      return Next::kRecord;
    }
  }
}

std::string_view CsvScanner::Text(const Field& field, std::string* scratch) {
  if (!field.escaped) return field.raw;
  scratch->clear();
  for (size_t i = 0; i < field.raw.size(); ++i) {
    scratch->push_back(field.raw[i]);
    if (field.raw[i] == '"') ++i;  // the second of a doubled quote
  }
  return *scratch;
}

}  // namespace deltatunnel::server
