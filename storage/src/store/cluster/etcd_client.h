// A client of etcd's v3 API through its JSON gateway (plain HTTP/1.1 on the client port: POST
// /v3/kv/range, /v3/kv/put, /v3/kv/deleterange, /v3/kv/txn, /v3/lease/...; keys and values
// base64, 64-bit integers as JSON strings), on Boost.Beast.
//
// Why the gateway and not gRPC: it needs nothing beyond the HTTP stack the project already has
// (Debian's gRPC C++ packages would add a second RPC stack and protoc plugins to the build), the
// engine's calls are few and small (a commit is one Txn), and its cost is a JSON encoding of a
// few hundred bytes per call. Watches (a long-lived stream) come with the cluster's nodes.
//
// Keys and values are bytes. Errors are classified once, here: no etcd member reachable, a
// timeout, or etcd answering that it is unavailable -> kServiceUnavailable (the server answers
// 503 with Retry-After); a request etcd refuses (too large, a bad argument) -> kInvalidArgument;
// an answer that is not etcd's -> kInternalServerError.
//
// Thread-safe: calls are serialised on one keep-alive connection, to the first member that
// answers; a member that fails moves the client on to the next for this and later calls.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "deltatunnel/proto/status.h"

namespace deltatunnel::storage::cluster {

struct EtcdOptions {
  // "host:port" or "http://host:port" of each member's client URL.
  std::vector<std::string> endpoints;
  std::chrono::milliseconds timeout{2000};  // per request, connection included
};

struct KeyValue {
  std::string key;
  std::string value;
  int64_t create_revision = 0;
  int64_t mod_revision = 0;  // the revision of its last change
  int64_t version = 0;       // changes since it was created
  int64_t lease = 0;
};

// A condition of a transaction on one key.
struct Compare {
  enum class Target { kValue, kModRevision, kCreateRevision, kVersion };
  enum class Result { kEqual, kNotEqual, kLess, kGreater };
  std::string key;
  Target target = Target::kModRevision;
  Result result = Result::kEqual;
  std::string value;   // kValue
  int64_t number = 0;  // the others (0 for a key that does not exist)

  static Compare ModRevision(std::string key, int64_t revision) {
    return {std::move(key), Target::kModRevision, Result::kEqual, {}, revision};
  }
  static Compare ValueIs(std::string key, std::string value) {
    return {std::move(key), Target::kValue, Result::kEqual, std::move(value), 0};
  }
  static Compare Missing(std::string key) {
    return {std::move(key), Target::kCreateRevision, Result::kEqual, {}, 0};
  }
};

// One change of a transaction.
struct Op {
  enum class Kind { kPut, kDelete };
  Kind kind = Kind::kPut;
  std::string key;
  std::string value;      // kPut
  std::string range_end;  // kDelete: [key, range_end); "" deletes `key` alone
  int64_t lease = 0;      // kPut

  static Op Put(std::string key, std::string value, int64_t lease = 0) {
    return {Kind::kPut, std::move(key), std::move(value), {}, lease};
  }
  static Op Delete(std::string key) { return {Kind::kDelete, std::move(key), {}, {}, 0}; }
  static Op DeleteRange(std::string key, std::string end) {
    return {Kind::kDelete, std::move(key), {}, std::move(end), 0};
  }
};

struct TxnResult {
  bool succeeded = false;  // the compares held and the success ops were applied
  int64_t revision = 0;    // the store's revision after the transaction
};

struct Lease {
  int64_t id = 0;
  int64_t ttl_seconds = 0;  // as granted (or left, after a keep-alive)
};

// The end of the range of keys starting with `prefix` (etcd's range_end for a prefix).
std::string PrefixEnd(std::string_view prefix);

class EtcdClient {
 public:
  static Result<std::unique_ptr<EtcdClient>> Connect(EtcdOptions options);
  virtual ~EtcdClient() = default;

  // The key's value, or nullopt.
  virtual Result<std::optional<KeyValue>> Get(std::string_view key) = 0;
  // The keys in [key, range_end) in key order, at most `limit` (0: all), read at `revision`
  // (0: the latest); `more` says whether keys past the limit exist.
  virtual Result<std::vector<KeyValue>> Range(std::string_view key, std::string_view range_end,
                                              int64_t limit = 0, int64_t revision = 0,
                                              bool* more = nullptr) = 0;
  // Every key starting with `prefix`, read in pages of `page` keys at one revision.
  virtual Result<std::vector<KeyValue>> RangePrefix(std::string_view prefix,
                                                    int64_t page = 1000) = 0;
  // The new revision.
  virtual Result<int64_t> Put(std::string_view key, std::string_view value, int64_t lease = 0) = 0;
  // Deletes [key, range_end) ("" : `key` alone); the number deleted.
  virtual Result<int64_t> Delete(std::string_view key, std::string_view range_end = {}) = 0;
  // If every compare holds, applies `success`, else `failure`, atomically.
  virtual Result<TxnResult> Txn(const std::vector<Compare>& compares,
                                const std::vector<Op>& success,
                                const std::vector<Op>& failure = {}) = 0;

  virtual Result<Lease> GrantLease(int64_t ttl_seconds) = 0;
  // Refreshes the lease; NotFound once it expired.
  virtual Result<Lease> KeepAlive(int64_t lease_id) = 0;
  virtual Status RevokeLease(int64_t lease_id) = 0;
};

}  // namespace deltatunnel::storage::cluster
