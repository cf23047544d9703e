// The request's Transfer-Encoding, as far as the server understands it: only chunked (RFC 9112
// 6.1: any other coding is answered 501; Beast would de-chunk "gzip, chunked" and hand the gzip
// bytes on as if they were the body).
#pragma once

#include <string_view>

namespace deltatunnel::server {

// Whether a Transfer-Encoding value names no coding but chunked (or is empty): a comma-separated
// list of tokens, each "chunked" in any case, blanks and empty elements allowed.
bool OnlyChunked(std::string_view value);

// What a request's Transfer-Encoding asks of the server, from every Transfer-Encoding field's
// value joined with ", " (`codings`), whether any was sent (`present`) and whether the parser
// takes the body as chunked (`parser_chunked`, Beast: the last coding named is chunked):
//   kNone         no Transfer-Encoding: the body is Content-Length long (or absent);
//   kChunked      only chunked, and the parser de-chunks it;
//   kUnsupported  a coding other than chunked: 501 (RFC 9112 6.1);
//   kMalformed    chunked named but not read as such ("chunked, chunked"), or an empty value: 400
//                 and close (RFC 9112 6.3), since the parser would take the chunked body for the
//                 next request (a proxy in front reading it as chunked would see another).
enum class TransferCoding { kNone, kChunked, kUnsupported, kMalformed };
TransferCoding ClassifyTransferCoding(bool present, std::string_view codings, bool parser_chunked);

}  // namespace deltatunnel::server
