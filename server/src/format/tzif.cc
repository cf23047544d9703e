// TZif reader (RFC 8536). The layout, all integers big-endian:
//   header  := "TZif" version[1] reserved[15] isutcnt isstdcnt leapcnt timecnt typecnt charcnt
//   (u32) v1 data := times[timecnt] (i32) idx[timecnt] (u8) ttinfo[typecnt] (i32 utoff, u8 isdst,
//   u8 idx)
//              chars[charcnt] leap[leapcnt] (i32, i32) isstd[isstdcnt] isut[isutcnt]
//   v2+     := v1 header+data, then a second header and the same data with 64-bit times and leap
//              times, then footer := '\n' posix_tz_string '\n'
// Only the v2+ block is used when present (the v1 block cannot hold times past 2038). Leap second
// records are skipped: zone files in the "right/" tree are not what users name.
#include <algorithm>
#include <cstring>

#include "format/tzif.h"

namespace deltatunnel::server {
namespace {

class Reader {
 public:
  explicit Reader(std::string_view b) : b_(b) {}
  bool Has(size_t n) const { return b_.size() - pos_ >= n; }
  uint32_t U32() {
    const auto* p = reinterpret_cast<const unsigned char*>(b_.data() + pos_);
    pos_ += 4;
    return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
  }
  int64_t I64() {
    const uint64_t hi = U32();
    return static_cast<int64_t>((hi << 32) | U32());
  }
  uint8_t U8() { return static_cast<uint8_t>(b_[pos_++]); }
  void Skip(size_t n) { pos_ += n; }
  size_t pos() const { return pos_; }
  std::string_view rest() const { return b_.substr(pos_); }

 private:
  std::string_view b_;
  size_t pos_ = 0;
};

struct Counts {
  uint32_t isut, isstd, leap, time, type, chars;
  size_t DataSize(size_t time_size) const {
    return size_t{time} * time_size + time + size_t{type} * 6 + chars +
           size_t{leap} * (time_size + 4) + isstd + isut;
  }
};

bool ReadHeader(Reader* r, char* version, Counts* c) {
  if (!r->Has(44) || r->rest().substr(0, 4) != "TZif") return false;
  r->Skip(4);
  *version = static_cast<char>(r->U8());
  r->Skip(15);
  c->isut = r->U32();
  c->isstd = r->U32();
  c->leap = r->U32();
  c->time = r->U32();
  c->type = r->U32();
  c->chars = r->U32();
  // Real files hold a few thousand entries at most; the bound keeps sizes from overflowing.
  constexpr uint32_t kMax = 1u << 20;
  return c->type > 0 && c->isut <= kMax && c->isstd <= kMax && c->leap <= kMax && c->time <= kMax &&
         c->type <= 256 && c->chars <= kMax;
}

}  // namespace

Result<ZoneRules> ParseTzif(std::string_view bytes) {
  const Status bad = InvalidArgument("not a TZif time zone file");
  Reader r(bytes);
  char version;
  Counts c;
  if (!ReadHeader(&r, &version, &c)) return bad;
  size_t time_size = 4;
  if (version >= '2') {
    if (!r.Has(c.DataSize(4))) return bad;
    r.Skip(c.DataSize(4));
    if (!ReadHeader(&r, &version, &c)) return bad;
    time_size = 8;
  }
  if (!r.Has(c.DataSize(time_size))) return bad;

  ZoneRules z;
  z.transitions.resize(c.time);
  for (auto& t : z.transitions) {
    t = time_size == 8 ? r.I64() : static_cast<int32_t>(r.U32());
  }
  std::vector<uint8_t> idx(c.time);
  for (auto& i : idx) i = r.U8();
  std::vector<int32_t> utoff(c.type);
  for (auto& o : utoff) {
    o = static_cast<int32_t>(r.U32());
    r.Skip(2);  // isdst, desigidx
  }
  z.offsets.resize(c.time);
  for (size_t i = 0; i < idx.size(); ++i) {
    if (idx[i] >= c.type) return bad;
    z.offsets[i] = utoff[idx[i]];
  }
  if (!std::is_sorted(z.transitions.begin(), z.transitions.end())) return bad;
  z.initial_offset = utoff[0];  // RFC 8536 3.2: type 0 applies before the first transition
  r.Skip(c.chars + size_t{c.leap} * (time_size + 4) + c.isstd + c.isut);

  if (time_size == 8) {
    const std::string_view footer = r.rest();
    if (footer.size() >= 2 && footer[0] == '\n') {
      const size_t end = footer.find('\n', 1);
      const std::string_view tz = footer.substr(1, end == std::string_view::npos ? 0 : end - 1);
      if (!tz.empty()) {
        z.tail = PosixTzRule::Parse(tz);
        if (!z.tail) return InvalidArgument("the TZif file's POSIX rule is malformed");
      }
    }
  }
  return z;
}

int32_t ZoneRules::OffsetAt(int64_t utc_seconds) const {
  if (transitions.empty()) return tail ? tail->OffsetAt(utc_seconds) : initial_offset;
  if (utc_seconds < transitions.front()) return initial_offset;
  if (utc_seconds >= transitions.back() && tail) return tail->OffsetAt(utc_seconds);
  const auto it = std::upper_bound(transitions.begin(), transitions.end(), utc_seconds);
  return offsets[static_cast<size_t>(it - transitions.begin()) - 1];
}

}  // namespace deltatunnel::server
