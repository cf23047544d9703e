// An S3 endpoint for the tests: the one named by DT_S3_ENDPOINT (with DT_S3_ACCESS_KEY,
// DT_S3_SECRET_KEY, DT_S3_REGION), or else a RADOS Gateway brought up once for the test binary by
// scripts/ceph-rgw.sh in a temporary directory and stopped when the binary exits.
#pragma once

#include <string>

namespace dt_test {

struct S3Endpoint {
  std::string endpoint;  // http://host:port
  std::string access_key;
  std::string secret_key;
  std::string region;
};

// Throws std::runtime_error (with the script's output) when no endpoint can be had.
const S3Endpoint& TestS3Endpoint();

}  // namespace dt_test
