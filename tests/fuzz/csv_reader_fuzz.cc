// Feeds arbitrary bytes to ReadCsv (format_load.h); what must hold is in body_reader_fuzz.h.
#include "body_reader_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return deltatunnel::fuzz::FuzzBodyReader(deltatunnel::server::BodyFormat::kCsv, data, size);
}
