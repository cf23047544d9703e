// Accepts connections and starts a session on each, every session on its own strand.
#pragma once

#include <memory>

#include <boost/asio/io_context.hpp>

#include "deltatunnel/proto/status.h"
#include "deltatunnel/server/config.h"
#include "http_session.h"

namespace deltatunnel::server {

class HttpListener : public std::enable_shared_from_this<HttpListener> {
 public:
  HttpListener(boost::asio::io_context& io, HttpContext& ctx);
  ~HttpListener();

  // Binds and listens; the address in use or a bad host answer an error naming the address.
  Status Listen(const HostPort& address);
  uint16_t port() const;
  // The accept loop; runs on the io_context's threads.
  void Start();
  // Stops accepting (connections already accepted go on). Thread-safe.
  void Close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace deltatunnel::server
