// An ObjectStore on the S3 API: AWS S3, Ceph's RADOS Gateway, MinIO and the like. Requests are
// signed with Signature Version 4 (sigv4.h) against a configurable endpoint and region, with
// path-style (http://host/bucket/name) or virtual-hosted (http://bucket.host/name) addressing.
// Plain HTTP only: TLS is left to a local proxy or a sidecar for now.
//
// Errors: a missing object -> kNoSuchObject; refused credentials -> kAccessDenied; the store
// unreachable, timing out, throttling (503 SlowDown) or failing (5xx) -> kServiceUnavailable;
// another refusal (4xx) -> kInvalidArgument, with S3's own code and message. Every request here
// is idempotent (whole-object PUT, GET, DELETE, LIST), so one that failed on a connection the
// server had closed while idle is sent once more on a new one.
//
// Thread-safe: each call takes an idle connection from a small pool or makes one.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "mutex.h"
#include "store/cluster/http_channel.h"
#include "store/cluster/object_store.h"
#include "store/cluster/sigv4.h"
#include "thread_annotations.h"

namespace deltatunnel::storage::cluster {

struct S3Options {
  std::string endpoint;  // "http://host:port" or "host:port"
  std::string bucket;
  std::string region = "us-east-1";
  bool path_style = true;  // false: the bucket in the host name
  SigV4Credentials credentials;
  std::chrono::milliseconds timeout{10000};  // per request
  size_t idle_connections = 8;               // kept open between calls
  size_t list_page = 0;                      // keys a LIST answers at most (0: the store's 1000)
  // The time requests are signed at (tests); the system clock when empty.
  std::function<std::chrono::system_clock::time_point()> now;
};

class S3Objects final : public ObjectStore {
 public:
  // Checks the options (nothing is sent: CheckBucket() asks the store).
  static Result<std::unique_ptr<S3Objects>> Open(S3Options options);
  // That the bucket exists and takes the credentials (a LIST of at most one key).
  Status CheckBucket();

  Status Put(std::string_view name, std::string_view data) override;
  Result<std::string> Read(std::string_view name, uint64_t offset, uint64_t length) override;
  Result<ObjectTail> ReadTail(std::string_view name, uint64_t length) override;
  Status Delete(std::string_view name) override;
  Result<std::vector<std::string>> List(std::string_view prefix) override;

  // Creates the bucket (tests and first setup); ok when it exists and is ours.
  Status CreateBucket();

 private:
  explicit S3Objects(S3Options options);

  struct Call {
    boost::beast::http::verb method;
    std::string name;  // the object; "" for the bucket
    std::vector<std::pair<std::string, std::string>> query;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string_view body;
  };
  Result<HttpResponse> Send(const Call& call);
  // The error of an answer that is not a success.
  Status ErrorOf(const Call& call, const HttpResponse& response) const;

  S3Options options_;
  std::string host_;  // the endpoint's host:port
  Mutex mu_;
  std::vector<std::unique_ptr<HttpChannel>> idle_ GUARDED_BY(mu_);
};

}  // namespace deltatunnel::storage::cluster
