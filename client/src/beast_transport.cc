// The HTTP/1.1 transport on Boost.Beast's synchronous API, the only file that includes Beast (it
// is slow to compile). Idle keep-alive connections are pooled; socket timeouts are kernel ones
// (SO_SNDTIMEO also bounds connect() on Linux), since Beast's sync calls have none. A streamed
// answer is read through poll() instead, which bounds each wait by its idle timeout and lets the
// caller stop between pieces.
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/http/span_body.hpp>
#include <boost/throw_exception.hpp>
#include <cerrno>
#include <limits>
#include <mutex>
#include <vector>

#include "deltatunnel/client/http.h"

namespace deltatunnel::client {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct Connection {
  asio::io_context io;
  tcp::socket socket{io};
  beast::flat_buffer buffer;
};

void SetTimeout(int fd, int option, std::chrono::milliseconds t) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(t.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((t.count() % 1000) * 1000);
  ::setsockopt(fd, SOL_SOCKET, option, &tv, sizeof tv);
}

// A streamed answer's reading: how long it may be silent, and who takes its pieces.
struct Streaming {
  std::chrono::milliseconds idle_timeout;
  const BodySink* sink;
};

// The socket as Beast's SyncReadStream, each read waiting for data in poll() slices of 200 ms: the
// sink hears of each slice (and of a signal that cut one short) and may stop; past the idle
// timeout without a byte the read fails with timed_out.
class PolledStream {
 public:
  PolledStream(tcp::socket& socket, const Streaming& streaming)
      : socket_(socket), streaming_(streaming) {}

  template <class Buffers>
  size_t read_some(const Buffers& buffers, beast::error_code& ec) {
    const auto deadline = std::chrono::steady_clock::now() + streaming_.idle_timeout;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        ec = asio::error::timed_out;
        return 0;
      }
      pollfd p{socket_.native_handle(), POLLIN, 0};
      const int ready = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count(), 200)));
      if (ready > 0) return socket_.read_some(buffers, ec);
      if (ready < 0 && errno != EINTR) {
        ec.assign(errno, beast::system_category());
        return 0;
      }
      if (!(*streaming_.sink)({})) {
        ec = asio::error::operation_aborted;
        return 0;
      }
    }
  }
  template <class Buffers>
  size_t read_some(const Buffers& buffers) {
    beast::error_code ec;
    const size_t n = read_some(buffers, ec);
    if (ec) BOOST_THROW_EXCEPTION(beast::system_error(ec));
    return n;
  }

 private:
  tcp::socket& socket_;
  const Streaming& streaming_;
};

// Reads an answer through `stream`: a 2xx answer's body handed to the sink piece by piece, any
// other answer whole (its body is the error).
void ReadStreamed(PolledStream& stream, beast::flat_buffer& buffer, const BodySink& sink,
                  http::response_parser<http::string_body>& parser, beast::error_code& ec) {
  http::read_header(stream, buffer, parser, ec);
  if (ec) return;
  const unsigned status = parser.get().result_int();
  if (status < 200 || status >= 300) {
    http::read(stream, buffer, parser, ec);
    return;
  }
  while (!ec && !parser.is_done()) {
    http::read_some(stream, buffer, parser, ec);
    std::string& body = parser.get().body();
    if (!body.empty() && !sink(body)) ec = asio::error::operation_aborted;
    body.clear();
  }
}

class BeastTransport final : public HttpTransport {
 public:
  BeastTransport(std::string host, uint16_t port, const ClientOptions& options)
      : host_(std::move(host)), port_(port), options_(options) {}

  Result<HttpResponse> Send(const HttpRequest& request) override {
    return SendOn(request, nullptr);
  }

  Result<HttpResponse> SendStreaming(const HttpRequest& request,
                                     std::chrono::milliseconds idle_timeout,
                                     const BodySink& sink) override {
    const Streaming streaming{idle_timeout, &sink};
    return SendOn(request, &streaming);
  }

