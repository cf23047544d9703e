// StreamCompressor: one codec state per body, fed the pieces in order. Each codec runs at its
// fastest level: a download is compressed once, on the server's CPU, while the client waits for it.
#include "deltatunnel/proto/stream_compressor.h"

#include <lz4frame.h>
#include <zlib.h>
#include <zstd.h>

#include <cctype>
#include <stdexcept>

#include "compression_internal.h"

namespace deltatunnel::proto {
namespace {

bool EqualsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

class Identity final : public StreamCompressor {
 public:
  void Update(std::string_view data, std::string* out) override { out->append(data); }
  void Finish(std::string*) override {}
};

class Deflate final : public StreamCompressor {
 public:
  explicit Deflate(bool gzip) {
    if (deflateInit2(&z_, 1, Z_DEFLATED, gzip ? 15 + 16 : 15, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
      throw std::runtime_error("zlib: deflateInit2 failed");
    }
  }
  ~Deflate() override { deflateEnd(&z_); }
  void Update(std::string_view data, std::string* out) override { Run(data, Z_NO_FLUSH, out); }
  void Finish(std::string* out) override { Run({}, Z_FINISH, out); }

 private:
  void Run(std::string_view data, int flush, std::string* out) {
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    z_.avail_in = static_cast<uInt>(data.size());
    for (;;) {
      const size_t used = out->size();
      const size_t room = deflateBound(&z_, z_.avail_in) + 64;
      out->resize(used + room);
      z_.next_out = reinterpret_cast<Bytef*>(out->data() + used);
      z_.avail_out = static_cast<uInt>(room);
      const int rc = deflate(&z_, flush);
      out->resize(used + room - z_.avail_out);
      if (rc == Z_STREAM_END) return;
      if (rc != Z_OK && rc != Z_BUF_ERROR) throw std::runtime_error("zlib: deflate failed");
      if (flush == Z_NO_FLUSH && z_.avail_in == 0 && z_.avail_out != 0) return;
    }
  }
  z_stream z_{};
};

class Zstd final : public StreamCompressor {
 public:
  Zstd() : ctx_(ZSTD_createCCtx()) {
    if (ctx_ == nullptr) throw std::runtime_error("zstd: out of memory");
    ZSTD_CCtx_setParameter(ctx_, ZSTD_c_compressionLevel, 1);
  }
  ~Zstd() override { ZSTD_freeCCtx(ctx_); }
  void Update(std::string_view data, std::string* out) override { Run(data, ZSTD_e_continue, out); }
  void Finish(std::string* out) override { Run({}, ZSTD_e_end, out); }

 private:
  void Run(std::string_view data, ZSTD_EndDirective mode, std::string* out) {
    ZSTD_inBuffer in{data.data(), data.size(), 0};
    for (;;) {
      const size_t used = out->size();
      const size_t room = ZSTD_compressBound(data.size() - in.pos) + ZSTD_CStreamOutSize();
      out->resize(used + room);
      ZSTD_outBuffer o{out->data() + used, room, 0};
      const size_t left = ZSTD_compressStream2(ctx_, &o, &in, mode);
      out->resize(used + o.pos);
      if (ZSTD_isError(left)) throw std::runtime_error(ZSTD_getErrorName(left));
      // continue: done once the input is taken; end: once nothing is left to flush.
      if (mode == ZSTD_e_continue ? in.pos == in.size : left == 0) return;
    }
  }
  ZSTD_CCtx* ctx_;
};

class Lz4Frame final : public StreamCompressor {
 public:
  Lz4Frame() {
    if (LZ4F_isError(LZ4F_createCompressionContext(&ctx_, LZ4F_VERSION))) {
      throw std::runtime_error("lz4: out of memory");
    }
    // As Compress (compression.cc) writes it: the clients' readers check the content checksum.
    prefs_.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;
  }
  ~Lz4Frame() override { LZ4F_freeCompressionContext(ctx_); }
  void Update(std::string_view data, std::string* out) override {
    Begin(out);
    const size_t used = out->size();
    out->resize(used + LZ4F_compressBound(data.size(), &prefs_));
    const size_t n = LZ4F_compressUpdate(ctx_, out->data() + used, out->size() - used, data.data(),
                                         data.size(), nullptr);
    Check(n);
    out->resize(used + n);
  }
  void Finish(std::string* out) override {
    Begin(out);
    const size_t used = out->size();
    out->resize(used + LZ4F_compressBound(0, &prefs_));
    const size_t n = LZ4F_compressEnd(ctx_, out->data() + used, out->size() - used, nullptr);
    Check(n);
    out->resize(used + n);
  }

