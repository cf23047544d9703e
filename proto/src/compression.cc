// Decompress / Compress (compression.h): one streaming loop per library, each writing into
// compression::Output so that no codec can produce more than the caller's limit.
#include "deltatunnel/proto/compression.h"

#include <lz4frame.h>
#include <zlib.h>
#include <zstd.h>

#include <memory>

#include "compression_internal.h"
#include "deltatunnel/proto/schema.h"

namespace deltatunnel::proto {
namespace {

using compression::Corrupt;
using compression::Output;
using compression::TooLarge;

enum class Encoding { kIdentity, kDeflate, kGzip, kSnappyFramed, kLz4Frame, kZstd, kUnknown };

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

Encoding Parse(std::string_view name) {
  name = TrimSpaces(name);
  if (name.empty() || NamesEqual(name, "identity")) return Encoding::kIdentity;
  if (NamesEqual(name, "deflate")) return Encoding::kDeflate;
  if (NamesEqual(name, "gzip")) return Encoding::kGzip;
  if (NamesEqual(name, "x-snappy-framed")) return Encoding::kSnappyFramed;
  if (NamesEqual(name, "x-lz4-frame")) return Encoding::kLz4Frame;
  if (NamesEqual(name, "zstd")) return Encoding::kZstd;
  return Encoding::kUnknown;
}

Status Unknown(std::string_view name) {
  return InvalidArgument("unknown Content-Encoding '" + std::string(name) +
                         "': use identity, deflate, x-snappy-framed, x-lz4-frame, zstd or gzip");
}

// zlib streams: "deflate" is the zlib format (RFC 1950); some writers send raw deflate under that
// name, which is taken too (a zlib header is recognisable). "gzip" is RFC 1952.
Result<std::string> Inflate(std::string_view body, size_t limit, bool gzip) {
  const std::string_view name = gzip ? "gzip" : "deflate";
  int window = 15;
  if (gzip) {
    window = 15 + 16;
  } else if (body.size() < 2 || (static_cast<uint8_t>(body[0]) & 0x0f) != 8 ||
             ((static_cast<uint8_t>(body[0]) << 8) | static_cast<uint8_t>(body[1])) % 31 != 0) {
    window = -15;
  }
  z_stream z{};
  if (inflateInit2(&z, window) != Z_OK) return Internal("zlib: inflateInit2 failed");
  std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&z, inflateEnd);
  if (body.size() > 0xffffffffu) return TooLarge(limit);  // zlib counts input in 32 bits
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
  z.avail_in = static_cast<uInt>(body.size());
  Output out(limit);
  for (;;) {
    if (!out.Grow(body.size() * 4)) return TooLarge(limit);
    z.next_out = reinterpret_cast<Bytef*>(out.Free());
    z.avail_out = static_cast<uInt>(std::min<size_t>(out.FreeSize(), 1u << 30));
    const uInt before = z.avail_out;
    const int rc = inflate(&z, Z_NO_FLUSH);
    out.Commit(before - z.avail_out);
    if (out.OverLimit()) return TooLarge(limit);
    if (rc == Z_STREAM_END) break;
    if (rc == Z_BUF_ERROR && z.avail_in == 0) return Corrupt(name, "truncated");
    if (rc != Z_OK && rc != Z_BUF_ERROR) return Corrupt(name, z.msg ? z.msg : "bad data");
  }
  if (z.avail_in != 0) return Corrupt(name, "bytes after the end of the stream");
  return out.Take();
}

Result<std::string> Lz4Decompress(std::string_view body, size_t limit) {
  LZ4F_dctx* ctx = nullptr;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&ctx, LZ4F_VERSION))) {
    return Internal("lz4: cannot create a context");
  }
  std::unique_ptr<LZ4F_dctx, LZ4F_errorCode_t (*)(LZ4F_dctx*)> guard(ctx,
                                                                     LZ4F_freeDecompressionContext);
  Output out(limit);
  const char* in = body.data();
  size_t left = body.size();
  size_t hint = 1;  // 0 once a frame is complete
  if (left == 0) return Corrupt("x-lz4-frame", "empty body");
  while (left > 0) {
    if (!out.Grow(body.size() * 4)) return TooLarge(limit);
    size_t out_size = out.FreeSize();
    size_t in_size = left;
    hint = LZ4F_decompress(ctx, out.Free(), &out_size, in, &in_size, nullptr);
    if (LZ4F_isError(hint)) return Corrupt("x-lz4-frame", LZ4F_getErrorName(hint));
    out.Commit(out_size);
    if (out.OverLimit()) return TooLarge(limit);
    in += in_size;
    left -= in_size;
    if (in_size == 0 && out_size == 0 && hint != 0) return Corrupt("x-lz4-frame", "stalled");
  }
  // Flush what the context still holds for a frame whose input has all been consumed.
  while (hint != 0) {
    if (!out.Grow(64 * 1024)) return TooLarge(limit);
    size_t out_size = out.FreeSize();
    size_t in_size = 0;
    hint = LZ4F_decompress(ctx, out.Free(), &out_size, in, &in_size, nullptr);
    if (LZ4F_isError(hint)) return Corrupt("x-lz4-frame", LZ4F_getErrorName(hint));
    out.Commit(out_size);
    if (out.OverLimit()) return TooLarge(limit);
    if (out_size == 0 && hint != 0) return Corrupt("x-lz4-frame", "truncated");
  }
  return out.Take();
}

