// The plain request and response that handlers see: no sockets, no Beast. The listener (Beast)
// turns the wire into a Request, runs the routed handler (on a worker pool, never on an I/O thread,
// when the route says it may block), and writes the Response back.
#pragma once

#include <atomic>
#include <chrono>
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

// When a request's work should stop before it is done: its client went away (the connection closed
// while the work ran), or it ran past its deadline (limits.request_deadline_s) before its answer
// began. Shared by the connection, which tells, and the handler, which asks between pieces of long
// work (a lookup's keys, a read's chunks, a load's rows). A streamed answer, once begun, is paced
// by its client: the deadline no longer applies to it, the client's leaving still does.
class Cancellation {
 public:
  using Clock = std::chrono::steady_clock;
  enum class Reason { kNone, kClientGone, kDeadline };

  // No deadline.
  Cancellation() = default;
  // A deadline `deadline_s` seconds after `start` (0: none).
  Cancellation(Clock::time_point start, uint32_t deadline_s);

  // The connection closed while the request was being worked on.
  void ClientGone() { gone_.store(true, std::memory_order_relaxed); }
  // The answer's status line went out: the deadline no longer applies.
  void AnswerBegun() { deadline_ns_.store(kNoDeadline, std::memory_order_relaxed); }

  // Ok while the work should go on; else ServiceUnavailable saying why. Cheap enough to ask every
  // few hundred rows (an atomic load and, with a deadline, a clock read).
  Status Check() const;
  // What stopped the work, once Check answered non-OK or the client went away.
  Reason reason() const;

 private:
  static constexpr int64_t kNoDeadline = INT64_MAX;
  std::atomic<bool> gone_{false};
  std::atomic<int64_t> deadline_ns_{kNoDeadline};  // Clock's epoch, nanoseconds
  mutable std::atomic<bool> expired_{false};       // Check found the deadline passed
  uint32_t deadline_s_ = 0;
};

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
  // Set by the server for every dispatched request; null in requests made by hand (tests).
  std::shared_ptr<Cancellation> cancellation;

  // Ok while the request's work should go on (Cancellation::Check); Ok without a cancellation.
  Status Interrupted() const { return cancellation ? cancellation->Check() : Status::Ok(); }
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
  // A streamed answer that follows something as it grows (a change feed): when `stream` answers
  // true with nothing appended, the connection calls `stream_wait` with a wake function and asks
  // `stream` again once the wake is called (from any thread), `stream_idle` has passed, the client
  // has gone, or the server shuts down (then the answer ends with its last chunk instead). Unset:
  // `stream` is asked again at once. Called with an empty function: withdraw the last wake given
  // (the connection no longer waits, or has gone).
  std::function<void(std::function<void()> wake)> stream_wait;
  std::chrono::milliseconds stream_idle{15000};
  // A followed answer that has caught up: its next piece is small, paced by what is committed, and
  // its client waits for it now. Asked before each piece: true has it made on the live lane
  // (Dispatcher::Lane::kLive), apart from big reads and catching up. Unset: never.
  std::function<bool()> stream_live;
};

// The one place where a Status becomes HTTP: the code's HTTP status and the JSON error body
// {"Code","Message","RequestId"}; 429 and 503 carry Retry-After (seconds).
Response ErrorResponse(const Status& status, const std::string& request_id, int retry_after_s = 1);
int HttpStatusOf(ErrorCode code);

using Handler = std::function<Response(Request&)>;

}  // namespace deltatunnel::server
