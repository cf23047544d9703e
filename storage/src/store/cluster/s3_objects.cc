#include "store/cluster/s3_objects.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <ctime>
#include <optional>

namespace deltatunnel::storage::cluster {
namespace {

namespace http = boost::beast::http;

std::string AmzDate(std::chrono::system_clock::time_point t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

// The text of each <tag>...</tag> in `xml`, entities decoded (S3's answers are flat enough for
// this: no CDATA, no attributes on the elements read here).
std::vector<std::string> XmlValues(std::string_view xml, std::string_view tag) {
  std::vector<std::string> out;
  const std::string open = "<" + std::string(tag) + ">";
  const std::string close = "</" + std::string(tag) + ">";
  size_t pos = 0;
  while ((pos = xml.find(open, pos)) != std::string_view::npos) {
    pos += open.size();
    const size_t end = xml.find(close, pos);
    if (end == std::string_view::npos) break;
    std::string value;
    for (size_t i = pos; i < end; ++i) {
      if (xml[i] != '&') {
        value.push_back(xml[i]);
        continue;
      }
      static constexpr std::pair<std::string_view, char> kEntities[] = {
          {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
      bool decoded = false;
      for (const auto& [entity, c] : kEntities) {
        if (xml.substr(i, entity.size()) == entity) {
          value.push_back(c);
          i += entity.size() - 1;
          decoded = true;
          break;
        }
      }
      if (!decoded) value.push_back('&');
    }
    out.push_back(std::move(value));
    pos = end + close.size();
  }
  return out;
}

std::string XmlValue(std::string_view xml, std::string_view tag) {
  auto values = XmlValues(xml, tag);
  return values.empty() ? std::string() : values.front();
}

// The total size of "bytes a-b/total"; nullopt when absent or "*".
std::optional<uint64_t> ContentRangeTotal(std::string_view header) {
  const size_t slash = header.rfind('/');
  if (slash == std::string_view::npos) return std::nullopt;
  uint64_t total = 0;
  const char* begin = header.data() + slash + 1;
  const char* end = header.data() + header.size();
  auto [ptr, ec] = std::from_chars(begin, end, total);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return total;
}

}  // namespace

S3Objects::S3Objects(S3Options options) : options_(std::move(options)) {
  host_ = options_.endpoint;
  if (host_.starts_with("http://")) host_.erase(0, 7);
  while (!host_.empty() && host_.back() == '/') host_.pop_back();
}

Result<std::unique_ptr<S3Objects>> S3Objects::Open(S3Options options) {
  if (options.endpoint.starts_with("https://")) {
    return InvalidArgument("object storage: https endpoints are not supported yet (use http://)");
  }
  if (options.bucket.empty() || options.endpoint.empty()) {
    return InvalidArgument("object storage: an endpoint and a bucket are needed");
  }
  std::unique_ptr<S3Objects> store(new S3Objects(std::move(options)));
  if (store->host_.rfind(':') == std::string::npos) {
    return InvalidArgument(
        fmt::format("object storage endpoint '{}' is not host:port", store->options_.endpoint));
  }
  return store;
}

Result<HttpResponse> S3Objects::Send(const Call& call) {
  const std::string host = options_.path_style ? host_ : options_.bucket + "." + host_;
  std::string path = options_.path_style ? "/" + UriEncode(options_.bucket, false) : "";
  if (!call.name.empty() || !options_.path_style) path += "/" + UriEncode(call.name, true);

  SigV4Request sig;
  sig.method = std::string(http::to_string(call.method));
  sig.path = path;
  sig.query = call.query;
  sig.payload_hash = Sha256Hex(call.body);
  const std::string date =
      AmzDate(options_.now ? options_.now() : std::chrono::system_clock::now());
  sig.headers = {{"host", host}, {"x-amz-date", date}, {"x-amz-content-sha256", sig.payload_hash}};
  for (const auto& h : call.headers) sig.headers.push_back(h);
  const std::string authorization =
      SigV4Authorization(sig, options_.credentials, {options_.region, "s3"}, date);

  std::string target = path;
  for (size_t i = 0; i < call.query.size(); ++i) {
    target += (i == 0 ? "?" : "&") + UriEncode(call.query[i].first, false) + "=" +
              UriEncode(call.query[i].second, false);
  }
  HttpRequest request{call.method, target, 11};
  for (const auto& [name, value] : sig.headers) request.set(name, value);
  request.set(http::field::authorization, authorization);
  request.body() = std::string(call.body);

  std::unique_ptr<HttpChannel> channel;
  {
    MutexLock lock(&mu_);
    if (!idle_.empty()) {
      channel = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  if (!channel) channel = std::make_unique<HttpChannel>(host_, "object storage");
  Result<HttpResponse> response = Status(ErrorCode::kServiceUnavailable, "object storage");
  for (int attempt = 0; attempt < 2; ++attempt) {
    const bool reused = channel->connected();
    bool sent = false;
    response = channel->Exchange(request, options_.timeout, &sent);
    // A connection the server closed while idle fails at once: once more, on a new one.
    if (response.ok() || !reused) break;
  }
  if (response.ok() && channel->connected()) {
    MutexLock lock(&mu_);
    if (idle_.size() < options_.idle_connections) idle_.push_back(std::move(channel));
  }
  return response;
}

Status S3Objects::ErrorOf(const Call& call, const HttpResponse& response) const {
  const std::string code = XmlValue(response.body(), "Code");
  const std::string message =
      fmt::format("object storage: {} {}/{}: HTTP {} {} {}",
                  std::string(http::to_string(call.method)), options_.bucket, call.name,
                  response.result_int(), code, XmlValue(response.body(), "Message"));
  const unsigned status = response.result_int();
  if (status == 404 && code != "NoSuchBucket") return Status(ErrorCode::kNoSuchObject, message);
  if (status == 403) return Status(ErrorCode::kAccessDenied, message);
  if (status >= 500 || status == 429 || status == 408) {
    return Status(ErrorCode::kServiceUnavailable, message);
  }
  return Status(ErrorCode::kInvalidArgument, message);
}

Status S3Objects::Put(std::string_view name, std::string_view data) {
  const Call call{http::verb::put, std::string(name), {}, {}, data};
  DT_ASSIGN_OR_RETURN(HttpResponse r, Send(call));
  if (r.result_int() / 100 != 2) return ErrorOf(call, r);
  return Status::Ok();
}

Result<std::string> S3Objects::Read(std::string_view name, uint64_t offset, uint64_t length) {
  if (length == 0) return std::string();
  const Call call{http::verb::get,
                  std::string(name),
                  {},
                  {{"range", fmt::format("bytes={}-{}", offset, offset + length - 1)}},
                  {}};
  DT_ASSIGN_OR_RETURN(HttpResponse r, Send(call));
  if (r.result_int() == 416) return std::string();  // from past the end
  if (r.result_int() == 206) return std::move(r.body());
  if (r.result_int() == 200) {  // a store that ignores ranges: the whole object
    const std::string& whole = r.body();
    return offset >= whole.size() ? std::string() : whole.substr(offset, length);
  }
  return ErrorOf(call, r);
}

Result<ObjectTail> S3Objects::ReadTail(std::string_view name, uint64_t length) {
  const Call call{
      http::verb::get, std::string(name), {}, {{"range", fmt::format("bytes=-{}", length)}}, {}};
  DT_ASSIGN_OR_RETURN(HttpResponse r, Send(call));
  if (r.result_int() == 200) {
    const uint64_t size = r.body().size();
    std::string& body = r.body();
    if (size > length) body.erase(0, size - length);
    return ObjectTail{std::move(body), size};
  }
  if (r.result_int() == 206) {
    auto total = ContentRangeTotal(std::string(r[http::field::content_range]));
    if (!total) {
      return Status(ErrorCode::kInternalServerError,
                    fmt::format("object storage: {} answered a range without its size", name));
    }
    return ObjectTail{std::move(r.body()), *total};
  }
  if (r.result_int() == 416) return ObjectTail{{}, 0};  // an empty object
  return ErrorOf(call, r);
}

Status S3Objects::Delete(std::string_view name) {
  const Call call{http::verb::delete_, std::string(name), {}, {}, {}};
  DT_ASSIGN_OR_RETURN(HttpResponse r, Send(call));
  if (r.result_int() / 100 == 2 || r.result_int() == 404) return Status::Ok();
  return ErrorOf(call, r);
}

Result<std::vector<std::string>> S3Objects::List(std::string_view prefix) {
  std::vector<std::string> names;
  std::string token;
  while (true) {
    Call call{http::verb::get, "", {{"list-type", "2"}, {"prefix", std::string(prefix)}}, {}, {}};
    if (!token.empty()) call.query.emplace_back("continuation-token", token);
    if (options_.list_page > 0)
      call.query.emplace_back("max-keys", std::to_string(options_.list_page));
    DT_ASSIGN_OR_RETURN(HttpResponse r, Send(call));
    if (r.result_int() != 200) return ErrorOf(call, r);
    for (std::string& key : XmlValues(r.body(), "Key")) names.push_back(std::move(key));
    if (XmlValue(r.body(), "IsTruncated") != "true") break;
    token = XmlValue(r.body(), "NextContinuationToken");
    if (token.empty()) {
      return Status(ErrorCode::kInternalServerError,
                    "object storage: a truncated listing without a continuation token");
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

Status S3Objects::CheckBucket() {
  const Call call{http::verb::get, "", {{"list-type", "2"}, {"max-keys", "1"}}, {}, {}};
  DT_ASSIGN_OR_RETURN(HttpResponse r, Send(call));
  if (r.result_int() == 200) return Status::Ok();
  return ErrorOf(call, r);
}

Status S3Objects::CreateBucket() {
  const Call call{http::verb::put, "", {}, {}, {}};
  DT_ASSIGN_OR_RETURN(HttpResponse r, Send(call));
  if (r.result_int() / 100 == 2) return Status::Ok();
  const std::string code = XmlValue(r.body(), "Code");
  if (code == "BucketAlreadyOwnedByYou") return Status::Ok();
  return ErrorOf(call, r);
}

}  // namespace deltatunnel::storage::cluster
