// Request body compression by Content-Encoding (wire-format.md section 4): absent or "identity",
// "deflate" (zlib format, RFC 1950), "x-snappy-framed" (the Snappy framing format, its masked
// CRC32Cs checked), "x-lz4-frame" (the LZ4 frame format), "zstd"; also "gzip", for curl users.
// Names are matched case-insensitively.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "deltatunnel/proto/status.h"

namespace deltatunnel::proto {

// True if `encoding` is one of the above ("" included).
bool IsKnownEncoding(std::string_view encoding);
// True if the encoding is "" or "identity": the body is the data, no copy needed.
bool IsIdentityEncoding(std::string_view encoding);

// The body's data. InvalidArgument for an unknown encoding, CorruptedDataStream for data that
// does not decompress (or a checksum that fails), RequestTooLarge when the data would exceed
// `max_output_bytes`: decompression stops there, so a small bomb costs no more than the limit.
Result<std::string> Decompress(std::string_view encoding, std::string_view body,
                               size_t max_output_bytes);

// The body for `data` in `encoding` (the C++ client, tests). InvalidArgument if unknown.
Result<std::string> Compress(std::string_view encoding, std::string_view data);

}  // namespace deltatunnel::proto
