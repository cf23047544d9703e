#include "request_memory.h"

#include <fmt/format.h>

#include <algorithm>

namespace deltatunnel::server {

Status ReserveMemory(const ApiContext& ctx, uint64_t bytes, MemoryBudget::Grant* grant) {
  if (ctx.budget == nullptr || grant->Grow(ctx.budget, bytes)) return Status::Ok();
  return {ErrorCode::kServiceUnavailable,
          fmt::format("the server's memory budget ({} bytes, limits.memory_budget_bytes) is in use "
                      "by other requests; retry later",
                      ctx.budget->limit())};
}

Result<uint64_t> ReserveDecompression(const ApiContext& ctx, MemoryBudget::Grant* grant) {
  uint64_t limit = ctx.max_decompressed_bytes;
  if (ctx.budget != nullptr) limit = std::min(limit, ctx.budget->limit() / 2);
  DT_RETURN_IF_ERROR(ReserveMemory(ctx, limit, grant));
  return limit;
}

}  // namespace deltatunnel::server
