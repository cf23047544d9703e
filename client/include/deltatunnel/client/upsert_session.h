// UpsertSession: one Tunnel upsert session (wire-format.md section 1) on one partition of a
// table: create or reload it, write buckets as record streams, commit (polled as the protocol
// says), or abort. Thread-safe: buckets may be written from several threads at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "deltatunnel/client/client.h"
#include "deltatunnel/proto/bucket_hash.h"
#include "deltatunnel/proto/schema.h"
#include "deltatunnel/proto/status.h"

namespace deltatunnel::client {

struct SessionOptions {
  std::string partition;  // "ds=20261125"; "" for a non-partitioned table
  int slot_num = 1;
  int lifecycle_hours = 24;
};

struct CommitOptions {
  std::chrono::milliseconds poll_initial{1000};  // then doubled: 1, 2, 4, 8, 16 s...
  std::chrono::milliseconds poll_max{16000};
  std::chrono::milliseconds timeout{600000};
};

class UpsertSession {
 public:
  static Result<std::unique_ptr<UpsertSession>> Create(Client& client, std::string project,
                                                       std::string table,
                                                       const SessionOptions& options);
  static Result<std::unique_ptr<UpsertSession>> Reload(Client& client, std::string project,
                                                       std::string table, std::string id,
                                                       std::string partition);

  const std::string& id() const { return id_; }
  const std::string& partition() const { return partition_; }
  // The status of the last answer: normal, committing, committed, expired, critical, aborted.
  std::string status() const;
  const proto::TableSchema& schema() const { return schema_; }
  proto::Hasher hasher() const { return hasher_; }
  uint32_t bucket_count() const { return static_cast<uint32_t>(slot_of_bucket_.size()); }
  const nlohmann::json& last_json() const { return json_; }
  // The table version of the commit, once committed (from the last answer); 0 before.
  uint64_t commit_version() const {
    std::lock_guard lock(mu_);
    return commit_version_;
  }

  // Sends one whole record stream for `bucket` (already compressed in `content_encoding`, "" for
  // none; not copied: the caller keeps it, and may reuse its buffer once this returns). A retry
  // after a lost answer re-sends the same stream, which is harmless as long as the caller does not
  // send the bucket's next stream before this call returns.
  Status WriteBucket(uint32_t bucket, std::string_view stream, uint64_t record_count,
                     const std::string& content_encoding = "");

  // Sends rows as NDJSON or CSV (`content_type` application/x-ndjson or text/csv; CSV with its
  // header line) for the server to place in their buckets (api.md section 3): answers
  // {"rows", "upserts", "deletes"}. A bad row refuses the whole body (400) and the session goes on
  // unchanged. A retry after a lost answer re-sends the same rows, which is harmless as long as
  // the caller sends the next rows only once this call returns (the same writes, in the same
  // order). `partial_update` and `timezone` as for loads.
  Result<nlohmann::json> WriteRows(std::string_view body, const std::string& content_type,
                                   bool partial_update = false, const std::string& timezone = "");

  // Commits, re-POSTing while the status is normal or committing; UpsertSessionNotFound while
  // polling counts as committed (the protocol's rule). OK once committed; StatusConflict for a
  // session that ended otherwise; ServiceUnavailable past the timeout.
  Status Commit(const CommitOptions& options = {}, const Backoff::Sleeper& sleeper = {});
  Status Abort();
  // GET: the keep-alive and the way to learn the status.
  Status Refresh();

 private:
  UpsertSession(Client& client, std::string project, std::string table);
  Status Apply(const nlohmann::json& json);
  Query BaseQuery() const;
  std::string Path() const;

  Client& client_;
  std::string project_, table_;
  std::string id_, partition_;
  mutable std::mutex mu_;
  std::string status_;           // guarded by mu_
  uint64_t commit_version_ = 0;  // guarded by mu_
  nlohmann::json json_;
  proto::TableSchema schema_;
  proto::Hasher hasher_ = proto::Hasher::kDefault;
  std::vector<std::string> slot_of_bucket_;
};

// The table's schema from a session JSON's "schema" and "hash_key" (types parsed from their SQL
// spelling).
Result<proto::TableSchema> SchemaFromSessionJson(const nlohmann::json& session);
// The table's schema from a table description (api.md section 2).
Result<proto::TableSchema> SchemaFromTableJson(const nlohmann::json& table);

}  // namespace deltatunnel::client
