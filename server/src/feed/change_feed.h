// The full form of changes, and change feeds that follow a table (issue 26; api.md "Change
// feeds"):
//   GET .../tables/{table}/changes?from_version=V&form=full[&to_version=B][&include=before]
//   GET .../tables/{table}/changes?from_version=V&follow=true[&include=before][&heartbeat_s=S]
// with [&partition][&timezone]. One record per key per version that changed it, each key's in
// version order (a follower within 256 versions of the head reads one version at a time, its
// pieces made on the live lane, Dispatcher::Lane::kLive):
//   {"version":V,"committed_at":T,"op":"insert"|"update"|"delete","row":{...}[,"before":{...}]}
// a delete's row holding its key columns only. After each batch of versions, and every
// heartbeat_s while nothing is committed, a checkpoint {"checkpoint":V}: every change up to V has
// been sent, so a consumer that resumes with from_version=V misses and repeats nothing. As NDJSON,
// or as Server-Sent Events when the client accepts text/event-stream (records as `event: change`,
// checkpoints as `event: checkpoint` with `id: V`; Last-Event-ID resumes).
//
// A follower waits on no thread (CommitWatch wakes it) and is paced by its own reading: the next
// piece is made only when the last was written, so a slow reader costs one piece of memory.
#pragma once

#include <cstdint>
#include <optional>

#include "api_context.h"
#include "deltatunnel/server/http_types.h"

namespace deltatunnel::server {

// Whether the request asks for the full form or a feed (a form other than net, follow or
// include); the net form is read.cc's.
bool WantsFullChanges(const Request& req);
// `from`: the version to start after instead of the request's from_version (a consumer's offset).
Result<Response> FullChanges(ApiContext& ctx, Request& req,
                             std::optional<uint64_t> from = std::nullopt);

}  // namespace deltatunnel::server