 private:
  void Begin(std::string* out) {
    if (begun_) return;
    const size_t used = out->size();
    out->resize(used + LZ4F_HEADER_SIZE_MAX);
    const size_t n = LZ4F_compressBegin(ctx_, out->data() + used, LZ4F_HEADER_SIZE_MAX, &prefs_);
    Check(n);
    out->resize(used + n);
    begun_ = true;
  }
  static void Check(size_t n) {
    if (LZ4F_isError(n)) throw std::runtime_error(std::string("lz4: ") + LZ4F_getErrorName(n));
  }
  LZ4F_cctx* ctx_ = nullptr;
  LZ4F_preferences_t prefs_{};
  bool begun_ = false;
};

// Snappy frames are independent: each piece becomes frames of its own, after one stream
// identifier.
class SnappyFramed final : public StreamCompressor {
 public:
  void Update(std::string_view data, std::string* out) override {
    if (data.empty()) return;
    std::string framed = compression::SnappyFramedCompress(data);
    out->append(begun_ ? std::string_view(framed).substr(kStreamIdChunk) : framed);
    begun_ = true;
  }
  void Finish(std::string* out) override {
    if (!begun_) out->append(compression::SnappyFramedCompress({}));  // the identifier alone
  }

 private:
  static constexpr size_t kStreamIdChunk = 10;  // type, u24 length, "sNaPpY"
  bool begun_ = false;
};

}  // namespace

Result<std::unique_ptr<StreamCompressor>> StreamCompressor::Make(std::string_view encoding) {
  if (encoding.empty() || EqualsNoCase(encoding, "identity")) {
    return std::unique_ptr<StreamCompressor>(new Identity());
  }
  if (EqualsNoCase(encoding, "deflate"))
    return std::unique_ptr<StreamCompressor>(new Deflate(false));
  if (EqualsNoCase(encoding, "gzip")) return std::unique_ptr<StreamCompressor>(new Deflate(true));
  if (EqualsNoCase(encoding, "zstd")) return std::unique_ptr<StreamCompressor>(new Zstd());
  if (EqualsNoCase(encoding, "x-lz4-frame")) {
    return std::unique_ptr<StreamCompressor>(new Lz4Frame());
  }
  if (EqualsNoCase(encoding, "x-snappy-framed")) {
    return std::unique_ptr<StreamCompressor>(new SnappyFramed());
  }
  return InvalidArgument("unknown content encoding '" + std::string(encoding) + "'");
}

std::string ChooseDownloadEncoding(std::string_view accept_encoding) {
  static constexpr std::string_view kOffered[] = {"deflate", "x-snappy-framed", "x-lz4-frame",
                                                  "zstd"};
  auto trim = [](std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
  };
  while (!accept_encoding.empty()) {
    const size_t comma = accept_encoding.find(',');
    std::string_view item = accept_encoding.substr(0, comma);
    accept_encoding.remove_prefix(comma == std::string_view::npos ? accept_encoding.size()
                                                                  : comma + 1);
    std::string_view name = item;
    bool refused = false;
    if (const size_t semi = item.find(';'); semi != std::string_view::npos) {
      name = item.substr(0, semi);
      std::string_view q = trim(item.substr(semi + 1));
      // "q=0", "q=0.0", "q=0.000": the client refuses this encoding.
      if (q.size() >= 3 && (q[0] == 'q' || q[0] == 'Q') && q[1] == '=') {
        q.remove_prefix(2);
        refused = q.find_first_not_of("0.") == std::string_view::npos;
      }
    }
    name = trim(name);
    if (refused) continue;
    for (std::string_view offered : kOffered) {
      if (EqualsNoCase(name, offered)) return std::string(offered);
    }
  }
  return "";
}

}  // namespace deltatunnel::proto