 private:
  Result<HttpResponse> SendOn(const HttpRequest& request, const Streaming* streaming) {
    std::unique_ptr<Connection> conn = TakeIdle();
    const bool reused = conn != nullptr;
    if (!reused) {
      DT_ASSIGN_OR_RETURN(conn, Connect());
    }
    bool nothing_read = false;
    Result<HttpResponse> answer = Exchange(conn, request, streaming, &nothing_read);
    // A kept-alive connection the server closed meanwhile fails before any answer: try once more
    // on a fresh one. Nothing of the request was processed then.
    if (!answer.ok() && reused && nothing_read) {
      DT_ASSIGN_OR_RETURN(conn, Connect());
      answer = Exchange(conn, request, streaming, &nothing_read);
    }
    return answer;
  }

  Result<std::unique_ptr<Connection>> Connect() {
    auto conn = std::make_unique<Connection>();
    beast::error_code ec;
    tcp::resolver resolver(conn->io);
    auto endpoints = resolver.resolve(host_, std::to_string(port_), ec);
    if (ec) return ConnectionError("resolving " + host_ + ": " + ec.message());
    for (const auto& e : endpoints) {
      conn->socket.close(ec);
      conn->socket.open(e.endpoint().protocol(), ec);
      if (ec) continue;
      SetTimeout(conn->socket.native_handle(), SO_SNDTIMEO, options_.connect_timeout);
      conn->socket.connect(e.endpoint(), ec);
      if (!ec) break;
    }
    if (ec) {
      return ConnectionError("connecting to " + host_ + ":" + std::to_string(port_) + ": " +
                             ec.message());
    }
    conn->socket.set_option(tcp::no_delay(true), ec);
    SetTimeout(conn->socket.native_handle(), SO_SNDTIMEO, options_.request_timeout);
    SetTimeout(conn->socket.native_handle(), SO_RCVTIMEO, options_.request_timeout);
    conn->buffer.reserve(64 * 1024);  // toolchain pitfall 2: tiny reads otherwise
    return conn;
  }

  Result<HttpResponse> Exchange(std::unique_ptr<Connection>& conn, const HttpRequest& request,
                                const Streaming* streaming, bool* nothing_read) {
    // A span body: the bytes go from the caller's buffer to the socket without a copy.
    http::request<http::span_body<const char>> req;
    req.method_string(request.method);
    req.target(request.target);
    req.version(11);
    req.set(http::field::host, host_ + ":" + std::to_string(port_));
    for (const auto& [name, value] : request.headers) req.set(name, value);
    req.body() = beast::span<const char>(request.body.data(), request.body.size());
    req.prepare_payload();

    beast::error_code ec;
    http::write(conn->socket, req, ec);
    http::response_parser<http::string_body> parser;
    // Reads stream whole tables: no limit. (Not boost::none: Beast 1.74 compares a Content-Length
    // with it as with a limit below every length, which read_header reports as body_limit.)
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    if (!ec && streaming != nullptr) {
      PolledStream stream(conn->socket, *streaming);
      ReadStreamed(stream, conn->buffer, *streaming->sink, parser, ec);
    } else if (!ec) {
      http::read(conn->socket, conn->buffer, parser, ec);
    }
    // (Not when the sink stopped it: that is no stale connection, and must not be sent again.)
    *nothing_read = ec && !parser.got_some() && ec != asio::error::operation_aborted;
    if (ec) {
      return ConnectionError(request.method + " " + request.target + ": " + ec.message());
    }
    auto& res = parser.get();
    HttpResponse out;
    out.status = static_cast<int>(res.result_int());
    for (const auto& field : res) {
      std::string name(field.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.headers[name] = std::string(field.value());
    }
    const bool keep = res.keep_alive();
    out.body = std::move(res.body());
    if (keep) GiveBack(std::move(conn));
    return out;
  }

  std::unique_ptr<Connection> TakeIdle() {
    std::lock_guard lock(mu_);
    if (idle_.empty()) return nullptr;
    auto c = std::move(idle_.back());
    idle_.pop_back();
    return c;
  }
  void GiveBack(std::unique_ptr<Connection> c) {
    std::lock_guard lock(mu_);
    if (idle_.size() < 64) idle_.push_back(std::move(c));
  }

  std::string host_;
  uint16_t port_;
  ClientOptions options_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Connection>> idle_;
};

}  // namespace

std::unique_ptr<HttpTransport> MakeBeastTransport(std::string host, uint16_t port,
                                                  const ClientOptions& options) {
  return std::make_unique<BeastTransport>(std::move(host), port, options);
}

}  // namespace deltatunnel::client
