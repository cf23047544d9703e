// The body formats of the HTTP API (api.md sections 3 and 4): NDJSON, CSV and one JSON array, named
// by a request's Content-Type or a read's `format=` parameter.
#pragma once

#include <string_view>

#include "deltatunnel/proto/status.h"

namespace deltatunnel::server {

enum class BodyFormat { kNdjson, kCsv, kJson };

// "ndjson" (also "jsonl"), "csv", "json"; any case. InvalidArgument otherwise.
Result<BodyFormat> ParseBodyFormat(std::string_view name);

// application/x-ndjson, application/ndjson, application/jsonl, application/json, text/csv; any
// case, parameters such as "; charset=utf-8" ignored. UnsupportedMediaType otherwise.
Result<BodyFormat> BodyFormatFromContentType(std::string_view content_type);

// "ndjson", "csv" or "json".
std::string_view NameOf(BodyFormat format);

// The Content-Type of an answer in `format`.
std::string_view ContentTypeOf(BodyFormat format);

}  // namespace deltatunnel::server
