#include "http_listener.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>

namespace deltatunnel::server {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

// After a failed accept (out of file descriptors above all: EMFILE, ENFILE; the pending connection
// stays in the backlog, so retrying at once spins), the next accept waits this long; and failures
// are logged at most once per kAcceptLogInterval, with the count since the last line.
constexpr auto kAcceptBackoff = std::chrono::milliseconds(100);
constexpr auto kAcceptLogInterval = std::chrono::seconds(10);

struct HttpListener::Impl {
  Impl(net::io_context& io_context, HttpContext& context)
      : io(io_context),
        ctx(context),
        acceptor(net::make_strand(io_context)),
        backoff(acceptor.get_executor()) {}

  net::io_context& io;
  HttpContext& ctx;
  tcp::acceptor acceptor;
  net::steady_timer backoff;  // on the acceptor's strand
  uint16_t port = 0;
  Clock::time_point last_logged{};
  uint64_t unlogged_failures = 0;

  void LogFailure(const boost::system::error_code& ec) {
    ++unlogged_failures;
    const Clock::time_point now = Clock::now();
    if (last_logged != Clock::time_point{} && now - last_logged < kAcceptLogInterval) return;
    spdlog::warn("accept failed: {} ({} failure(s) since the last report; retrying every {} ms)",
                 ec.message(), unlogged_failures, kAcceptBackoff.count());
    last_logged = now;
    unlogged_failures = 0;
  }
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
          // Connections already open keep being served meanwhile: they run on their own strands.
          self->impl_->LogFailure(ec);
          self->impl_->backoff.expires_after(kAcceptBackoff);
          self->impl_->backoff.async_wait([self](boost::system::error_code wait_ec) {
            if (wait_ec || !self->impl_->acceptor.is_open()) return;
            self->Start();
          });
          return;
        }
        socket.set_option(tcp::no_delay(true), ec);
        StartHttpSession(std::move(socket), self->impl_->ctx);
        self->Start();
      });
}

void HttpListener::Close() {
  net::post(impl_->acceptor.get_executor(), [self = shared_from_this()] {
    boost::system::error_code ec;
    self->impl_->acceptor.close(ec);
    self->impl_->backoff.cancel();
  });
}

}  // namespace deltatunnel::server
