// CsvScanner: the records of an RFC 4180 body. Fields are separated by ',', records by LF or CRLF;
// a field in double quotes may hold ',', quotes written twice, and line breaks. A quote inside an
// unquoted field is kept as text, as most CSV writers expect. Fields are views into the body; a
// quoted field with doubled quotes is unescaped on request.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace deltatunnel::server {

class CsvScanner {
 public:
  struct Field {
    std::string_view raw;  // between the quotes, if quoted
    bool quoted = false;
    bool escaped = false;  // holds doubled quotes
  };
  enum class Next {
    kRecord,     // `fields` holds the next record
    kEnd,        // no more records
    kBadRecord,  // a malformed record, skipped up to the end of its line; `error` says why
    kBadBody,    // the body cannot be read on (an unterminated quote); `error` says why
  };

  explicit CsvScanner(std::string_view body) : body_(body) {}

  // Reads the next record; `line` is the 1-based line it starts on.
  Next Read(std::vector<Field>* fields, uint64_t* line, std::string* error);

  // The text of `field`, unescaped into `scratch` if it needs to be.
  static std::string_view Text(const Field& field, std::string* scratch);

  // Where the next Read starts: a record's text is the body between the positions before and
  // after its Read.
  size_t position() const { return pos_; }

 private:
  std::string_view body_;
  size_t pos_ = 0;
  uint64_t line_ = 1;
};

}  // namespace deltatunnel::server
