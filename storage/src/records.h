// Parsing the engine's records (proto/messages/storage_meta.proto) from a Store's values.
#pragma once

#include <string_view>

namespace deltatunnel::storage {

// False when `value` is not a valid `Message`.
template <typename Message>
bool ParseRecord(std::string_view value, Message* out) {
  return out->ParseFromArray(value.data(), static_cast<int>(value.size()));
}

}  // namespace deltatunnel::storage
