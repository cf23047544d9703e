// The per-connection state machine, in the shape of Beast's own async server examples:
//   ReadHeader -> OnHeader -> [100 Continue] -> ReadBody -> OnBody ... -> Dispatch
//   -> Write (whole) or WriteStreamed -> NextPiece (worker) -> WritePiece ... -> WriteLastChunk
//   -> OnWritten -> ReadHeader (keep-alive) or CloseGracefully.
// Every step runs on the connection's strand; only a streamed body's generator runs on a worker.
#include "http_session.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <algorithm>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <chrono>
#include <memory>
#include <optional>

#include "transfer_coding.h"

namespace deltatunnel::server {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
using Generator = std::function<bool(std::string&)>;

constexpr size_t kBufferBytes = 64 * 1024;  // toolchain-notes.md pitfall 2
constexpr uint32_t kHeaderLimit = 64 * 1024;
constexpr auto kLingerTime = std::chrono::seconds(2);
constexpr size_t kLingerBytes = 64 << 20;
constexpr char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";

bool IsMalformedRequest(const beast::error_code& ec) {
  if (ec.category() != http::make_error_code(http::error::bad_target).category()) return false;
  return ec != http::error::end_of_stream && ec != http::error::partial_message;
}

std::string Lower(beast::string_view s) {
  std::string out(s.data(), s.size());
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

class Session : public Connection, public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, HttpContext& ctx) : stream_(std::move(socket)), ctx_(ctx) {
    buffer_.reserve(kBufferBytes);
    beast::error_code ec;
    auto ep = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ = fmt::format("{}:{}", ep.address().to_string(), ep.port());
  }

  ~Session() override {
    if (registered_) ctx_.connections.Remove(id_);
  }

