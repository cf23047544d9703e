// How the ODPS REST surface answers: XML documents, errors as ODPS error XML
// (<Error><Code/><Message/><RequestId/><HostId/></Error>, which pyodps parses first and the Java
// SDK maps by HTTP status), and RFC 1123 dates for the headers both SDKs parse.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "deltatunnel/proto/status.h"
#include "deltatunnel/server/http_types.h"

namespace deltatunnel::server::odps {

// The code pyodps turns into ParseError (and the Java SDK into an OdpsException): a statement or
// task this server does not run.
inline constexpr std::string_view kParseErrorCode = "ODPS-0130161";

// 200 (or `status`) with an XML body: the <?xml?> declaration, then `document`.
Response XmlResponse(std::string_view document, int status = 200);
// `status` as ODPS error XML, with its HTTP status (and Retry-After where it has one).
Response ErrorXml(const Status& status, const std::string& request_id);
// 400 with code ODPS-0130161 and `message`.
Response ParseErrorXml(std::string_view message, const std::string& request_id);

// Milliseconds since the epoch as "Sun, 06 Dec 2026 08:00:00 GMT".
std::string HttpDate(int64_t ms);

// Runs `fn` (returning Result<Response>), answering a failure as ODPS error XML.
template <typename Fn>
Response AnswerXml(const Request& req, Fn&& fn) {
  Result<Response> r = fn();
  if (!r.ok()) return ErrorXml(r.status(), req.request_id);
  return std::move(r).value();
}

}  // namespace deltatunnel::server::odps
