// The bucket of a key: wire-format.md section 5, bit for bit, with its test vectors as unit tests.
// The server owns key placement: every row is re-hashed here, whatever bucket a client named.
#pragma once

#include <cstdint>
#include <string_view>

#include "deltatunnel/proto/schema.h"
#include "deltatunnel/proto/value.h"

namespace deltatunnel::proto {

enum class Hasher { kDefault, kLegacy };

std::string_view HasherName(Hasher h);  // "default", "legacy"

// type_hash(hasher, value) of one non-null scalar value of `type`.
int32_t HashValue(Hasher hasher, const Type& type, const Value& value);

// The bucket, 0..bucket_count-1, of the row's primary key (nulls skipped).
uint32_t BucketOf(Hasher hasher, const TableSchema& schema, const Row& row, uint32_t bucket_count);

// Combines per-column hashes as the section says: wrapping sum, then sum ^ (sum >> 8), then % N.
uint32_t CombineBucket(int32_t hash_sum, uint32_t bucket_count);

}  // namespace deltatunnel::proto
