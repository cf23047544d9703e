// The Tunnel session JSON (wire-format.md section 2), exactly as the Java and Python clients read
// it.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "deltatunnel/storage/types.h"

namespace deltatunnel::server {

// `slots` = min(session.slot_num, bucket_num) slots, the buckets dealt round-robin over them, each
// with `worker_addr` (host:port, exactly one ':').
nlohmann::json SessionJson(const storage::TableInfo& table, const storage::SessionInfo& session,
                           const std::string& worker_addr);

// The slot a bucket belongs to for a session of `slots` slots.
inline uint32_t SlotOfBucket(uint32_t bucket, uint32_t slots) { return bucket % slots; }

}  // namespace deltatunnel::server
