// Feeds arbitrary bytes, as they come off a connection, to the HTTP layer: Beast's request parser
// set up as a connection's session sets it up (core/http_session.cc: header limit 64 KiB, a body
// limit, parser.put() on the bytes buffered so far, a fresh parser for each request of a
// keep-alive connection on the bytes left over), then, for each request whose header parses, the
// server's own code on what the parser produced: the Transfer-Encoding check (OnlyChunked), the
// target split and decoded (SplitTarget, PercentDecode, ParseQuery), routed over the server's route
// patterns (Router::Find), and the canonical string of an ODPS signature over the request
// (OdpsCanonicalString, what auth.cc verifies; the Authorization and Date parsing itself is inside
// Authenticator and needs the whole server). What must hold, beyond no crash and no sanitizer
// report:
//   - Beast: a parsed header declares no Content-Length over the body limit and not both a length
//     and chunked; a whole body is its Content-Length long, a chunked one within the limit;
//   - the Transfer-Encoding the server lets through is the one Beast de-chunks: every
//     Transfer-Encoding field is only chunked, and with one present Beast reads the body chunked
//     (else the server hands on a body in a coding it does not know, or reads a body Beast left
//     unread as the next request);
//   - the target's path decodes if and only if the router finds its segments decodable, a query
//     string parses if and only if it decodes as a whole; a route found has the request's method
//     and its literals and captures spell the decoded path; a 405 lists other methods only.
//
// Input: the first byte's bits 0-2 are n, the count of read sizes that follow; bit 3 sets a body
// limit of 16 bytes (else 1 MiB: the server's is body_limit_bytes, 256 MiB by default, but
// string_body reserves a declared Content-Length whole, and the server's memory budget is not
// here). The n bytes are the sizes of successive reads off the socket (0: the rest at once),
// cycled; n = 0 reads everything at once. The rest is the wire. A seed read 5, 1, 5, 1, ... bytes
// at a time:
//   printf '\x02\x05\x01GET / HTTP/1.1\r\n\r\n' > seed
#include <algorithm>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "deltatunnel/proto/odps_signature.h"
#include "deltatunnel/server/router.h"
#include "deltatunnel/server/url.h"
#include "transfer_coding.h"

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using namespace deltatunnel::server;
using Parser = http::request_parser<http::string_body>;

constexpr uint32_t kHeaderLimit = 64 * 1024;  // as http_session.cc
constexpr size_t kReadLimit = 65536;          // Beast's read_some reads at most this much

void Require(bool condition) {
  if (!condition) std::abort();
}

// The routes the server registers (api_module.cc, odps/routes.cc, core/ops_routes.cc,
// console_routes.cc, openapi_route.cc; docs/openapi.json lists them), test hooks included.
const Router& Routes() {
  static const Router kRouter = [] {
    Router r;
    const Handler none = [](Request&) { return Response{}; };
    for (const char* path : {"/healthz", "/readyz", "/metrics", "/api/v1/metrics/history",
                             "/api/v1/openapi.json", "/", "/console/index.html", "/console/app.js",
                             "/console/style.css", "/console/vendor/uPlot.iife.min.js",
                             "/console/vendor/uPlot.min.css", "/_test/sleep", "/_test/stream"}) {
      r.Add("GET", path, none);
    }
    r.Add("POST", "/_test/echo", none);
    r.Add("POST", "/_test/compaction-hold", none);
    r.Add("POST", "/_test/fault", none);
    r.Add("DELETE", "/_test/fault", none);
    // The native API (/api/v1).
    const std::string tables = "/api/v1/projects/{project}/tables";
    const std::string table = tables + "/{table}";
    r.Add("POST", tables, none);
    r.Add("GET", tables, none);
    r.Add("GET", table, none);
    r.Add("PATCH", table, none);
    r.Add("DELETE", table, none);
    r.Add("GET", table + "/partitions", none);
    r.Add("DELETE", table + "/partitions", none);
    for (const char* post : {"/truncate", "/load", "/lookup", "/compact"}) {
      r.Add("POST", table + post, none);
    }
    for (const char* get : {"/versions", "/sessions", "/data", "/changes"}) {
      r.Add("GET", table + get, none);
    }
    r.Add("GET", "/api/v1/compactions", none);
    r.Add("POST", "/api/v1/backups", none);
    r.Add("GET", "/api/v1/backups", none);
    r.Add("POST", "/api/v1/backups/{backup_id}/verify", none);
    r.Add("DELETE", "/api/v1/backups/{backup_id}", none);
    // The Tunnel and ODPS surfaces, bare and under the endpoint's /api prefix.
    for (std::string_view p : {"", "/api"}) {
      const std::string prefix(p);
      const std::string project = prefix + "/projects/{project}";
      const std::string odps_tables = project + "[/schemas/{schema}]/tables";
      for (const char* method : {"POST", "GET", "PUT", "DELETE"}) {
        r.Add(method, odps_tables + "/{table}/upserts", none);
      }
      r.Add("GET", project, none);
      r.Add("GET", project + "/tunnel", none);
      r.Add("GET", odps_tables, none);
      r.Add("GET", odps_tables + "/{table}", none);
      r.Add("POST", odps_tables + "/{table}", none);
      r.Add("POST", project + "/instances", none);
      r.Add("GET", project + "/instances/{instance}", none);
      r.Add("POST", project + "/instances/{instance}", none);
      r.Add("GET", prefix + "/tenants", none);
      r.Add("GET", prefix + "/logview/host", none);
      r.Add("GET", prefix + "/webconsole/host", none);
    }
    return r;
  }();
  return kRouter;
}

