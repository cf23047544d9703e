// Helpers around HTTP that know nothing of sockets: endpoints, percent-encoding, error answers.
#include <cctype>
#include <charconv>

#include <nlohmann/json.hpp>

#include "deltatunnel/client/client.h"
#include "deltatunnel/client/http.h"

namespace deltatunnel::client {
std::string HttpResponse::Header(std::string_view lower_name) const {
  auto it = headers.find(std::string(lower_name));
  return it == headers.end() ? std::string() : it->second;
}

Result<HttpResponse> HttpTransport::SendStreaming(const HttpRequest& request,
                                                  std::chrono::milliseconds /*idle_timeout*/,
                                                  const BodySink& sink) {
  DT_ASSIGN_OR_RETURN(HttpResponse res, Send(request));
  if (res.status >= 200 && res.status < 300) {
    if (!res.body.empty()) sink(res.body);
    res.body.clear();
  }
  return res;
}

Status ConnectionError(std::string detail) {
  return Status(ErrorCode::kConnectionFailed, "connection error: " + detail);
}

bool IsConnectionError(const Status& status) {
  return status.code() == ErrorCode::kConnectionFailed;
}

Result<std::pair<std::string, uint16_t>> ParseEndpoint(std::string_view endpoint) {
  std::string_view rest = endpoint;
  if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  } else if (rest.find("://") != std::string_view::npos) {
    return InvalidArgument("endpoint '" + std::string(endpoint) + "': only http:// is supported");
  }
  while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.empty() || rest.find('/') != std::string_view::npos) {
    return InvalidArgument("endpoint '" + std::string(endpoint) +
                           "' is not of the form http://host[:port]");
  }
  const size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos) return std::make_pair(std::string(rest), uint16_t{80});
  std::string_view port_text = rest.substr(colon + 1);
  unsigned port = 0;
  auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || p != port_text.data() + port_text.size() || port == 0 || port > 65535 ||
      colon == 0) {
    return InvalidArgument("endpoint '" + std::string(endpoint) + "' has a bad host or port");
  }
  return std::make_pair(std::string(rest.substr(0, colon)), static_cast<uint16_t>(port));
}

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

Status StatusFromResponse(const HttpResponse& response) {
  std::string code_name, message, request_id = response.Header("x-odps-request-id");
  auto json = nlohmann::json::parse(response.body, nullptr, false);
  if (json.is_object()) {
    code_name = json.value("Code", "");
    message = json.value("Message", "");
    if (request_id.empty()) request_id = json.value("RequestId", "");
  }
  ErrorCode code = ErrorCode::kInternalServerError;
  bool known = false;
  for (int i = static_cast<int>(ErrorCode::kInvalidArgument);
       i <= static_cast<int>(ErrorCode::kInternalServerError); ++i) {
    if (ErrorCodeName(static_cast<ErrorCode>(i)) == code_name) {
      code = static_cast<ErrorCode>(i);
      known = true;
    }
  }
  if (!known) {
    switch (response.status) {
      case 400:
        code = ErrorCode::kInvalidArgument;
        break;
      case 401:
        code = ErrorCode::kUnauthorized;
        break;
      case 403:
        code = ErrorCode::kAccessDenied;
        break;
      case 404:
        code = ErrorCode::kNoSuchObject;
        break;
      case 409:
        code = ErrorCode::kStatusConflict;
        break;
      case 413:
        code = ErrorCode::kRequestTooLarge;
        break;
      case 429:
        code = ErrorCode::kFlowExceeded;
        break;
      case 502:
      case 503:
      case 504:
        code = ErrorCode::kServiceUnavailable;
        break;
      default:
        break;
    }
  }
  if (message.empty())
    message = "HTTP " + std::to_string(response.status) + " " + response.body.substr(0, 200);
  std::string detail = code_name.empty() ? "HTTP " + std::to_string(response.status) : code_name;
  if (!request_id.empty()) detail += ", request id " + request_id;
  // Server's row errors (load) are kept whole: they say which line and column.
  if (json.is_object() && json.contains("errors")) message += " " + json["errors"].dump();
  return Status(code, message + " (" + detail + ")");
}

}  // namespace deltatunnel::client
