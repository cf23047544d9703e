// A small blocking HTTP/1.1 client for tests: any method, headers and body, one kept-alive
// connection (reopened when the server closed it), chunked answers read whole. Failures throw
// std::runtime_error.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace deltatunnel::testing {

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  bool chunked = false;     // the answer came with Transfer-Encoding: chunked
  bool keep_alive = false;  // the server keeps the connection open

  std::string Header(std::string_view lower_name) const;
  nlohmann::json Json() const;  // throws when the body is not JSON
};

using HttpHeaders = std::map<std::string, std::string>;

// The NDJSON lines of a body, each parsed (throws on a line that is not JSON).
std::vector<nlohmann::json> NdjsonRows(const std::string& body);

class HttpClient {
 public:
  HttpClient(std::string host, uint16_t port);
  ~HttpClient();
  HttpClient(HttpClient&&) noexcept;
  HttpClient& operator=(HttpClient&&) noexcept;

  // With `chunked` the body goes out with Transfer-Encoding: chunked instead of Content-Length.
  HttpResponse Send(std::string_view method, std::string_view target, std::string body = "",
                    const HttpHeaders& headers = {}, bool chunked = false);
  HttpResponse Get(std::string_view target) { return Send("GET", target); }
  HttpResponse Post(std::string_view target, std::string body = "") {
    return Send("POST", target, std::move(body));
  }

  // Raw bytes on the connection (opening it if needed), then one answer read.
  void SendRaw(std::string_view bytes);
  HttpResponse ReadResponse();

  // Whether the connection is open as far as the client knows.
  bool connected() const;
  // How many connections this client opened so far (1 after several keep-alive requests).
  int connections_opened() const;
  // True when the server closed the connection: a read sees end of stream (waits up to
  // `timeout_ms`).
  bool ServerClosed(int timeout_ms);
  void Close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace deltatunnel::testing
