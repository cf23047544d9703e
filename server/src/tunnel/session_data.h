// The data read of a download session, table or instance tunnel alike:
//   GET ...?downloadid=ID&data&rowrange=(start,count)[&columns=a,b]
// The rows [start, start + count) of the session's snapshot as a record stream, compressed as the
// client's Accept-Encoding allows; InvalidArgument for a range past the snapshot's end,
// VersionExpired (with what to do) once the snapshot's version left retention.
#pragma once

#include <string>

#include "api_context.h"
#include "deltatunnel/server/http_types.h"
#include "download_sessions.h"

namespace deltatunnel::server {

struct SessionDataText {
  std::string what;        // "download session 'ID'", "the result of instance 'ID'"
  std::string on_expired;  // what the client should do: "open a new download session"
};

// A session's JSON (open and reload), as the clients read it: DownloadID, Status, RecordCount,
// Schema, QuotaName, Version, and for a table's session its Partition. `partition_columns`: the
// partition columns trail the data columns (an instance's SELECT result).
Response SessionAnswer(const storage::TableInfo& table, const DownloadSessionInfo& s,
                       bool partition_columns);

// `partition_columns`: as above.
Result<Response> SessionData(ApiContext& ctx, const storage::TableInfo& table, const Request& req,
                             const DownloadSessionInfo& s, bool partition_columns,
                             const SessionDataText& text);

}  // namespace deltatunnel::server
