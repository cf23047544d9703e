// Client: one server endpoint, its credentials and retry policy, and the native API (tables, reads,
// loads, compaction) of api.md. Every call is synchronous and thread-safe. An error the server
// answered is a Status with the server's Code (ErrorCode) and its Message and request id; a
// connection failure that outlived the retries is IsConnectionError().
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "deltatunnel/client/http.h"
#include "deltatunnel/client/options.h"
#include "deltatunnel/client/retry.h"
#include "deltatunnel/proto/status.h"

namespace deltatunnel::client {

using Query = std::vector<std::pair<std::string, std::string>>;

// A streamed read (data, changes): the body as the server sent it and the version it was read at.
struct ReadAnswer {
  std::string body;
  int64_t version = -1;  // x-deltatunnel-version
};

struct ReadOptions {
  std::string partition;
  std::optional<int64_t> version;
  std::string timestamp;
  std::string columns;  // "a,b"
  std::optional<int64_t> limit;
  std::string format = "ndjson";  // ndjson, csv, json
  std::string timezone;
};

struct LoadOptions {
  std::string partition;
  std::string content_type = "application/x-ndjson";  // or text/csv, application/json
  std::string idempotency_key;                        // makes a retry safe; "" none
  std::optional<int64_t> max_bad_rows;
  bool partial_update = false;
  std::string timezone;
};

// A reject set's rows as the server keeps them (Client::RejectRows): the body as it was sent, in
// the set's format, and the answer's Content-Type as the server sent it (application/x-ndjson,
// text/csv or application/json, perhaps with a charset), ready to be fixed and replayed.
struct RejectRowsAnswer {
  std::string body;
  std::string content_type;
};

// A replay's parameters (Client::ReplayRejects); its partition is the set's.
struct ReplayOptions {
  std::optional<int64_t> max_bad_rows;
  bool partial_update = false;
  std::string timezone;
};

// One line of a change feed (Client::FollowChanges): a record or a checkpoint, as the server sent
// it, without its newline. Valid during the handler's call only.
struct FeedLine {
  std::string_view json;
  std::optional<int64_t> checkpoint;  // {"checkpoint": V}: every change up to V has been sent
};
// Answers whether to go on.
using FeedHandler = std::function<bool(const FeedLine& line)>;

struct FollowOptions {
  int64_t from_version = 0;  // the feed starts after it (not for a consumer: its offset)
  std::string partition;     // one partition ("" all; not for a consumer)
  bool include_before = false;
  int heartbeat_s = 15;  // the server repeats its last checkpoint this often while idle (1..300)
  // Silence longer than this is a dead server or connection (a connection error); default three
  // heartbeats, at least 10 s.
  std::optional<std::chrono::milliseconds> idle_timeout;
  // Asked before each line and every 200 ms while waiting (at once when a signal interrupts the
  // wait): true ends the follow, Ok. A signal handler that sets a flag it reads stops a follow.
  std::function<bool()> stop;
};

class Client {
 public:
  // Validates the endpoint; InvalidArgument when it is not http://host[:port].
  static Result<std::unique_ptr<Client>> Open(ClientOptions options);
  // With another transport (tests) and backoff sleeper.
  Client(ClientOptions options, std::unique_ptr<HttpTransport> transport,
         Backoff::Sleeper sleeper = {});

  // Tables (api.md section 2). Answers are the server's JSON.
  Result<nlohmann::json> CreateTable(const std::string& project, const nlohmann::json& table);
  Result<nlohmann::json> DescribeTable(const std::string& project, const std::string& table);
  Result<nlohmann::json> ListTables(const std::string& project);
  Status DropTable(const std::string& project, const std::string& table);
  // PATCH the table's properties ({"key": "value", ...}); answers the table as altered.
  Result<nlohmann::json> AlterTable(const std::string& project, const std::string& table,
                                    const nlohmann::json& properties);
  // PATCH a schema change ({"add_columns": [...], "rename_columns": [...],
  // "change_column_types": [...]}, api.md); answers the table as altered. Not retried: a change
  // that landed but whose answer was lost would be refused the second time.
  Result<nlohmann::json> ChangeSchema(const std::string& project, const std::string& table,
                                      const nlohmann::json& change);
  Result<nlohmann::json> ListPartitions(const std::string& project, const std::string& table);
  Result<nlohmann::json> ListSessions(const std::string& project, const std::string& table);
  // Truncates one partition, or every partition when `partition` is empty: {"versions": [...]}.
  Result<nlohmann::json> Truncate(const std::string& project, const std::string& table,
                                  const std::string& partition);
  // Drops one partition: {"versions": [...]} (empty when it did not exist and `if_exists`).
  Result<nlohmann::json> DropPartition(const std::string& project, const std::string& table,
                                       const std::string& partition, bool if_exists);

