#include "http_listener.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

namespace deltatunnel::server {

namespace net = boost::asio;
using tcp = net::ip::tcp;

struct HttpListener::Impl {
  Impl(net::io_context& io_context, HttpContext& context)
      : io(io_context), ctx(context), acceptor(net::make_strand(io_context)) {}

  net::io_context& io;
  HttpContext& ctx;
  tcp::acceptor acceptor;
  uint16_t port = 0;
};

HttpListener::HttpListener(net::io_context& io, HttpContext& ctx)
    : impl_(std::make_unique<Impl>(io, ctx)) {}

HttpListener::~HttpListener() = default;

Status HttpListener::Listen(const HostPort& address) {
  boost::system::error_code ec;
  tcp::resolver resolver(impl_->io);
  auto results = resolver.resolve(address.host, std::to_string(address.port),
                                  tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || results.empty()) {
    return InvalidArgument(
        fmt::format("cannot resolve listen host '{}': {}", address.host, ec.message()));
  }
  tcp::endpoint endpoint = results.begin()->endpoint();
  auto fail = [&](std::string_view step) {
    return Status(ErrorCode::kServiceUnavailable,
                  fmt::format("cannot listen on {}:{}: {} failed: {}", address.host, address.port,
                              step, ec.message()));
  };
  tcp::acceptor& a = impl_->acceptor;
  if (a.open(endpoint.protocol(), ec); ec) return fail("open");
  if (a.set_option(net::socket_base::reuse_address(true), ec); ec) return fail("setsockopt");
  if (a.bind(endpoint, ec); ec) return fail("bind");
  if (a.listen(net::socket_base::max_listen_connections, ec); ec) return fail("listen");
  impl_->port = a.local_endpoint(ec).port();
  return Status::Ok();
}

uint16_t HttpListener::port() const { return impl_->port; }

void HttpListener::Start() {
  impl_->acceptor.async_accept(
      net::make_strand(impl_->io),
      [self = shared_from_this()](boost::system::error_code ec, tcp::socket socket) {
        if (ec == net::error::operation_aborted || !self->impl_->acceptor.is_open()) return;
        if (ec) {
          spdlog::warn("accept failed: {}", ec.message());
        } else {
          socket.set_option(tcp::no_delay(true), ec);
          StartHttpSession(std::move(socket), self->impl_->ctx);
        }
        self->Start();
      });
}

void HttpListener::Close() {
  net::post(impl_->acceptor.get_executor(), [self = shared_from_this()] {
    boost::system::error_code ec;
    self->impl_->acceptor.close(ec);
  });
}

}  // namespace deltatunnel::server
