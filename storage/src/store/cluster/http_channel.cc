#include "store/cluster/http_channel.h"

#include <fmt/format.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <limits>

#include <boost/asio/connect.hpp>
#include <boost/asio/detail/socket_option.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace deltatunnel::storage::cluster {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
// Linux's TCP_QUICKACK, as Asio takes a socket option.
using QuickAck = asio::detail::socket_option::boolean<IPPROTO_TCP, TCP_QUICKACK>;

HttpChannel::HttpChannel(std::string endpoint, std::string who)
    : endpoint_(std::move(endpoint)), who_(std::move(who)) {}

HttpChannel::~HttpChannel() { Close(); }

Status HttpChannel::Unreachable(std::string what) const {
  return Status(ErrorCode::kServiceUnavailable, fmt::format("{}: {}", who_, what));
}

Result<HttpResponse> HttpChannel::Exchange(HttpRequest& request, std::chrono::milliseconds timeout,
                                           bool* sent) {
  *sent = false;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  beast::error_code ec;
  if (!stream_) {
    const size_t colon = endpoint_.rfind(':');
    tcp::resolver resolver(ioc_);
    auto addresses = resolver.resolve(endpoint_.substr(0, colon), endpoint_.substr(colon + 1), ec);
    if (ec) return Unreachable(fmt::format("resolving {}: {}", endpoint_, ec.message()));
    stream_ = std::make_unique<beast::tcp_stream>(ioc_);
    stream_->expires_at(deadline);
    stream_->async_connect(addresses, [&](beast::error_code e, const tcp::endpoint&) { ec = e; });
    Run();
    if (ec) {
      Close();
      return Unreachable(fmt::format("connecting to {}: {}", endpoint_, ec.message()));
    }
    // Small requests and answers back to back: without this, Nagle's algorithm and the peer's
    // delayed ACK hold a request's last segment for up to 40 ms.
    stream_->socket().set_option(tcp::no_delay(true), ec);
  }
  request.keep_alive(true);
  request.prepare_payload();
  *sent = true;
  stream_->expires_at(deadline);
  http::async_write(*stream_, request, [&](beast::error_code e, size_t) { ec = e; });
  Run();
  if (ec) {
    Close();
    return Unreachable(fmt::format("writing to {}: {}", endpoint_, ec.message()));
  }
  // Object reads can be large: no limit on the body beyond what was asked for. (Not
  // body_limit(boost::none): Boost 1.74 compares a Content-Length with the empty optional as
  // greater and fails every answer that has a body.)
  http::response_parser<http::string_body> parser;
  parser.body_limit(std::numeric_limits<uint64_t>::max());
  buffer_.clear();
  // ACK the answer's segments at once. Else an answer whose last segment is short (a range of
  // any size but a multiple of the segment size) waited for the peer's Nagle, which waited for
  // our delayed ACK: 44 ms a chunk read from the RADOS Gateway instead of 1.3 (the cluster
  // benchmark's range GET of 60000 vs 65536 bytes). Linux clears the flag by itself, so it is set
  // before each answer.
  stream_->socket().set_option(QuickAck(true), ec);
  http::async_read(*stream_, buffer_, parser, [&](beast::error_code e, size_t) { ec = e; });
  Run();
  if (ec) {
    Close();
    if (ec == beast::error::timeout) {
      return Unreachable(fmt::format("{} did not answer within {} ms", endpoint_, timeout.count()));
    }
    return Unreachable(fmt::format("reading from {}: {}", endpoint_, ec.message()));
  }
  HttpResponse response = parser.release();
  if (!response.keep_alive()) Close();
  return response;
}

void HttpChannel::Run() {
  ioc_.restart();
  ioc_.run();
}

void HttpChannel::Close() {
  if (!stream_) return;
  beast::error_code ignored;
  stream_->socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream_.reset();
}

}  // namespace deltatunnel::storage::cluster
