#include "deltatunnel/client/options.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <functional>
#include <string_view>

namespace deltatunnel::client {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

Result<int64_t> ParseInt(std::string_view text) {
  text = Trim(text);
  int64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || text.empty()) {
    return InvalidArgument("'" + std::string(text) + "' is not an integer");
  }
  return v;
}

Status Range(std::string_view name, int64_t v, int64_t lo, int64_t hi) {
  if (v >= lo && v <= hi) return Status::Ok();
  return InvalidArgument(std::string(name) + " = " + std::to_string(v) + " is out of range [" +
                         std::to_string(lo) + ", " + std::to_string(hi) + "]");
}

Result<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  std::string t = Lower(Trim(text));
  int64_t scale = 1000;
  if (t.ends_with("ms")) {
    scale = 1;
    t.resize(t.size() - 2);
  } else if (t.ends_with("s")) {
    t.resize(t.size() - 1);
  } else if (t.ends_with("min")) {
    scale = 60000;
    t.resize(t.size() - 3);
  }
  DT_ASSIGN_OR_RETURN(int64_t v, ParseInt(t));
  if (v < 0) return InvalidArgument("a duration cannot be negative");
  return std::chrono::milliseconds(v * scale);
}

Result<bool> ParseBool(std::string_view text) {
  std::string t = Lower(Trim(text));
  if (t == "true") return true;
  if (t == "false") return false;
  return InvalidArgument("'" + std::string(text) + "' is not true or false");
}

}  // namespace

Result<uint64_t> ParseByteSize(std::string_view text) {
  std::string t = Lower(Trim(text));
  size_t digits = 0;
  while (digits < t.size() && std::isdigit(static_cast<unsigned char>(t[digits]))) ++digits;
  if (digits == 0) return InvalidArgument("'" + std::string(text) + "' is not a size");
  std::string unit(Trim(std::string_view(t).substr(digits)));
  uint64_t mult = 0;
  if (unit.empty() || unit == "b") mult = 1;
  if (unit == "k" || unit == "kb") mult = 1ull << 10;
  if (unit == "m" || unit == "mb") mult = 1ull << 20;
  if (unit == "g" || unit == "gb") mult = 1ull << 30;
  if (mult == 0) return InvalidArgument("'" + std::string(text) + "' has an unknown size unit");
  DT_ASSIGN_OR_RETURN(int64_t v, ParseInt(std::string_view(t).substr(0, digits)));
  if (static_cast<uint64_t>(v) > (1ull << 50) / mult) {
    return InvalidArgument("'" + std::string(text) + "' is too large");
  }
  return static_cast<uint64_t>(v) * mult;
}

Result<std::string> ContentEncodingOf(std::string_view algorithm) {
  const std::string a = Lower(algorithm);
  if (a == "identity" || a == "none" || a.empty()) return std::string();
  if (a == "deflate" || a == "zlib") return std::string("deflate");
  if (a == "snappy") return std::string("x-snappy-framed");
  if (a == "lz4") return std::string("x-lz4-frame");
  if (a == "zstd") return std::string("zstd");
  return InvalidArgument("compress.algorithm '" + std::string(algorithm) +
                         "' is not one of identity, deflate, snappy, lz4, zstd");
}