  void Begin() {
    id_ = ctx_.connections.Add(weak_from_this());
    registered_ = true;
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->ReadHeader(); });
  }

  void Shutdown() override {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      self->closing_ = true;
      if (self->phase_ == Phase::kIdle) self->stream_.cancel();
      if (self->awake_) self->awake_();  // a feed waiting for more ends now
    });
  }

  void ForceClose() override {
    net::post(stream_.get_executor(), [self = shared_from_this()] { self->CloseNow(); });
  }

 private:
  enum class Phase { kIdle, kReading, kHandling, kWriting, kClosing, kClosed };

  std::chrono::seconds ReadTimeout() const {
    return std::chrono::seconds(ctx_.config.read_timeout_s);
  }

  void ReadHeader() {
    if (closing_) return CloseGracefully();
    parser_.emplace();
    parser_->body_limit(ctx_.config.body_limit_bytes);
    parser_->header_limit(kHeaderLimit);
    phase_ = buffer_.size() == 0 ? Phase::kIdle : Phase::kReading;
    stream_.expires_after(phase_ == Phase::kIdle ? std::chrono::seconds(ctx_.config.idle_timeout_s)
                                                 : ReadTimeout());
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&Session::OnHeader, shared_from_this()));
  }

  void OnHeader(beast::error_code ec, size_t) {
    started_ = Clock::now();
    target_.clear();
    if (ec && !IsMalformedRequest(ec)) return CloseNow();  // closed, timed out, cancelled
    request_id_ = ctx_.ids.Next();
    // Beast refuses a Content-Length over the body limit while parsing the header: answered
    // before reading any of the body.
    if (ec == http::error::body_limit) return TooLarge();
    if (ec) {
      return WriteError({ErrorCode::kInvalidArgument, "malformed request: " + ec.message()});
    }
    phase_ = Phase::kReading;
    const auto& head = parser_->get();
    target_ = std::string(head.target());
    keep_alive_ = head.keep_alive();
    if (auto length = parser_->content_length(); length && *length > ctx_.config.body_limit_bytes) {
      return TooLarge();
    }
    if (std::optional<Response> refused = RefuseTransferCoding(head)) {
      keep_alive_ = false;
      return Write(std::move(*refused));
    }
    body_started_ = Clock::now();
    body_read_ = 0;
    if (!parser_->is_done()) {
      // Credentials and grants on the header alone: a refused request's body is never read, and
      // a refused client gets no 100 Continue.
      if (Status s = ctx_.dispatcher.Admit(HeadOf(head)); !s.ok()) return WriteError(s);
      // The declared body's bytes come from the server's memory budget before any is read (a
      // chunked body reserves as it arrives: OnBody).
      if (auto length = parser_->content_length(); length && !Reserve(*length)) {
        return WriteError(OverBudget());
      }
    }
    if (beast::iequals(head[http::field::expect], "100-continue")) {
      stream_.expires_after(ReadTimeout());
      net::async_write(stream_, net::buffer(kContinue, sizeof(kContinue) - 1),
                       [self = shared_from_this()](beast::error_code wec, size_t) {
                         if (wec) return self->CloseNow();
                         self->ReadBody();
                       });
      return;
    }
    ReadBody();
  }

  // The answer to a Transfer-Encoding the server does not read as Beast would (every field of it,
  // not only the first: transfer_coding.h), or nothing.
  std::optional<Response> RefuseTransferCoding(const http::request_header<>& head) const {
    std::string codings;
    const auto [first, last] = head.equal_range(http::field::transfer_encoding);
    for (auto it = first; it != last; ++it) {
      if (it != first) codings += ", ";
      codings.append(it->value().data(), it->value().size());
    }
    switch (ClassifyTransferCoding(first != last, codings, parser_->chunked())) {
      case TransferCoding::kNone:
      case TransferCoding::kChunked:
        return std::nullopt;
      case TransferCoding::kUnsupported: {
        Response r = ErrorResponse(
            InvalidArgument(fmt::format("Transfer-Encoding '{}' is not supported: only chunked is",
                                        Lower(codings))),
            request_id_);
        r.status = 501;
        return r;
      }
      case TransferCoding::kMalformed:
        return ErrorResponse(
            InvalidArgument(fmt::format("Transfer-Encoding '{}' is malformed: name chunked once, "
                                        "last",
                                        Lower(codings))),
            request_id_);
    }
    return std::nullopt;
  }

  void ReadBody() {
    if (parser_->is_done()) return Dispatch();
    stream_.expires_at(BodyDeadline());
    http::async_read_some(stream_, buffer_, *parser_,
                          beast::bind_front_handler(&Session::OnBody, shared_from_this()));
  }

  // Each read may pause read_timeout_s; and past a first read_timeout_s of grace, the body must
  // keep an average of limits.min_body_rate_bytes_s, so that a byte every few seconds cannot hold
  // a connection and its buffer for ever (slow senders).
  Clock::time_point BodyDeadline() const {
    const Clock::time_point pause = Clock::now() + ReadTimeout();
    const uint64_t rate = ctx_.config.limits.min_body_rate_bytes_s;
    if (rate == 0) return pause;
    const auto earned = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(static_cast<double>(body_read_) / static_cast<double>(rate)));
    return std::min(pause, body_started_ + ReadTimeout() + earned);
  }

  // The request as far as its header goes, names lower-cased and repeated fields joined.
  Request HeadOf(const http::request_header<>& head) const {
    Request req;
    req.method = std::string(head.method_string());
    req.target = target_;
    AddHeaders(head, req);
    req.request_id = request_id_;
    req.remote = remote_;
    return req;
  }

  static void AddHeaders(const http::fields& fields, Request& req) {
    for (const auto& field : fields) {
      beast::string_view value = field.value();
      auto [it, inserted] =
          req.headers.emplace(Lower(field.name_string()), std::string(value.data(), value.size()));
      if (!inserted) it->second.append(", ").append(value.data(), value.size());
    }
  }

  // Grows the request's share of the memory budget to `bytes`; false when it does not fit.
  bool Reserve(uint64_t bytes) {
    if (ctx_.budget == nullptr || bytes <= grant_.bytes()) return true;
    return grant_.Grow(ctx_.budget, bytes - grant_.bytes());
  }

  Status OverBudget() const {
    return {ErrorCode::kServiceUnavailable,
            fmt::format("the server's memory budget ({} bytes) is in use by other requests; retry "
                        "later",
                        ctx_.budget != nullptr ? ctx_.budget->limit() : 0)};
  }

  void OnBody(beast::error_code ec, size_t bytes) {
    body_read_ += bytes;
    // A chunked body: reserve ahead in steps of 1 MiB as it grows.
    if (!ec && body_read_ > grant_.bytes() && !Reserve(body_read_ + (1u << 20))) {
      return WriteError(OverBudget());
    }
    if (ec == http::error::body_limit) return TooLarge();
    if (ec && IsMalformedRequest(ec)) {
      return WriteError({ErrorCode::kInvalidArgument, "malformed request body: " + ec.message()});
    }
    if (ec) return CloseNow();
    ReadBody();
  }

  void Dispatch() {
    phase_ = Phase::kHandling;
    http::request<http::string_body> msg = parser_->release();
    // The deadline counts from here: the time the body took to arrive is the client's.
    cancel_ = std::make_shared<Cancellation>(Clock::now(), ctx_.config.limits.request_deadline_s);
    WatchClient();
    Request req;
    req.cancellation = cancel_;
    req.method = std::string(msg.method_string());
    req.target = target_;
    AddHeaders(msg, req);
    req.body = std::move(msg.body());
    req.request_id = request_id_;
    req.remote = remote_;
    ctx_.dispatcher.Dispatch(std::move(req), [self = shared_from_this()](Response res) {
      net::dispatch(self->stream_.get_executor(),
                    [self, res = std::move(res)]() mutable { self->Write(std::move(res)); });
    });
  }

  // While the request works (and its answer streams), a closed connection is noticed at once: the
  // socket turns readable and a peek finds its end (or an error). Bytes instead are the client's
  // next request, pipelined: they wait for ReadHeader, and the watch ends. A client that
  // half-closes after its request is taken for gone, as nginx does.
  void WatchClient() {
    watching_ = true;
    stream_.socket().async_wait(tcp::socket::wait_read, [self = shared_from_this(),
                                                         cancel = cancel_](beast::error_code ec) {
      if (ec) return;  // stopped: the answer was written, or the connection closed
      if (self->PeerClosed()) {
        cancel->ClientGone();
        if (self->awake_) self->awake_();  // a feed waiting for more stops now
      }
      if (self->cancel_ == cancel) self->watching_ = false;
    });
  }

  bool PeerClosed() {
    char byte = 0;
    const ssize_t n = ::recv(stream_.socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
  }

  // The request is over (answered, or cut short): counted, its watch stopped.
  void EndRequest(int status) {
    Cancellation::Reason reason = Cancellation::Reason::kNone;
    if (cancel_) reason = cancel_->reason();
    // 499, as nginx counts it: the client closed the connection before its answer.
    ctx_.dispatcher.Record(target_, reason == Cancellation::Reason::kClientGone ? 499 : status,
                           Seconds());
    if (reason != Cancellation::Reason::kNone) ctx_.dispatcher.CountCancelled(reason);
    if (watching_) {
      beast::error_code ec;
      stream_.socket().cancel(ec);
      watching_ = false;
    }
    cancel_.reset();
  }

  void TooLarge() {
    if (target_.empty()) target_ = std::string(parser_->get().target());
    WriteError(
        {ErrorCode::kRequestTooLarge, fmt::format("the request body is over the limit of {} bytes",
                                                  ctx_.config.body_limit_bytes)});
  }

  // An answer made here, before the request was read whole: the connection closes after it.
  void WriteError(const Status& status) {
    keep_alive_ = false;
    if (target_.empty()) target_ = "/";
    Write(ErrorResponse(status, request_id_));
  }

  template <typename Message>
  void SetHeaders(Message& msg, const Response& res, bool close) {
    msg.version(11);
    msg.result(res.status);
    for (const auto& [name, value] : res.headers) msg.set(name, value);
    msg.set("x-odps-request-id", request_id_);
    msg.set(http::field::server, "deltatunnel");
    msg.keep_alive(!close);
  }

  void Write(Response res) {
    if (cancel_) cancel_->AnswerBegun();
    bool close = !keep_alive_ || closing_;
    status_ = res.status;
    phase_ = Phase::kWriting;
    if (res.stream) return WriteStreamed(std::move(res), close);
    auto msg = std::make_shared<http::response<http::string_body>>();
    SetHeaders(*msg, res, close);
    msg->body() = std::move(res.body);
    msg->prepare_payload();
    stream_.expires_after(ReadTimeout());
    http::async_write(stream_, *msg,
                      [self = shared_from_this(), msg, close](beast::error_code ec, size_t) {
                        self->OnWritten(ec, close);
                      });
  }

  void WriteStreamed(Response res, bool close) {
    auto head = std::make_shared<http::response<http::empty_body>>();
    SetHeaders(*head, res, close);
    head->chunked(true);
    auto serializer = std::make_shared<http::response_serializer<http::empty_body>>(*head);
    auto gen = std::make_shared<Generator>(std::move(res.stream));
    if (res.stream_wait) {
      follow_ = std::make_shared<Follow>(
          Follow{std::move(res.stream_wait), res.stream_idle, std::move(res.stream_live)});
    }
    stream_.expires_after(ReadTimeout());
    http::async_write_header(
        stream_, *serializer,
        [self = shared_from_this(), head, serializer, gen, close](beast::error_code ec, size_t) {
          if (ec) return self->OnWritten(ec, close);
          self->NextPiece(gen, close);
        });
  }

  // Backpressure: the next piece is generated only after the previous one was written.
  void NextPiece(std::shared_ptr<Generator> gen, bool close) {
    const auto lane = follow_ && follow_->live && follow_->live() ? Dispatcher::Lane::kLive
                                                                  : Dispatcher::Lane::kStream;
    ctx_.dispatcher.RunBlocking(
        [self = shared_from_this(), gen, close, cancel = cancel_] {
          auto piece = std::make_shared<std::string>();
          bool more = false;
          bool failed = false;
          const bool gone = cancel && cancel->reason() == Cancellation::Reason::kClientGone;
          try {
            if (gone) {
              failed = true;  // nobody reads the rest: not generated
            } else {
              more = (*gen)(*piece);
            }
          } catch (const std::exception& e) {
            if (cancel && cancel->reason() == Cancellation::Reason::kClientGone) {
              spdlog::debug("request {}: streamed answer stopped: {}", self->request_id_, e.what());
            } else {
              spdlog::error("request {}: streamed answer failed: {}", self->request_id_, e.what());
            }
            failed = true;
          }
          net::dispatch(self->stream_.get_executor(), [self, gen, piece, more, failed, close] {
            self->WritePiece(gen, piece, more, failed, close);
          });
        },
        lane);
  }

  void WritePiece(std::shared_ptr<Generator> gen, std::shared_ptr<std::string> piece, bool more,
                  bool failed, bool close) {
    if (failed) {
      // No last chunk: the client sees the answer cut short rather than complete.
      EndRequest(500);
      return CloseNow();
    }
    if (piece->empty()) {
      if (!more) return WriteLastChunk(close);
      return follow_ ? Await(gen, close) : NextPiece(gen, close);
    }
    stream_.expires_after(ReadTimeout());
    net::async_write(
        stream_, http::make_chunk(net::buffer(*piece)),
        [self = shared_from_this(), gen, piece, more, close](beast::error_code ec, size_t) {
          if (ec) return self->OnWritten(ec, close);
          // A feed ends between pieces when the server shuts down (its client resumes elsewhere).
          if (more && !(self->follow_ && self->closing_)) return self->NextPiece(gen, close);
          self->WriteLastChunk(close);
        });
  }

  // A feed has sent everything there is: waits for its wake, its idle time, the client leaving or
  // the server shutting down, whichever comes first, then asks it again (or ends it).
  void Await(std::shared_ptr<Generator> gen, bool close) {
    if (closing_) return WriteLastChunk(close);
    auto fired = std::make_shared<std::atomic<bool>>(false);
    auto executor = stream_.get_executor();
    std::function<void()> wake = [self = shared_from_this(), gen, close, fired, executor] {
      if (fired->exchange(true)) return;
      net::dispatch(executor, [self, gen, close] {
        if (!self->follow_) return;  // the answer ended meanwhile
        self->follow_->wait(nullptr);
        self->awake_ = nullptr;
        self->await_timer_->cancel();
        if (self->closing_) return self->WriteLastChunk(close);
        self->NextPiece(gen, close);
      });
    };
    awake_ = wake;
    if (!await_timer_) await_timer_.emplace(stream_.get_executor());
    await_timer_->expires_after(follow_->idle);
    await_timer_->async_wait([wake](beast::error_code ec) {
      if (!ec) wake();
    });
    follow_->wait(wake);
  }

  // The feed's answer is over: its wait withdrawn (the wake holds this session and the feed).
  void EndFollow() {
    if (!follow_) return;
    follow_->wait(nullptr);
    follow_.reset();
    awake_ = nullptr;
    if (await_timer_) await_timer_->cancel();
  }

  void WriteLastChunk(bool close) {
    stream_.expires_after(ReadTimeout());
    net::async_write(stream_, http::make_chunk_last(),
                     [self = shared_from_this(), close](beast::error_code ec, size_t) {
                       self->OnWritten(ec, close);
                     });
  }

  void OnWritten(beast::error_code ec, bool close) {
    EndFollow();
    EndRequest(status_);
    grant_.Reset();  // the request and its body are gone
    if (ec) return CloseNow();
    if (close) return CloseGracefully();
    ReadHeader();
  }

  double Seconds() const { return std::chrono::duration<double>(Clock::now() - started_).count(); }

  // Half-closes, then reads and drops what the client still sends (a body answered 413 unread),
  // so that the close does not reset the connection before the client read the answer.
  void CloseGracefully() {
    phase_ = Phase::kClosing;
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return CloseNow();
    stream_.expires_after(kLingerTime);
    Drain();
  }

  void Drain() {
    buffer_.clear();
    stream_.async_read_some(buffer_.prepare(kBufferBytes),
                            [self = shared_from_this()](beast::error_code ec, size_t n) {
                              self->drained_ += n;
                              if (ec || self->drained_ > kLingerBytes) return self->CloseNow();
                              self->Drain();
                            });
  }

  void CloseNow() {
    phase_ = Phase::kClosed;
    EndFollow();
    grant_.Reset();
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
  }

  beast::tcp_stream stream_;
  HttpContext& ctx_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string remote_;
  uint64_t id_ = 0;
  bool registered_ = false;
  Phase phase_ = Phase::kIdle;
  bool closing_ = false;  // the server shuts down: no request after the current one
  bool keep_alive_ = true;
  std::string request_id_;
  std::string target_;
  int status_ = 0;
  Clock::time_point started_;
  Clock::time_point body_started_;
  uint64_t body_read_ = 0;                // bytes of the current request read since its header
  MemoryBudget::Grant grant_;             // the current request's share of the memory budget
  std::shared_ptr<Cancellation> cancel_;  // the dispatched request's, until it is answered
  // The streamed answer being written follows something (Response::stream_wait).
  struct Follow {
    std::function<void(std::function<void()>)> wait;
    std::chrono::milliseconds idle;
    std::function<bool()> live;  // Response::stream_live
  };
  std::shared_ptr<Follow> follow_;
  std::optional<net::steady_timer> await_timer_;
  std::function<void()> awake_;  // while a feed waits: wakes it
  bool watching_ = false;        // WatchClient's wait is pending
  size_t drained_ = 0;
};

}  // namespace

void StartHttpSession(tcp::socket socket, HttpContext& ctx) {
  std::make_shared<Session>(std::move(socket), ctx)->Begin();
}

}  // namespace deltatunnel::server