// The socket: the wire in reads of the sizes the input chose.
class Wire {
 public:
  Wire(std::string_view bytes, std::string_view sizes) : bytes_(bytes), sizes_(sizes) {}

  // Appends the next read to `buffer`; false at the end of the stream.
  bool Read(std::string& buffer) {
    if (bytes_.empty()) return false;
    size_t n = sizes_.empty() ? 0 : static_cast<uint8_t>(sizes_[next_++ % sizes_.size()]);
    if (n == 0) n = bytes_.size();
    n = std::min({n, bytes_.size(), kReadLimit});
    buffer.append(bytes_.substr(0, n));
    bytes_.remove_prefix(n);
    return true;
  }

 private:
  std::string_view bytes_;
  std::string_view sizes_;
  size_t next_ = 0;
};

// http::async_read_some (boost/beast/http/impl/read.hpp, read_some_op): parse what is buffered,
// read more while the parser needs more, put_eof at the end of the stream.
beast::error_code ReadSome(Wire& wire, std::string& buffer, Parser& parser) {
  beast::error_code ec;
  bool read_first = buffer.empty();
  for (;;) {
    if (!read_first) {
      const size_t used = parser.put(net::buffer(buffer), ec);
      buffer.erase(0, used);
      if (ec != http::error::need_more) return ec;
    }
    read_first = false;
    if (!wire.Read(buffer)) {
      if (!parser.got_some()) return http::error::end_of_stream;
      ec = {};
      parser.put_eof(ec);
      return ec;
    }
  }
}

