#include "odps/sql/lexer.h"

#include <fmt/format.h>

namespace deltatunnel::server::odps::sql {
namespace {

bool IsWordStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsWordChar(char c) { return IsWordStart(c) || IsDigit(c) || c == '$'; }

Status Refuse(size_t offset, std::string_view what) {
  return InvalidArgument(fmt::format("at offset {}: {}", offset, what));
}

// A quoted literal starting at `i` (the quote). Backslash escapes the usual characters; a doubled
// quote stands for one (both spellings appear in ODPS clients).
Result<std::string> ReadLiteral(std::string_view sql, size_t& i) {
  const char quote = sql[i];
  const size_t start = i++;
  std::string out;
  while (i < sql.size()) {
    char c = sql[i++];
    if (c == quote) {
      if (i < sql.size() && sql[i] == quote) {
        out.push_back(quote);
        ++i;
        continue;
      }
      return out;
    }
    if (c == '\\' && quote != '`') {
      if (i >= sql.size()) break;
      char e = sql[i++];
      switch (e) {
        case 'n':
          out.push_back('\n');
          break;
        case 't':
          out.push_back('\t');
          break;
        case 'r':
          out.push_back('\r');
          break;
        case '0':
          out.push_back('\0');
          break;
        default:
          out.push_back(e);
          break;
      }
      continue;
    }
    out.push_back(c);
  }
  return Refuse(start, fmt::format("unterminated {}quoted text", quote == '`' ? "back" : ""));
}

}  // namespace

Result<std::vector<Token>> Tokenize(std::string_view sql) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < sql.size()) {
    const char c = sql[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
      ++i;
      continue;
    }
    if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      while (i < sql.size() && sql[i] != '\n') ++i;
      continue;
    }
    if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
      const size_t end = sql.find("*/", i + 2);
      if (end == std::string_view::npos) return Refuse(i, "unterminated /* comment");
      i = end + 2;
      continue;
    }
    Token t;
    t.offset = i;
    if (IsWordStart(c)) {
      const size_t start = i;
      while (i < sql.size() && IsWordChar(sql[i])) ++i;
      t.kind = TokenKind::kWord;
      t.text = std::string(sql.substr(start, i - start));
    } else if (IsDigit(c)) {
      const size_t start = i;
      while (i < sql.size() && (IsDigit(sql[i]) || sql[i] == '.')) ++i;
      if (i < sql.size() && IsWordStart(sql[i])) {
        // 20261201a is neither a number nor a name: ODPS needs it quoted.
        return Refuse(start, "a number runs into a name (quote it)");
      }
      t.kind = TokenKind::kNumber;
      t.text = std::string(sql.substr(start, i - start));
    } else if (c == '`' || c == '\'' || c == '"') {
      DT_ASSIGN_OR_RETURN(t.text, ReadLiteral(sql, i));
      t.kind = c == '`' ? TokenKind::kQuoted : TokenKind::kString;
    } else {
      static constexpr std::string_view kTwo[] = {"!=", "<>", "<=", ">="};
      t.kind = TokenKind::kSymbol;
      for (std::string_view two : kTwo) {
        if (sql.substr(i, 2) == two) t.text = std::string(two);
      }
      if (t.text.empty()) {
        if (std::string_view("(),;.=<>:-*").find(c) == std::string_view::npos) {
          return Refuse(i, fmt::format("unexpected character '{}'", c));
        }
        t.text = std::string(1, c);
      }
      i += t.text.size();
    }
    out.push_back(std::move(t));
  }
  out.push_back(Token{TokenKind::kEnd, "", sql.size()});
  return out;
}

}  // namespace deltatunnel::server::odps::sql