Result<std::string> ZstdDecompress(std::string_view body, size_t limit) {
  std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> ctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
  if (!ctx) return Internal("zstd: cannot create a context");
  if (body.empty()) return Corrupt("zstd", "empty body");
  Output out(limit);
  ZSTD_inBuffer in{body.data(), body.size(), 0};
  size_t rc = 1;  // 0 once a frame is complete
  while (in.pos < in.size || rc != 0) {
    if (!out.Grow(body.size() * 4)) return TooLarge(limit);
    ZSTD_outBuffer o{out.Free(), out.FreeSize(), 0};
    const size_t in_before = in.pos;
    rc = ZSTD_decompressStream(ctx.get(), &o, &in);
    if (ZSTD_isError(rc)) return Corrupt("zstd", ZSTD_getErrorName(rc));
    out.Commit(o.pos);
    if (out.OverLimit()) return TooLarge(limit);
    if (rc != 0 && in.pos == in.size && in.pos == in_before && o.pos < o.size) {
      return Corrupt("zstd", "truncated");
    }
  }
  return out.Take();
}

Result<std::string> Deflate(std::string_view data, bool gzip) {
  z_stream z{};
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, gzip ? 15 + 16 : 15, 8,
                   Z_DEFAULT_STRATEGY) != Z_OK) {
    return Internal("zlib: deflateInit2 failed");
  }
  std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&z, deflateEnd);
  std::string out(deflateBound(&z, data.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  if (deflate(&z, Z_FINISH) != Z_STREAM_END) return Internal("zlib: deflate failed");
  out.resize(z.total_out);
  return out;
}

Result<std::string> Lz4Compress(std::string_view data) {
  LZ4F_preferences_t prefs{};
  prefs.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;
  prefs.frameInfo.contentSize = data.size();
  std::string out(LZ4F_compressFrameBound(data.size(), &prefs), '\0');
  const size_t n = LZ4F_compressFrame(out.data(), out.size(), data.data(), data.size(), &prefs);
  if (LZ4F_isError(n)) return Internal(std::string("lz4: ") + LZ4F_getErrorName(n));
  out.resize(n);
  return out;
}

Result<std::string> ZstdCompress(std::string_view data) {
  std::unique_ptr<ZSTD_CCtx, size_t (*)(ZSTD_CCtx*)> ctx(ZSTD_createCCtx(), ZSTD_freeCCtx);
  if (!ctx) return Internal("zstd: cannot create a context");
  // With a content checksum, so that the server catches corruption of the data too.
  ZSTD_CCtx_setParameter(ctx.get(), ZSTD_c_compressionLevel, 3);
  ZSTD_CCtx_setParameter(ctx.get(), ZSTD_c_checksumFlag, 1);
  std::string out(ZSTD_compressBound(data.size()), '\0');
  const size_t n = ZSTD_compress2(ctx.get(), out.data(), out.size(), data.data(), data.size());
  if (ZSTD_isError(n)) return Internal(std::string("zstd: ") + ZSTD_getErrorName(n));
  out.resize(n);
  return out;
}

}  // namespace

bool IsKnownEncoding(std::string_view encoding) { return Parse(encoding) != Encoding::kUnknown; }

bool IsIdentityEncoding(std::string_view encoding) {
  return Parse(encoding) == Encoding::kIdentity;
}

Result<std::string> Decompress(std::string_view encoding, std::string_view body,
                               size_t max_output_bytes) {
  switch (Parse(encoding)) {
    case Encoding::kIdentity:
      if (body.size() > max_output_bytes) return TooLarge(max_output_bytes);
      return std::string(body);
    case Encoding::kDeflate:
      return Inflate(body, max_output_bytes, false);
    case Encoding::kGzip:
      return Inflate(body, max_output_bytes, true);
    case Encoding::kSnappyFramed:
      return compression::SnappyFramedDecompress(body, max_output_bytes);
    case Encoding::kLz4Frame:
      return Lz4Decompress(body, max_output_bytes);
    case Encoding::kZstd:
      return ZstdDecompress(body, max_output_bytes);
    case Encoding::kUnknown:
      break;
  }
  return Unknown(encoding);
}

Result<std::string> Compress(std::string_view encoding, std::string_view data) {
  switch (Parse(encoding)) {
    case Encoding::kIdentity:
      return std::string(data);
    case Encoding::kDeflate:
      return Deflate(data, false);
    case Encoding::kGzip:
      return Deflate(data, true);
    case Encoding::kSnappyFramed:
      return compression::SnappyFramedCompress(data);
    case Encoding::kLz4Frame:
      return Lz4Compress(data);
    case Encoding::kZstd:
      return ZstdCompress(data);
    case Encoding::kUnknown:
      break;
  }
  return Unknown(encoding);
}

}  // namespace deltatunnel::proto
