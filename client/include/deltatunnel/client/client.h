// Client: one server endpoint, its credentials and retry policy, and the native API (tables, reads,
// loads, compaction) of api.md. Every call is synchronous and thread-safe. An error the server
// answered is a Status with the server's Code (ErrorCode) and its Message and request id; a
// connection failure that outlived the retries is IsConnectionError().
#pragma once

#include <cstdint>
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
  Result<nlohmann::json> AckConsumer(const std::string& project, const std::string& table,
                                     const std::string& name, int64_t version);
  Status DropConsumer(const std::string& project, const std::string& table,
                      const std::string& name);

  // One-shot load (section 3): one atomic commit. Retried only when an idempotency key is given
  // (a retry without one could apply the body twice).
  Result<nlohmann::json> Load(const std::string& project, const std::string& table,
                              std::string body, const LoadOptions& options);

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

  const ClientOptions& options() const { return options_; }

 private:
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
