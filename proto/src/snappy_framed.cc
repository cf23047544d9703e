// The Snappy framing format (github.com/google/snappy, framing_format.txt), which snappy itself
// does not implement:
//   stream := chunk*
//   chunk  := type u8, length u24 LE, data[length]
//   0xff stream identifier, data "sNaPpY" (first; may repeat where streams were concatenated)
//   0x00 compressed:   masked CRC32C u32 LE of the uncompressed data, snappy block (<= 65536 out)
//   0x01 uncompressed: masked CRC32C u32 LE, the data (<= 65536)
//   0x02..0x7f reserved unskippable (an error); 0x80..0xfd reserved skippable; 0xfe padding
#include <snappy.h>

#include "compression_internal.h"
#include "deltatunnel/proto/crc32c.h"

namespace deltatunnel::proto::compression {
namespace {

constexpr std::string_view kName = "x-snappy-framed";
constexpr std::string_view kStreamId = "sNaPpY";
constexpr size_t kMaxBlock = 65536;

uint32_t Le32(const char* p) {
  return static_cast<uint32_t>(static_cast<uint8_t>(p[0])) |
         static_cast<uint32_t>(static_cast<uint8_t>(p[1])) << 8 |
         static_cast<uint32_t>(static_cast<uint8_t>(p[2])) << 16 |
         static_cast<uint32_t>(static_cast<uint8_t>(p[3])) << 24;
}

void PutHeader(std::string* out, uint8_t type, size_t length) {
  out->push_back(static_cast<char>(type));
  out->push_back(static_cast<char>(length));
  out->push_back(static_cast<char>(length >> 8));
  out->push_back(static_cast<char>(length >> 16));
}

void PutLe32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}

}  // namespace

Result<std::string> SnappyFramedDecompress(std::string_view body, size_t limit) {
  Output out(limit);
  bool seen_id = false;
  std::string block;
  while (!body.empty()) {
    if (body.size() < 4) return Corrupt(kName, "truncated chunk header");
    const auto type = static_cast<uint8_t>(body[0]);
    const size_t length = Le32(body.data()) >> 8;
    body.remove_prefix(4);
    if (body.size() < length) return Corrupt(kName, "truncated chunk");
    const std::string_view data = body.substr(0, length);
    body.remove_prefix(length);
    if (type == 0xff) {
      if (data != kStreamId) return Corrupt(kName, "bad stream identifier");
      seen_id = true;
      continue;
    }
    if (!seen_id) return Corrupt(kName, "the stream does not start with its identifier");
    if (type >= 0x80) continue;  // padding and reserved skippable chunks
    if (type > 0x01) return Corrupt(kName, "reserved unskippable chunk type");
    if (data.size() < 4) return Corrupt(kName, "chunk without a CRC");
    const uint32_t masked = Le32(data.data());
    std::string_view payload = data.substr(4);
    if (type == 0x00) {
      size_t n = 0;
      if (!snappy::GetUncompressedLength(payload.data(), payload.size(), &n) || n > kMaxBlock) {
        return Corrupt(kName, "bad compressed chunk");
      }
      block.resize(n);
      if (!snappy::RawUncompress(payload.data(), payload.size(), block.data())) {
        return Corrupt(kName, "bad compressed chunk");
      }
      payload = block;
    } else if (payload.size() > kMaxBlock) {
      return Corrupt(kName, "uncompressed chunk over 65536 bytes");
    }
    if (Crc32cMask(Crc32c(payload)) != masked) return Corrupt(kName, "chunk CRC mismatch");
    if (!out.Append(payload)) return TooLarge(limit);
  }
  if (!seen_id) return Corrupt(kName, "empty body");
  return out.Take();
}

std::string SnappyFramedCompress(std::string_view data) {
  std::string out;
  PutHeader(&out, 0xff, kStreamId.size());
  out.append(kStreamId);
  std::string compressed;
  while (!data.empty()) {
    const std::string_view chunk = data.substr(0, kMaxBlock);
    data.remove_prefix(chunk.size());
    snappy::Compress(chunk.data(), chunk.size(), &compressed);
    const uint32_t masked = Crc32cMask(Crc32c(chunk));
    // A chunk that does not shrink goes uncompressed, as the format recommends.
    const bool raw = compressed.size() >= chunk.size();
    const std::string_view payload = raw ? chunk : std::string_view(compressed);
    PutHeader(&out, raw ? 0x01 : 0x00, payload.size() + 4);
    PutLe32(&out, masked);
    out.append(payload);
  }
  return out;
}

}  // namespace deltatunnel::proto::compression
