// One JSON row object (an NDJSON line, an element of a JSON array) read into a RowAssembler.
#pragma once

#include <simdjson.h>

#include "format/row_assembler.h"

namespace deltatunnel::server {

// Reads the keys of `object` into the current row of `assembler` (BeginRow done, FinishRow left to
// the caller), stopping at the first bad key or value, which rejects the row. Returns false if the
// JSON itself is malformed: the rest of the document cannot be read.
bool ReadJsonRow(simdjson::ondemand::object object, RowAssembler* assembler);

}  // namespace deltatunnel::server
