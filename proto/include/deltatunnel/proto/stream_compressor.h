// Compression of a body that is produced piece by piece (a streamed Tunnel download,
// odps-control-plane.md section 3.1), in the encodings of wire-format.md section 4. The output is
// one stream of the encoding, which Decompress (compression.h) and the clients' readers take whole.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "deltatunnel/proto/status.h"

namespace deltatunnel::proto {

class StreamCompressor {
 public:
  // For "deflate", "x-snappy-framed", "x-lz4-frame", "zstd", "gzip" (any case), and "" or
  // "identity" (the data as is). InvalidArgument for another.
  static Result<std::unique_ptr<StreamCompressor>> Make(std::string_view encoding);
  virtual ~StreamCompressor() = default;

  // Appends the compressed form of `data` to `out`; a codec may hold some of it back until a later
  // call. Throws std::runtime_error if the codec fails (out of memory).
  virtual void Update(std::string_view data, std::string* out) = 0;
  // Appends what was held back and the stream's end. Nothing may follow.
  virtual void Finish(std::string* out) = 0;
};

// The encoding to answer a download with, from its request's Accept-Encoding: the first of
// "deflate", "x-snappy-framed", "x-lz4-frame", "zstd" the header lists (in the header's order,
// skipping those with q=0); "" (send raw, with no Content-Encoding) when it lists none of them.
// Never "identity", which the Java client refuses as a Content-Encoding; never gzip, which it
// cannot read.
std::string ChooseDownloadEncoding(std::string_view accept_encoding);

}  // namespace deltatunnel::proto