Status WriterOptions::Validate() const {
  constexpr int64_t kMaxBuffer = int64_t{1} << 40;
  DT_RETURN_IF_ERROR(Range("upsert.writer.buffer-size", static_cast<int64_t>(buffer_size),
                           int64_t{1} << 10, kMaxBuffer));
  DT_RETURN_IF_ERROR(Range("upsert.writer.bucket.buffer-size",
                           static_cast<int64_t>(bucket_buffer_size), int64_t{1} << 10,
                           int64_t{256} << 20));
  if (bucket_buffer_size > buffer_size) {
    return InvalidArgument(
        "upsert.writer.bucket.buffer-size (" + std::to_string(bucket_buffer_size) +
        ") cannot exceed upsert.writer.buffer-size (" + std::to_string(buffer_size) + ")");
  }
  DT_RETURN_IF_ERROR(Range("upsert.flush.concurrent", flush_concurrent, 1, 64));
  DT_RETURN_IF_ERROR(Range("upsert.commit.thread-num", commit_thread_num, 1, 32));
  DT_RETURN_IF_ERROR(Range("upsert.commit.timeout (s)", commit_timeout.count(), 1, 86400));
  DT_RETURN_IF_ERROR(
      Range("upsert.commit.poll-initial (ms)", commit_poll_initial.count(), 1, 60000));
  DT_RETURN_IF_ERROR(Range("upsert.session.slot-num", slot_num, 1, 4096));
  DT_RETURN_IF_ERROR(Range("upsert.session.lifecycle", lifecycle_hours, 1, 24));
  DT_RETURN_IF_ERROR(Range("sink.file-cached.writer.num", file_cached_writer_num, 1, 32));
  DT_RETURN_IF_ERROR(Range("sink.file-cached.rolling.max-size",
                           static_cast<int64_t>(file_cached_rolling_max_size), int64_t{1} << 10,
                           int64_t{1} << 30));
  return ContentEncodingOf(compress_algorithm).status();
}

Result<WriterOptions> ParseWriterOptions(const std::map<std::string, std::string>& settings) {
  WriterOptions o;
  using Setter = std::function<Status(std::string_view)>;
  auto size = [](uint64_t* field) -> Setter {
    return [field](std::string_view v) -> Status {
      DT_ASSIGN_OR_RETURN(*field, ParseByteSize(v));
      return Status::Ok();
    };
  };
  auto integer = [](int* field) -> Setter {
    return [field](std::string_view v) -> Status {
      DT_ASSIGN_OR_RETURN(int64_t n, ParseInt(v));
      if (n < INT32_MIN || n > INT32_MAX) return InvalidArgument("out of range");
      *field = static_cast<int>(n);
      return Status::Ok();
    };
  };
  const std::map<std::string, Setter> setters = {
      {"upsert.writer.buffer-size", size(&o.buffer_size)},
      {"upsert.writer.bucket.buffer-size", size(&o.bucket_buffer_size)},
      {"upsert.flush.concurrent", integer(&o.flush_concurrent)},
      {"upsert.commit.thread-num", integer(&o.commit_thread_num)},
      {"upsert.commit.timeout",
       [&o](std::string_view v) -> Status {
         DT_ASSIGN_OR_RETURN(auto d, ParseDuration(v));
         o.commit_timeout = std::chrono::duration_cast<std::chrono::seconds>(d);
         return Status::Ok();
       }},
      {"upsert.commit.poll-initial",
       [&o](std::string_view v) -> Status {
         DT_ASSIGN_OR_RETURN(o.commit_poll_initial, ParseDuration(v));
         return Status::Ok();
       }},
      {"upsert.session.slot-num", integer(&o.slot_num)},
      {"upsert.session.lifecycle", integer(&o.lifecycle_hours)},
      {"compress.algorithm",
       [&o](std::string_view v) -> Status {
         o.compress_algorithm = std::string(Trim(v));
         return Status::Ok();
       }},
      {"sink.file-cached.enable",
       [&o](std::string_view v) -> Status {
         DT_ASSIGN_OR_RETURN(o.file_cached, ParseBool(v));
         return Status::Ok();
       }},
      {"sink.file-cached.writer.num", integer(&o.file_cached_writer_num)},
      {"sink.file-cached.rolling.max-size", size(&o.file_cached_rolling_max_size)},
      {"sink.file-cached.dir",
       [&o](std::string_view v) -> Status {
         o.file_cached_dir = std::string(Trim(v));
         return Status::Ok();
       }},
  };
  for (const auto& [name, value] : settings) {
    auto it = setters.find(name);
    if (it == setters.end()) return InvalidArgument("unknown writer option '" + name + "'");
    Status s = it->second(value);
    if (!s.ok()) return InvalidArgument(name + ": " + s.message());
  }
  DT_RETURN_IF_ERROR(o.Validate());
  return o;
}

}  // namespace deltatunnel::client
