// What a request's decoded data reserves from the server's memory budget before it is made
// (issue 24, finding 1): a decompressed body its whole limit, a text body's decoded rows their
// estimated size. A request that cannot get its share is answered 503 ServiceUnavailable (with
// Retry-After) instead of growing the process. The body itself reserved its bytes when its header
// was read (core/http_session.cc).
#pragma once

#include <cstdint>

#include "api_context.h"
#include "deltatunnel/proto/status.h"
#include "deltatunnel/server/memory_budget.h"

namespace deltatunnel::server {

// `bytes` more into `grant`; ServiceUnavailable when they do not fit. Ok without a budget.
Status ReserveMemory(const ApiContext& ctx, uint64_t bytes, MemoryBudget::Grant* grant);

// Reserves into `grant` what a decompression may inflate to and answers that limit:
// ctx.max_decompressed_bytes, but never more than half the budget, so that one request never
// takes all of it.
Result<uint64_t> ReserveDecompression(const ApiContext& ctx, MemoryBudget::Grant* grant);

}  // namespace deltatunnel::server
