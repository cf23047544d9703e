// One keep-alive HTTP/1.1 connection to one server (host:port), used by one caller at a time: the
// transport of the cluster backend's clients (etcd's JSON gateway, S3). A request runs within a
// deadline (connection included); the connection is made on first use and again after a
// failure. Errors are the caller's to classify; here they are only "could not reach" (connect,
// write, read, timeout: kServiceUnavailable, with `sent` saying whether the request may have
// reached the server).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "deltatunnel/proto/status.h"

namespace deltatunnel::storage::cluster {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;

class HttpChannel {
 public:
  // `endpoint` is host:port; `who` names the server in errors ("etcd", "object storage").
  HttpChannel(std::string endpoint, std::string who);
  ~HttpChannel();
  HttpChannel(const HttpChannel&) = delete;
  HttpChannel& operator=(const HttpChannel&) = delete;

  // Sends `request` and reads the answer, whatever its status. `*sent` is set once any of the
  // request may have reached the server. A response without keep-alive closes the connection.
  Result<HttpResponse> Exchange(HttpRequest& request, std::chrono::milliseconds timeout,
                                bool* sent);
  // Whether a connection is open (a request on it may find it closed by the server while idle).
  bool connected() const { return stream_ != nullptr; }
  void Close();
  const std::string& endpoint() const { return endpoint_; }

 private:
  Status Unreachable(std::string what) const;
  void Run();

  std::string endpoint_;
  std::string who_;
  boost::asio::io_context ioc_;
  std::unique_ptr<boost::beast::tcp_stream> stream_;
  boost::beast::flat_buffer buffer_;
};

}  // namespace deltatunnel::storage::cluster