  // Reads (section 4).
  Result<ReadAnswer> ReadData(const std::string& project, const std::string& table,
                              const ReadOptions& options);
  // body: {"partition": ..., "keys": [...], "version": N}
  Result<nlohmann::json> Lookup(const std::string& project, const std::string& table,
                                const nlohmann::json& body);
  // Every committed state of one key within retention, newest first: {"version", "more",
  // "history": [...]}. `key`: a JSON object of the key columns, or a one-column key's value.
  Result<nlohmann::json> History(const std::string& project, const std::string& table,
                                 const std::string& key, const std::string& partition,
                                 std::optional<int64_t> limit);
  Result<ReadAnswer> Changes(const std::string& project, const std::string& table,
                             int64_t from_version, std::optional<int64_t> to_version,
                             const std::string& partition);
  // The full form (every version that changed a key; NDJSON records and a checkpoint line).
  Result<ReadAnswer> FullChanges(const std::string& project, const std::string& table,
                                 int64_t from_version, std::optional<int64_t> to_version,
                                 bool include_before, const std::string& partition);
  Result<nlohmann::json> Versions(const std::string& project, const std::string& table,
                                  std::optional<int64_t> limit);

  // Consumers of a table's changes (api.md "Consumers"): offsets the server keeps.
  Result<nlohmann::json> CreateConsumer(const std::string& project, const std::string& table,
                                        const std::string& name,
                                        std::optional<int64_t> from_version);
  Result<nlohmann::json> ListConsumers(const std::string& project, const std::string& table);
  // The full form of changes from the consumer's offset to the latest version.
  Result<ReadAnswer> ConsumerChanges(const std::string& project, const std::string& table,
                                     const std::string& name, bool include_before);
  // Following changes as they are committed (changes?follow=true, the full form): every line to
  // `on_line` as it arrives; heartbeats too (the last checkpoint again). Blocks until the feed
  // ends: Ok at its clean end (the server shut down) or when stopped (by `on_line` or
  // `options.stop`); the server's Status for an error answer or for the error record that ends a
  // feed (its table dropped); a connection error when the connection is lost or silent past the
  // idle timeout. Retried like any request until the answer begins, never after: to go on, follow
  // again from the last checkpoint handled, which misses and repeats nothing.
  Status FollowChanges(const std::string& project, const std::string& table,
                       const FollowOptions& options, const FeedHandler& on_line);
  // The same from a consumer's offset (consumers/{name}/changes?follow=true).
  Status FollowConsumerChanges(const std::string& project, const std::string& table,
                               const std::string& name, const FollowOptions& options,
                               const FeedHandler& on_line);
  Result<nlohmann::json> AckConsumer(const std::string& project, const std::string& table,
                                     const std::string& name, int64_t version);
  Status DropConsumer(const std::string& project, const std::string& table,
                      const std::string& name);

  // One-shot load (section 3): one atomic commit. Retried only when an idempotency key is given
  // (a retry without one could apply the body twice).
  Result<nlohmann::json> Load(const std::string& project, const std::string& table,
                              std::string body, const LoadOptions& options);

