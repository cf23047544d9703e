// One JSON value (simdjson On Demand) as a proto::Value of a column's type: scalars through
// ParseScalarText, ARRAY from a JSON array, MAP from a JSON object (keys converted to the key
// type), STRUCT from a JSON object keyed by field name (any case; a missing field is null).
//
// Errors: InvalidArgument for a value that does not fit the type; CorruptedDataStream for JSON that
// is malformed, after which the parser cannot go on with the rest of the document.
#pragma once

#include <simdjson.h>

#include "deltatunnel/proto/status.h"
#include "deltatunnel/proto/type.h"
#include "deltatunnel/proto/value.h"
#include "deltatunnel/server/format_time_zone.h"

namespace deltatunnel::server {

Status ReadJsonValue(simdjson::ondemand::value json, const proto::Type& type, const TimeZone& zone,
                     proto::Value* out);

// A simdjson error as the CorruptedDataStream status above.
Status JsonSyntaxError(simdjson::error_code error);

}  // namespace deltatunnel::server
