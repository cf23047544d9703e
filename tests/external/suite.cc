#include "suite.h"

#include <cctype>
#include <chrono>
#include <ctime>
#include <map>
#include <random>

#include "deltatunnel/proto/odps_signature.h"

namespace deltatunnel::external {
namespace {

std::string PercentEncode(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// RFC 1123, as the ODPS clients send it.
std::string HttpDate() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[64];
  std::strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

}  // namespace

SuiteConfig& Suite() {
  static SuiteConfig config;
  return config;
}

std::string UniqueName(const std::string& suffix) {
  SuiteConfig& c = Suite();
  if (c.run_id.empty()) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count();
    c.run_id = fmt::format("it_{}_{:06x}", ms, std::random_device{}() & 0xffffff);
  }
  return c.run_id + "_" + suffix;
}

Api::Api(Credentials credentials)
    : http_(Suite().host, Suite().port), credentials_(std::move(credentials)) {}

HttpResponse Api::Send(const std::string& method, const std::string& path, const Query& query,
                       std::string body, HttpHeaders headers) {
  std::string target = path;
  for (size_t i = 0; i < query.size(); ++i) {
    target +=
        (i == 0 ? "?" : "&") + PercentEncode(query[i].first) + "=" + PercentEncode(query[i].second);
  }
  if (!credentials_.access_id.empty()) {
    headers["Date"] = HttpDate();
    proto::SignatureInput in;
    in.method = method;
    in.path = path;
    in.query = query;
    for (const auto& [name, value] : headers) {
      std::string lower = Lower(name);
      if (lower == "date" || lower == "content-type" || lower == "content-md5" ||
          lower.rfind("x-odps-", 0) == 0) {
        in.headers[lower] = value;
      }
    }
    headers["Authorization"] =
        proto::OdpsAuthorization(credentials_.access_id, credentials_.access_key, in);
  } else if (!credentials_.token.empty()) {
    headers["Authorization"] = "Bearer " + credentials_.token;
  }
  return http_.Send(method, target, std::move(body), headers);
}

std::string ErrorCode(const HttpResponse& response) {
  auto json = nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object() || !json.contains("Code") || !json["Code"].is_string()) return "";
  return json["Code"];
}

ScopedTable::~ScopedTable() {
  try {
    api_.Send("DELETE", TablePath(name_));
  } catch (...) {  // the server went away: the test has failed already
  }
}

}  // namespace deltatunnel::external