  // The reject quarantine (api.md "Reject quarantine"): the rows loads skipped with max_bad_rows,
  // one set a load. {"rejects": [set, ...], "rows", "bytes"}, oldest first.
  Result<nlohmann::json> ListRejects(const std::string& project, const std::string& table);
  // One set with its rows' reasons: the set's fields and "rejected": [{"line", "column"?,
  // "reason", "text"}, ...].
  Result<nlohmann::json> GetRejects(const std::string& project, const std::string& table,
                                    uint64_t id);
  // The set's rows as they were sent (StatusConflict once the set was replayed).
  Result<RejectRowsAnswer> RejectRows(const std::string& project, const std::string& table,
                                      uint64_t id);
  // Loads `body` (the corrected rows, in the format `content_type` names) into the set's
  // partition and marks the set replayed in the same commit; an empty body replays the set's rows
  // as they are. Answers the load's JSON with "replayed": id (and "rejects": {"id", "rows"} when
  // the replay skipped rows in turn). A set is replayed at most once (a second replay is
  // StatusConflict), so a retry after a lost answer never applies the rows twice.
  Result<nlohmann::json> ReplayRejects(const std::string& project, const std::string& table,
                                       uint64_t id, std::string_view body,
                                       const std::string& content_type,
                                       const ReplayOptions& options = {});
  // Purges one set (`id`) or every set of the table: {"purged": [id, ...]} either way.
  Result<nlohmann::json> PurgeRejects(const std::string& project, const std::string& table,
                                      std::optional<uint64_t> id = std::nullopt);

  // Compaction (section 5).
  Result<nlohmann::json> Compact(const std::string& project, const std::string& table,
                                 const std::string& partition);
  Result<nlohmann::json> ListCompactions();

  // Backups (server-wide; docs/api.md, "Backups").
  Result<nlohmann::json> StartBackup();
  Result<nlohmann::json> ListBackups();
  Result<nlohmann::json> VerifyBackup(uint32_t backup_id);
  Status DeleteBackup(uint32_t backup_id);

  // Any request: signs it, retries it per the policy, and turns a non-2xx answer into the
  // server's Status. `path` is unencoded; query values are percent-encoded here. `body` is not
  // copied: it must stay alive until the call returns.
  enum class Retry { kYes, kNo };
  Result<HttpResponse> Call(const std::string& method, const std::string& path,
                            const Query& query = {}, std::string_view body = {},
                            std::vector<std::pair<std::string, std::string>> headers = {},
                            Retry retry = Retry::kYes);

  // A GET whose answer is read as it arrives, line by line (NDJSON): each line of a 2xx answer,
  // without its newline, to `on_line`, which answers whether to go on; `stop`, when given, is
  // asked before each line and every 200 ms of waiting. Each wait may last `idle_timeout` (not the
  // request timeout). Retried per the policy until the answer begins. Ok at the answer's end, or
  // once stopped; a non-2xx answer is its Status.
  using LineHandler = std::function<bool(std::string_view line)>;
  Status StreamLines(const std::string& path, const Query& query,
                     std::chrono::milliseconds idle_timeout, const LineHandler& on_line,
                     const std::function<bool()>& stop = {});

  const ClientOptions& options() const { return options_; }

 private:
  // Call's loop over one way of sending an attempt; no retry once `may_retry` says no.
  Result<HttpResponse> CallWith(const std::string& method, const std::string& path,
                                const Query& query, std::string_view body,
                                const std::vector<std::pair<std::string, std::string>>& headers,
                                Retry retry,
                                const std::function<Result<HttpResponse>(const HttpRequest&)>& send,
                                const std::function<bool()>& may_retry);
  Status Follow(const std::string& path, Query query, const FollowOptions& options,
                const FeedHandler& on_line);
  HttpRequest Prepare(const std::string& method, const std::string& path, const Query& query,
                      std::vector<std::pair<std::string, std::string>> headers,
                      std::string_view body) const;
  Result<nlohmann::json> CallJson(const std::string& method, const std::string& path,
                                  const Query& query = {}, std::string body = {},
                                  Retry retry = Retry::kYes);

  ClientOptions options_;
  std::string host_port_;
  std::unique_ptr<HttpTransport> transport_;
  Backoff backoff_;
};

// The Status of a non-2xx answer: its JSON Code mapped to an ErrorCode (by the HTTP status when
// the code is unknown), the message "Message (Code, request id R)".
Status StatusFromResponse(const HttpResponse& response);

// Splits "http://host:port" into host and port (80 when absent).
Result<std::pair<std::string, uint16_t>> ParseEndpoint(std::string_view endpoint);

// Percent-encodes a path segment or query value (RFC 3986 unreserved characters kept).
std::string PercentEncode(std::string_view text);

}  // namespace deltatunnel::client
