#include "http_client.h"

#include <fmt/format.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <stdexcept>

namespace deltatunnel::testing {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

constexpr int kTimeoutSeconds = 60;

std::string Lower(beast::string_view s) {
  std::string out(s.data(), s.size());
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::string HttpResponse::Header(std::string_view lower_name) const {
  auto it = headers.find(std::string(lower_name));
  return it == headers.end() ? "" : it->second;
}

nlohmann::json HttpResponse::Json() const { return nlohmann::json::parse(body); }

std::vector<nlohmann::json> NdjsonRows(const std::string& body) {
  std::vector<nlohmann::json> rows;
  size_t pos = 0;
  while (pos < body.size()) {
    size_t end = body.find('\n', pos);
    if (end == std::string::npos) end = body.size();
    if (end > pos) rows.push_back(nlohmann::json::parse(body.substr(pos, end - pos)));
    pos = end + 1;
  }
  return rows;
}

struct HttpClient::Impl {
  std::string host;
  uint16_t port;
  net::io_context io;
  tcp::socket socket{io};
  beast::flat_buffer buffer;
  int opened = 0;

  void Connect() {
    if (socket.is_open()) return;
    tcp::resolver resolver(io);
    beast::error_code ec;
    auto results = resolver.resolve(host, std::to_string(port), ec);
    if (!ec) net::connect(socket, results, ec);
    if (ec) {
      socket.close();
      throw std::runtime_error(fmt::format("connect to {}:{}: {}", host, port, ec.message()));
    }
    // Bound every blocking read and write, so that a broken server fails a test, never hangs it.
    timeval tv{kTimeoutSeconds, 0};
    setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(socket.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    buffer.clear();
    ++opened;
  }

  void Close() {
    beast::error_code ec;
    socket.shutdown(tcp::socket::shutdown_both, ec);
    socket.close(ec);
  }

  HttpResponse Read() {
    http::response_parser<http::string_body> parser;
    parser.body_limit(boost::none);
    beast::error_code ec;
    http::read(socket, buffer, parser, ec);
    if (ec) {
      Close();
      throw std::runtime_error(fmt::format("reading an answer: {}", ec.message()));
    }
    HttpResponse r;
    r.chunked = parser.chunked();
    auto msg = parser.release();
    r.status = static_cast<int>(msg.result_int());
    for (const auto& f : msg) r.headers[Lower(f.name_string())] = std::string(f.value());
    r.body = std::move(msg.body());
    r.keep_alive = msg.keep_alive();
    if (!r.keep_alive) Close();
    return r;
  }
};

HttpClient::HttpClient(std::string host, uint16_t port) : impl_(std::make_unique<Impl>()) {
  impl_->host = std::move(host);
  impl_->port = port;
}

HttpClient::~HttpClient() = default;
HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;

HttpResponse HttpClient::Send(std::string_view method, std::string_view target, std::string body,
                              const HttpHeaders& headers, bool chunked) {
  impl_->Connect();
  http::request<http::string_body> req;
  req.method_string({method.data(), method.size()});
  req.target({target.data(), target.size()});
  req.version(11);
  req.set(http::field::host, fmt::format("{}:{}", impl_->host, impl_->port));
  for (const auto& [name, value] : headers) req.set(name, value);
  req.body() = std::move(body);
  if (chunked) {
    req.chunked(true);
  } else {
    req.prepare_payload();
  }
  beast::error_code ec;
  http::write(impl_->socket, req, ec);
  // A server that refuses a body may answer and close before reading all of it: read the answer
  // even when the write failed part-way.
  if (ec && ec != net::error::broken_pipe && ec != net::error::connection_reset) {
    impl_->Close();
    throw std::runtime_error(fmt::format("sending {} {}: {}", method, target, ec.message()));
  }
  return impl_->Read();
}

void HttpClient::SendRaw(std::string_view bytes) {
  impl_->Connect();
  beast::error_code ec;
  net::write(impl_->socket, net::buffer(bytes.data(), bytes.size()), ec);
  if (ec) throw std::runtime_error("sending raw bytes: " + ec.message());
}

HttpResponse HttpClient::ReadResponse() { return impl_->Read(); }

bool HttpClient::connected() const { return impl_->socket.is_open(); }

int HttpClient::connections_opened() const { return impl_->opened; }

bool HttpClient::ServerClosed(int timeout_ms) {
  if (!impl_->socket.is_open()) return true;
  pollfd p{impl_->socket.native_handle(), POLLIN, 0};
  if (poll(&p, 1, timeout_ms) <= 0) return false;
  char c;
  ssize_t n = recv(impl_->socket.native_handle(), &c, 1, MSG_PEEK);
  return n <= 0;
}

void HttpClient::Close() { impl_->Close(); }

}  // namespace deltatunnel::testing
