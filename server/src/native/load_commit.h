// The commit of a one-shot load's rows, shared by loads (native/load.h) and the replays of reject
// sets (native/rejects.h): the good rows in one new version (none when there are none), the rows
// skipped (max_bad_rows) quarantined as one reject set in the same step, and the set a replay
// replays marked replayed in it too. One atomic commit or nothing.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "api_context.h"
#include "deltatunnel/proto/partition_spec.h"
#include "deltatunnel/storage/types.h"
#include "request_rows.h"

namespace deltatunnel::server {

struct LoadRequest {
  const storage::TableInfo* table = nullptr;
  const proto::PartitionSpec* partition = nullptr;
  const RequestRows* rows = nullptr;
  std::string idempotency_key;  // "": none
  uint64_t replays = 0;         // a reject set replayed (0: none)
  std::chrono::steady_clock::time_point start;
};

// The answer: {"version", "partition", "rows", "upserts", "deletes", "bytes", "duplicate": false,
// "skipped"?, "rejects"?: {"id", "rows"}, "took_ms"}.
Result<nlohmann::json> CommitLoadRows(ApiContext& ctx, const LoadRequest& load);

int64_t MillisSince(std::chrono::steady_clock::time_point start);

}  // namespace deltatunnel::server
