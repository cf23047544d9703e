// AWS Signature Version 4 (storage/src/store/cluster/sigv4.h) against AWS's published vectors: the
// Signature Version 4 test suite (credentials AKIDEXAMPLE, 2015-08-30T12:36:00Z, us-east-1,
// service "service") and the S3 GET Object example of the S3 API reference (2013-05-24).
#include <catch2/catch.hpp>

#include "store/cluster/sigv4.h"

using namespace deltatunnel::storage::cluster;

namespace {

constexpr char kEmptyHash[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr char kSuiteDate[] = "20150830T123600Z";

const SigV4Credentials kSuite{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"};
const SigV4Scope kSuiteScope{"us-east-1", "service"};

SigV4Request SuiteRequest(std::string method, std::string path,
                          std::vector<std::pair<std::string, std::string>> query = {}) {
  return {std::move(method),
          std::move(path),
          std::move(query),
          {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", kSuiteDate}},
          kEmptyHash};
}

std::string Expected(std::string_view signed_headers, std::string_view signature) {
  return "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
         "SignedHeaders=" +
         std::string(signed_headers) + ", Signature=" + std::string(signature);
}

}  // namespace

TEST_CASE("sigv4: the AWS test suite's get-vanilla, canonical request and signature", "[sigv4]") {
  const SigV4Request r = SuiteRequest("GET", "/");
  CHECK(SigV4CanonicalRequest(r) ==
        "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" +
            std::string(kEmptyHash));
  CHECK(Sha256Hex(SigV4CanonicalRequest(r)) ==
        "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
  CHECK(SigV4Authorization(r, kSuite, kSuiteScope, kSuiteDate) ==
        Expected("host;x-amz-date",
                 "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"));
}

TEST_CASE("sigv4: the AWS test suite's post-vanilla, query order and unreserved path", "[sigv4]") {
  CHECK(SigV4Authorization(SuiteRequest("POST", "/"), kSuite, kSuiteScope, kSuiteDate) ==
        Expected("host;x-amz-date",
                 "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"));
  CHECK(SigV4Authorization(SuiteRequest("GET", "/", {{"Param2", "value2"}, {"Param1", "value1"}}),
                           kSuite, kSuiteScope, kSuiteDate) ==
        Expected("host;x-amz-date",
                 "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"));
  const std::string unreserved =
      "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  CHECK(UriEncode(unreserved, true) == unreserved);
  CHECK(SigV4Authorization(SuiteRequest("GET", unreserved), kSuite, kSuiteScope, kSuiteDate) ==
        Expected("host;x-amz-date",
                 "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"));
}

TEST_CASE(
    "sigv4: header values trimmed and names lower-cased, as the suite's get-header-value-trim",
    "[sigv4]") {
  SigV4Request r = SuiteRequest("GET", "/");
  r.headers.emplace_back("My-Header1", " value1");
  r.headers.emplace_back("My-Header2", "\"a   b   c\"");
  CHECK(SigV4Authorization(r, kSuite, kSuiteScope, kSuiteDate) ==
        Expected("host;my-header1;my-header2;x-amz-date",
                 "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"));
}

TEST_CASE("sigv4: the S3 API reference's GET Object example", "[sigv4]") {
  const SigV4Request r{"GET",
                       "/test.txt",
                       {},
                       {{"Host", "examplebucket.s3.amazonaws.com"},
                        {"Range", "bytes=0-9"},
                        {"x-amz-content-sha256", kEmptyHash},
                        {"x-amz-date", "20130524T000000Z"}},
                       kEmptyHash};
  CHECK(SigV4Authorization(r, {"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"},
                           {"us-east-1", "s3"}, "20130524T000000Z") ==
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST_CASE("sigv4: query names and values are percent-encoded before they are sorted", "[sigv4]") {
  const SigV4Request r{"GET", "/bucket", {{"prefix", "a b/c"}, {"list-type", "2"}}, {}, kEmptyHash};
  CHECK(SigV4CanonicalRequest(r) ==
        "GET\n/bucket\nlist-type=2&prefix=a%20b%2Fc\n\n\n" + std::string(kEmptyHash));
}
