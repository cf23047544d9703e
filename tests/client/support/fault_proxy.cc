#include "fault_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <stdexcept>

namespace deltatunnel::testing {
namespace {

bool WriteAll(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    const ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

// Reads one whole request (headers and a Content-Length body); false at end of stream.
bool ReadRequest(int fd, std::string* request, std::string* request_line) {
  std::string buf;
  char tmp[65536];
  size_t header_end = std::string::npos;
  size_t body_len = 0;
  for (;;) {
    if (header_end == std::string::npos) {
      header_end = buf.find("\r\n\r\n");
      if (header_end != std::string::npos) {
        std::string head = buf.substr(0, header_end);
        std::string lower = head;
        std::transform(lower.begin(), lower.end(), lower.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        const size_t cl = lower.find("\r\ncontent-length:");
        if (cl != std::string::npos) body_len = std::stoul(lower.substr(cl + 17));
        *request_line = head.substr(0, head.find("\r\n"));
      }
    }
    if (header_end != std::string::npos && buf.size() >= header_end + 4 + body_len) {
      *request = buf.substr(0, header_end + 4 + body_len);
      return true;
    }
    const ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
    if (n <= 0) return false;
    buf.append(tmp, static_cast<size_t>(n));
  }
}

void Reset(int fd) {
  linger l{1, 0};  // close with RST, not FIN
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  ::close(fd);
}

int ConnectTo(const std::string& host, uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  ::inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

FaultProxy::FaultProxy(std::string upstream_host, uint16_t upstream_port)
    : host_(std::move(upstream_host)), upstream_port_(upstream_port) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 128) != 0) {
    throw std::runtime_error("fault proxy: cannot listen");
  }
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { Accept(); });
}

FaultProxy::~FaultProxy() {
  stopping_ = true;
  ::shutdown(listen_fd_, SHUT_RDWR);
  acceptor_.join();
  ::close(listen_fd_);
  std::lock_guard lock(mu_);
  for (auto& w : workers_) w.join();
}

void FaultProxy::Inject(Fault fault, int count, std::string match, int retry_after_s) {
  std::lock_guard lock(mu_);
  rules_.push_back({fault, count, std::move(match), retry_after_s});
}

bool FaultProxy::TakeFault(const std::string& request_line, Rule* out) {
  std::lock_guard lock(mu_);
  for (auto it = rules_.begin(); it != rules_.end(); ++it) {
    if (request_line.find(it->match) == std::string::npos) continue;
    *out = *it;
    if (--it->remaining <= 0) rules_.erase(it);
    return true;
  }
  return false;
}

void FaultProxy::Accept() {
  while (!stopping_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    std::lock_guard lock(mu_);
    workers_.emplace_back([this, fd] { Serve(fd); });
  }
}

void FaultProxy::Serve(int fd) {
  std::string request, line;
  if (!ReadRequest(fd, &request, &line)) {
    ::close(fd);
    return;
  }
  ++requests_seen_;
  Rule rule{};
  const bool faulty = TakeFault(line, &rule);
  if (faulty) ++faults_served_;
  if (faulty && (rule.fault == Fault::kThrottle429 || rule.fault == Fault::kUnavailable503)) {
    const bool throttle = rule.fault == Fault::kThrottle429;
    const std::string body = std::string(R"({"Code":")") +
                             (throttle ? "SlotExceeded" : "ServiceUnavailable") +
                             R"(","Message":"injected by the test proxy","RequestId":"proxy"})";
    WriteAll(fd,
             std::string("HTTP/1.1 ") +
                 (throttle ? "429 Too Many Requests" : "503 Service Unavailable") +
                 "\r\nContent-Type: application/json\r\nx-odps-request-id: proxy\r\nRetry-After: " +
                 std::to_string(rule.retry_after_s) + "\r\nContent-Length: " +
                 std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
    ::close(fd);
    return;
  }
  if (faulty && rule.fault == Fault::kReset) {
    Reset(fd);
    return;
  }
  const int up = ConnectTo(host_, upstream_port_);
  if (up < 0) {
    Reset(fd);
    return;
  }
  // One request per upstream connection: the end of the answer is the end of the stream.
  request.insert(request.find("\r\n") + 2, "Connection: close\r\n");
  WriteAll(up, request);
  std::string answer;
  char tmp[65536];
  for (;;) {
    const ssize_t n = ::recv(up, tmp, sizeof tmp, 0);
    if (n <= 0) break;
    answer.append(tmp, static_cast<size_t>(n));
  }
  ::close(up);
  if (faulty && rule.fault == Fault::kDropAnswer) {
    Reset(fd);
    return;
  }
  WriteAll(fd, answer);
  ::shutdown(fd, SHUT_WR);
  // Let the client read the answer before the socket goes away.
  while (::recv(fd, tmp, sizeof tmp, 0) > 0) {
  }
  ::close(fd);
}

}  // namespace deltatunnel::testing
