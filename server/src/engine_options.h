// The storage engine's options from the server's configuration: [storage], [compaction],
// [backup], and for storage.backend = "cluster" the [cluster] section, whose empty S3
// credentials come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY).
#pragma once

#include "deltatunnel/proto/status.h"
#include "deltatunnel/server/config.h"
#include "deltatunnel/storage/types.h"

namespace deltatunnel::server {

// InvalidArgument naming the key when the cluster's credentials are nowhere.
Result<storage::EngineOptions> EngineOptionsOf(const ServerConfig& config);

}  // namespace deltatunnel::server
