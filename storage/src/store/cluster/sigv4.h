// AWS Signature Version 4, as S3-compatible object stores (AWS S3, Ceph's RADOS Gateway, MinIO)
// authenticate requests: a canonical form of the request, hashed and signed with a key derived
// from the secret, the date, the region and the service. Tested against AWS's own test suite
// (tests/cluster/sigv4_test.cc).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace deltatunnel::storage::cluster {

struct SigV4Credentials {
  std::string access_key;
  std::string secret_key;
};

struct SigV4Scope {
  std::string region = "us-east-1";
  std::string service = "s3";
};

// A request as signed. `path` is the URI path as sent (its segments already URI-encoded);
// `query` holds names and values unencoded, in any order; `headers` holds every header to sign
// (host and x-amz-date among them; names in any case; values are trimmed and their inner runs of
// spaces folded to one, as the canonical form wants). `payload_hash` is the hex SHA-256 of the
// body, or "UNSIGNED-PAYLOAD".
struct SigV4Request {
  std::string method;
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string payload_hash;
};

// The canonical request (step 1 of the algorithm); for tests and error messages.
std::string SigV4CanonicalRequest(const SigV4Request& request);

// The Authorization header's value, for a request made at `amz_date` ("20150830T123600Z", the
// value of its x-amz-date header).
std::string SigV4Authorization(const SigV4Request& request, const SigV4Credentials& credentials,
                               const SigV4Scope& scope, std::string_view amz_date);

// RFC 3986 percent-encoding as SigV4 wants it: unreserved characters kept, everything else
// %XX in upper-case hex; '/' kept when `keep_slash` (paths).
std::string UriEncode(std::string_view s, bool keep_slash);

// Lower-case hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);

}  // namespace deltatunnel::storage::cluster
