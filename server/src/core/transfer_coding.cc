#include "transfer_coding.h"

#include <algorithm>
#include <cctype>

namespace deltatunnel::server {
namespace {

bool IsChunked(std::string_view token) {
  constexpr std::string_view kChunked = "chunked";
  return token.size() == kChunked.size() &&
         std::equal(token.begin(), token.end(), kChunked.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == b;
         });
}

}  // namespace

bool OnlyChunked(std::string_view value) {
  for (auto it = value.begin(); it != value.end();) {
    auto comma = std::find(it, value.end(), ',');
    std::string_view token(it, static_cast<size_t>(comma - it));
    while (!token.empty() && (token.front() == ' ' || token.front() == '\t'))
      token.remove_prefix(1);
    while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
    if (!token.empty() && !IsChunked(token)) return false;
    it = comma == value.end() ? comma : comma + 1;
  }
  return true;
}

TransferCoding ClassifyTransferCoding(bool present, std::string_view codings, bool parser_chunked) {
  if (!present) return TransferCoding::kNone;
  if (!OnlyChunked(codings)) return TransferCoding::kUnsupported;
  return parser_chunked ? TransferCoding::kChunked : TransferCoding::kMalformed;
}

}  // namespace deltatunnel::server
