// The HTTP exchange the client needs, behind an interface: the library sends through a Boost.Beast
// connection pool; tests may put anything behind it.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "deltatunnel/client/options.h"
#include "deltatunnel/proto/status.h"

namespace deltatunnel::client {

struct HttpRequest {
  std::string method;  // "GET"
  std::string target;  // path and query, percent-encoded
  std::vector<std::pair<std::string, std::string>> headers;
  // Not owned: the caller keeps the body alive for the call (and for its retries), so a bucket's
  // stream is never copied on its way to the socket.
  std::string_view body;
};

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string Header(std::string_view lower_name) const;
};

// Takes a streamed answer's body piece by piece as it arrives, and an empty piece while nothing
// arrives (every 200 ms of waiting, and when a signal interrupts the wait). False stops reading.
using BodySink = std::function<bool(std::string_view piece)>;

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  // Any answer, whatever its status. A connection that cannot be opened, or that fails before a
  // whole answer was read, is a Status that IsConnectionError() recognises.
  virtual Result<HttpResponse> Send(const HttpRequest& request) = 0;
  // Like Send, but a 2xx answer's body goes to `sink` as it arrives instead of into the answer
  // (other answers are read whole), and the answer may be silent for `idle_timeout` at a time
  // instead of the request timeout. Once the sink says stop, the connection is closed and the
  // result tells nothing. The default, for transports that cannot stream, reads the answer whole
  // with Send and hands its body over in one piece.
  virtual Result<HttpResponse> SendStreaming(const HttpRequest& request,
                                             std::chrono::milliseconds idle_timeout,
                                             const BodySink& sink);
};

// Keeps idle keep-alive connections to host:port; safe to call from many threads at once.
std::unique_ptr<HttpTransport> MakeBeastTransport(std::string host, uint16_t port,
                                                  const ClientOptions& options);

// A transport failure: ErrorCode::kConnectionFailed (its code, kept when the writer adds context
// to the message).
Status ConnectionError(std::string detail);
bool IsConnectionError(const Status& status);

}  // namespace deltatunnel::client
