#include <catch2/catch.hpp>
#include <deque>

#include "deltatunnel/client/client.h"
#include "deltatunnel/client/retry.h"

using namespace deltatunnel;
using namespace deltatunnel::client;
using std::chrono::milliseconds;

namespace {

// Answers from a script, and records what was asked.
class ScriptedTransport : public HttpTransport {
 public:
  std::deque<Result<HttpResponse>> answers;
  std::vector<HttpRequest> requests;
  Result<HttpResponse> Send(const HttpRequest& request) override {
    requests.push_back(request);
    REQUIRE_FALSE(answers.empty());
    auto a = std::move(answers.front());
    answers.pop_front();
    return a;
  }
};

HttpResponse Answer(int status, std::string body = "{}", std::string retry_after = "") {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers["x-odps-request-id"] = "req-1";
  if (!retry_after.empty()) r.headers["retry-after"] = retry_after;
  return r;
}

struct Fixture {
  ScriptedTransport* transport = new ScriptedTransport;
  std::vector<milliseconds> slept;
  std::unique_ptr<Client> client;
  explicit Fixture(int max_retries = 3) {
    ClientOptions o;
    o.retry.max_retries = max_retries;
    client = std::make_unique<Client>(o, std::unique_ptr<HttpTransport>(transport),
                                      [this](milliseconds d) { slept.push_back(d); });
  }
};

}  // namespace

TEST_CASE("backoff doubles with jitter, capped, and honours Retry-After", "[retry]") {
  RetryOptions o;
  o.initial_backoff = milliseconds(100);
  o.max_backoff = milliseconds(1000);
  double r = 1.0 - 1e-9;
  Backoff b(o, {}, [&r] { return r; });
  CHECK(b.Delay(0, std::nullopt).count() == 99);
  CHECK(b.Delay(1, std::nullopt).count() == 199);
  CHECK(b.Delay(3, std::nullopt).count() == 799);
  CHECK(b.Delay(10, std::nullopt).count() == 999);  // capped
  r = 0;
  CHECK(b.Delay(2, std::nullopt).count() == 40);          // never below a tenth of the bound
  CHECK(b.Delay(0, milliseconds(3000)).count() == 1000);  // Retry-After, capped
  CHECK(b.Delay(0, milliseconds(300)).count() == 300);
}

TEST_CASE("Retry-After and retryable statuses", "[retry]") {
  CHECK(ParseRetryAfter("2") == milliseconds(2000));
  CHECK(ParseRetryAfter(" 0 ") == milliseconds(0));
  CHECK_FALSE(ParseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT"));
  CHECK_FALSE(ParseRetryAfter(""));
  for (int s : {429, 502, 503, 504}) CHECK(IsRetryableHttpStatus(s));
  for (int s : {200, 400, 404, 409, 500}) CHECK_FALSE(IsRetryableHttpStatus(s));
}

TEST_CASE("a throttled request is retried after the server's Retry-After", "[retry]") {
  Fixture f;
  f.transport->answers.push_back(
      Answer(429, R"({"Code":"SlotExceeded","Message":"busy","RequestId":"r"})", "2"));
  f.transport->answers.push_back(Answer(503, "", "1"));
  f.transport->answers.push_back(Answer(200, R"({"tables":[]})"));
  auto r = f.client->ListTables("p");
  REQUIRE(r.ok());
  CHECK(f.transport->requests.size() == 3);
  CHECK(f.slept == std::vector<milliseconds>{milliseconds(2000), milliseconds(1000)});
}

TEST_CASE("connection errors are retried, then reported as such", "[retry]") {
  Fixture f(2);
  for (int i = 0; i < 3; ++i) f.transport->answers.push_back(ConnectionError("reset"));
  auto r = f.client->ListTables("p");
  REQUIRE_FALSE(r.ok());
  CHECK(IsConnectionError(r.status()));
  CHECK(r.status().code() == ErrorCode::kConnectionFailed);  // classified by code, not by text
  CHECK(f.transport->requests.size() == 3);
  CHECK(f.slept.size() == 2);
}

TEST_CASE("a non-retryable error carries the server's Code and Message at once", "[retry]") {
  Fixture f;
  f.transport->answers.push_back(Answer(
      404, R"({"Code":"NoSuchTable","Message":"table 'x' does not exist","RequestId":"abc"})"));
  auto r = f.client->DescribeTable("p", "x");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == ErrorCode::kNoSuchTable);
  CHECK_THAT(r.status().message(), Catch::Contains("table 'x' does not exist"));
  CHECK_THAT(r.status().message(), Catch::Contains("NoSuchTable"));
  CHECK_THAT(r.status().message(), Catch::Contains("req-1"));
  CHECK(f.transport->requests.size() == 1);
  CHECK(f.slept.empty());
  CHECK_FALSE(IsConnectionError(r.status()));
}

TEST_CASE("a load without an idempotency key is not retried", "[retry]") {
  Fixture f;
  f.transport->answers.push_back(Answer(503, "", "1"));
  LoadOptions o;
  auto r = f.client->Load("p", "t", "{}\n", o);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == ErrorCode::kServiceUnavailable);
  CHECK(f.transport->requests.size() == 1);

  f.transport->answers.push_back(Answer(503, "", "1"));
  f.transport->answers.push_back(Answer(200, R"({"rows":1,"duplicate":false})"));
  o.idempotency_key = "k1";
  auto ok = f.client->Load("p", "t", "{}\n", o);
  REQUIRE(ok.ok());
  CHECK(f.transport->requests.back().target == "/api/v1/projects/p/tables/t/load");
  bool has_key = false;
  for (auto& [n, v] : f.transport->requests.back().headers) has_key |= n == "Idempotency-Key";
  CHECK(has_key);
}

TEST_CASE("requests are signed with ODPS v2 or carry a bearer token", "[retry]") {
  for (int mode = 0; mode < 2; ++mode) {
    auto* t = new ScriptedTransport;
    ClientOptions o;
    if (mode == 0) {
      o.access_id = "id";
      o.access_key = "secret";
    } else {
      o.token = "tok";
    }
    Client c(o, std::unique_ptr<HttpTransport>(t));
    t->answers.push_back(Answer(200, R"({"tables":[]})"));
    REQUIRE(c.ListTables("p").ok());
    std::string auth;
    for (auto& [n, v] : t->requests[0].headers) {
      if (n == "Authorization") auth = v;
    }
    CHECK_THAT(auth, Catch::StartsWith(mode == 0 ? "ODPS id:" : "Bearer tok"));
  }
}