std::string Lower(beast::string_view s) {
  std::string out(s.data(), s.size());
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// As the session's AddHeaders: names lower-cased, repeated fields joined.
Headers HeadersOf(const http::fields& fields) {
  Headers out;
  for (const auto& field : fields) {
    beast::string_view value = field.value();
    auto [it, inserted] =
        out.emplace(Lower(field.name_string()), std::string(value.data(), value.size()));
    if (!inserted) it->second.append(", ").append(value.data(), value.size());
  }
  return out;
}

// The server's own code on a request's head, as the dispatcher runs it (Admit on the header,
// Dispatch once the body is in): the target, the route, the signature's canonical string.
void RouteTarget(std::string_view method, std::string_view target, const Headers& headers) {
  auto [raw_path, raw_query] = SplitTarget(target);
  auto path = PercentDecode(raw_path, false);
  auto query = ParseQuery(raw_query);
  Require(query.ok() == PercentDecode(raw_query, true).ok());
  const Router::Match m = Routes().Find(method, raw_path);
  Require(path.ok() == (m.kind != Router::Match::Kind::kBadPath));
  if (!path.ok()) {
    Require(!m.error.empty());
    return;
  }
  if (m.kind == Router::Match::Kind::kFound) {
    Require(m.route != nullptr && m.route->method == method);
    // The literals and captures, joined again, are the decoded path.
    std::string joined;
    for (size_t i = 0; i < m.route->segments.size(); ++i) {
      const std::string& seg = m.route->segments[i];
      if (i > 0) joined += '/';
      if (seg.size() >= 3 && seg.front() == '{' && seg.back() == '}') {
        auto it = m.params.find(seg.substr(1, seg.size() - 2));
        Require(it != m.params.end());
        joined += it->second;
      } else {
        joined += seg;
      }
    }
    std::string_view decoded = *path;
    if (!decoded.empty() && decoded.front() == '/') decoded.remove_prefix(1);
    Require(joined == decoded);
  } else if (m.kind == Router::Match::Kind::kMethodNotAllowed) {
    Require(!m.allowed.empty());
    Require(std::find(m.allowed.begin(), m.allowed.end(), method) == m.allowed.end());
  }
  if (!query.ok()) return;
  deltatunnel::proto::SignatureInput input;
  input.method = std::string(method);
  input.path = std::move(path).value();
  input.query = std::move(query).value();
  input.headers = headers;
  const std::string canonical = deltatunnel::proto::OdpsCanonicalString(input);
  Require(canonical.compare(0, method.size() + 1, input.method + '\n') == 0);
}

// One request off the connection, as the session reads it (ReadHeader, OnHeader, ReadBody,
// OnBody, Dispatch). False when the connection closes after it.
bool OneRequest(Wire& wire, std::string& buffer, uint64_t body_limit) {
  Parser parser;
  parser.body_limit(body_limit);
  parser.header_limit(kHeaderLimit);
  parser.eager(false);  // as http::async_read_header leaves it
  beast::error_code ec;
  do {
    ec = ReadSome(wire, buffer, parser);
  } while (!ec && !parser.is_header_done());
  if (ec) return false;  // end of stream, or a 400 / 413 answered before closing

  const auto& head = parser.get();
  const boost::optional<uint64_t> length = parser.content_length();
  Require(!length || *length <= body_limit);
  Require(!(length && parser.chunked()));
  // The session's check (RefuseTransferCoding): what it lets through is what Beast de-chunks.
  std::string codings;
  const auto [first, last] = head.equal_range(http::field::transfer_encoding);
  for (auto it = first; it != last; ++it) {
    if (it != first) codings += ", ";
    codings.append(it->value().data(), it->value().size());
  }
  const TransferCoding coding = ClassifyTransferCoding(first != last, codings, parser.chunked());
  if (coding == TransferCoding::kUnsupported || coding == TransferCoding::kMalformed) {
    return false;  // 501 or 400, then close
  }
  for (auto it = first; it != last; ++it) {
    Require(OnlyChunked({it->value().data(), it->value().size()}));
  }
  Require(first == last || parser.chunked());
  const std::string method(head.method_string());
  const std::string target(head.target());
  const bool keep_alive = head.keep_alive();
  // Expect: 100-continue changes what the server writes, not what it reads.
  if (!parser.is_done()) RouteTarget(method, target, HeadersOf(head));

  while (!parser.is_done()) {
    ec = ReadSome(wire, buffer, parser);
    if (ec) return false;  // 413, 400, or the client went away
  }
  const bool chunked = parser.chunked();
  http::request<http::string_body> msg = parser.release();
  if (length) Require(msg.body().size() == *length);
  if (chunked) Require(msg.body().size() <= body_limit);
  // Trailers join the header's fields: Dispatch sees both.
  RouteTarget(method, target, HeadersOf(msg));
  return keep_alive;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t n = std::min<size_t>(data[0] & 7, size - 1);
  const uint64_t body_limit = (data[0] & 8) != 0 ? 16 : 1 << 20;
  const char* bytes = reinterpret_cast<const char*>(data);
  Wire wire(std::string_view(bytes + 1 + n, size - 1 - n), std::string_view(bytes + 1, n));
  std::string buffer;
  while (OneRequest(wire, buffer, body_limit)) {
  }
  return 0;
}
