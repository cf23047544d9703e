// The statement recogniser's tokenizer: ODPS SQL text into words, quoted names, string literals,
// numbers and punctuation. It knows no grammar (parser.h does); it only refuses text that is not
// made of tokens at all (an unterminated quote or comment, a stray character).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "deltatunnel/proto/status.h"

namespace deltatunnel::server::odps::sql {

enum class TokenKind {
  kWord,    // an unquoted identifier or keyword: text as written
  kQuoted,  // a `backquoted` name: text without the quotes, `` unescaped
  kString,  // a 'single' or "double" quoted literal: text unescaped
  kNumber,  // digits, optionally with a sign-less decimal point
  kSymbol,  // one of ( ) , ; . = < > : - * or the two-character != <> <= >=
  kEnd,     // after the last token
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string text;
  size_t offset = 0;  // in the statement, for error messages
};

// Splits `sql` into tokens, dropping whitespace and -- or /* */ comments; the last is kEnd.
// InvalidArgument naming the offset for what is not a token.
Result<std::vector<Token>> Tokenize(std::string_view sql);

}  // namespace deltatunnel::server::odps::sql
