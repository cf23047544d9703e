// The request's Transfer-Encoding, as far as the server understands it: only chunked (RFC 9112
// 6.1: any other coding is answered 501; Beast would de-chunk "gzip, chunked" and hand the gzip
// bytes on as if they were the body).
#pragma once

#include <string_view>

namespace deltatunnel::server {

// Whether a Transfer-Encoding value names no coding but chunked (or is empty): a comma-separated
// list of tokens, each "chunked" in any case, blanks and empty elements allowed.
bool OnlyChunked(std::string_view value);

}  // namespace deltatunnel::server
