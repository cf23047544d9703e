// The plain request and response that handlers see: no sockets, no Beast. The listener (Beast)
// turns the wire into a Request, runs the routed handler (on a worker pool, never on an I/O thread,
// when the route says it may block), and writes the Response back.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "deltatunnel/proto/status.h"

namespace deltatunnel::server {

// Case-insensitive header map (lower-cased keys).
using Headers = std::map<std::string, std::string>;

struct Request {
  std::string method;  // "GET", "PUT", ...
  std::string target;  // as received: path and query, percent-encoded
  std::string path;    // percent-decoded path, no query
  std::vector<std::pair<std::string, std::string>> query;  // percent-decoded, in order
  Headers headers;                                         // names lower-cased
  std::string body;                                        // whole body (bounded by the body limit)
  std::string request_id;  // assigned by the server, echoed in x-odps-request-id
  std::string remote;      // peer "ip:port"
  // Path segments captured by the route pattern ({project}, {table}, ...), by name.
  std::map<std::string, std::string> params;

  // The first query parameter named `name` (exact match), or nullptr.
  const std::string* Query(std::string_view name) const;
  // The header (name in lower case), or "" when absent.
  std::string_view Header(std::string_view lower_name) const;
};

struct Response {
  int status = 200;
  Headers headers;  // content-type etc.; the server adds x-odps-request-id, content-length, date
  std::string body;
  // When set, the body is streamed with chunked transfer encoding instead of `body`: the function
  // is called repeatedly on a worker thread; it appends the next piece to `out` and returns false
  // when nothing follows (after appending its last piece, if any). Memory stays bounded by the
  // pieces.
  std::function<bool(std::string& out)> stream;
};

// The one place where a Status becomes HTTP: the code's HTTP status and the JSON error body
// {"Code","Message","RequestId"}; 429 and 503 carry Retry-After (seconds).
Response ErrorResponse(const Status& status, const std::string& request_id, int retry_after_s = 1);
int HttpStatusOf(ErrorCode code);

using Handler = std::function<Response(Request&)>;

}  // namespace deltatunnel::server
