#include "odps/reply.h"

#include <fmt/format.h>

#include <ctime>

#include "odps/xml.h"

namespace deltatunnel::server::odps {
namespace {

Response ErrorDocument(int http_status, std::string_view code, std::string_view message,
                       const std::string& request_id) {
  Response r =
      XmlResponse(fmt::format("<Error><Code>{}</Code><Message>{}</Message><RequestId>{}</RequestId>"
                              "<HostId>deltatunnel</HostId></Error>",
                              XmlEscape(code), XmlEscape(message), XmlEscape(request_id)));
  r.status = http_status;
  return r;
}

}  // namespace

Response XmlResponse(std::string_view document, int status) {
  Response r;
  r.status = status;
  r.headers["content-type"] = "application/xml";
  r.body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  r.body.append(document);
  return r;
}

Response ErrorXml(const Status& status, const std::string& request_id) {
  // The JSON answer carries the status, Retry-After and the code's name; only the body differs.
  Response json = ErrorResponse(status, request_id);
  const std::string_view code =
      status.ok() ? std::string_view("InternalServerError") : ErrorCodeName(status.code());
  Response r = ErrorDocument(json.status, code, status.message(), request_id);
  if (auto it = json.headers.find("retry-after"); it != json.headers.end()) {
    r.headers["retry-after"] = it->second;
  }
  return r;
}

Response ParseErrorXml(std::string_view message, const std::string& request_id) {
  return ErrorDocument(400, kParseErrorCode, message, request_id);
}

std::string HttpDate(int64_t ms) {
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  const size_t n = std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return std::string(buf, n);
}

}  // namespace deltatunnel::server::odps
