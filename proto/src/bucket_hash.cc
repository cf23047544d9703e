// wire-format.md section 5. All arithmetic is the Java clients' int/long arithmetic: wrapping,
// with arithmetic right shifts. Unsigned types carry the wrapping, signed ones the shifts (C++20
// defines >> of a negative value as arithmetic).
#include "deltatunnel/proto/bucket_hash.h"

#include <cstring>

#include "decimal.h"

namespace deltatunnel::proto {
namespace {

int64_t Wrap(uint64_t v) { return static_cast<int64_t>(v); }
int32_t Wrap32(uint32_t v) { return static_cast<int32_t>(v); }

int32_t Basic(int64_t v) {
  uint64_t u = static_cast<uint64_t>(v);
  v = Wrap(~u + (u << 18));
  v ^= v >> 31;
  v = Wrap(static_cast<uint64_t>(v) * 21);
  v ^= v >> 11;
  v = Wrap(static_cast<uint64_t>(v) + (static_cast<uint64_t>(v) << 6));
  v ^= v >> 22;
  return static_cast<int32_t>(v);
}

int32_t Legacy(int64_t v) { return static_cast<int32_t>((v >> 32) ^ v); }

int32_t Long(Hasher h, int64_t v) { return h == Hasher::kDefault ? Basic(v) : Legacy(v); }

int32_t Bytes(Hasher h, std::string_view bytes) {
  int32_t x = 0;
  if (h == Hasher::kLegacy) {
    for (char c : bytes) {
      x = Wrap32(static_cast<uint32_t>(x) * 31u +
                 static_cast<uint32_t>(static_cast<signed char>(c)));
    }
    return x;
  }
  for (char c : bytes) {
    x = Wrap32(static_cast<uint32_t>(x) + static_cast<uint32_t>(static_cast<signed char>(c)));
    x = Wrap32(static_cast<uint32_t>(x) + (static_cast<uint32_t>(x) << 10));
    x ^= x >> 6;
  }
  x = Wrap32(static_cast<uint32_t>(x) + (static_cast<uint32_t>(x) << 3));
  x ^= x >> 11;
  x = Wrap32(static_cast<uint32_t>(x) + (static_cast<uint32_t>(x) << 15));
  return x;
}

int32_t Decimal(Hasher h, const Type& type, std::string_view canonical) {
  const Int128 v = DecimalUnscaled(canonical);
  if (type.precision <= 18) return Long(h, static_cast<int64_t>(v));
  const auto low = static_cast<int64_t>(static_cast<uint64_t>(v));
  const auto high = static_cast<int64_t>(v >> 64);
  return Wrap32(static_cast<uint32_t>(Long(h, low)) + static_cast<uint32_t>(Long(h, high)));
}

}  // namespace

std::string_view HasherName(Hasher h) { return h == Hasher::kDefault ? "default" : "legacy"; }

int32_t HashValue(Hasher hasher, const Type& type, const Value& value) {
  switch (type.kind) {
    case TypeKind::kBoolean:
      return value.as_bool() ? 0x172ba9c7 : -0x3a59cb12;
    case TypeKind::kTinyint:
    case TypeKind::kSmallint:
    case TypeKind::kInt:
    case TypeKind::kBigint:
    case TypeKind::kDatetime:
      return Long(hasher, value.as_int());
    case TypeKind::kDate:
      return Long(hasher, value.as_int() * 86400);
    case TypeKind::kFloat: {
      int32_t bits;
      const float f = value.as_float();
      std::memcpy(&bits, &f, sizeof bits);
      return Long(hasher, bits);
    }
    case TypeKind::kDouble: {
      int64_t bits;
      const double d = value.as_double();
      std::memcpy(&bits, &d, sizeof bits);
      return Long(hasher, bits);
    }
    case TypeKind::kString:
    case TypeKind::kVarchar:
    case TypeKind::kChar:
    case TypeKind::kBinary:
    case TypeKind::kJson:
      return Bytes(hasher, value.as_string());
    case TypeKind::kDecimal:
      return Decimal(hasher, type, value.as_string());
    case TypeKind::kTimestamp:
    case TypeKind::kTimestampNtz: {
      const Timestamp& ts = value.as_timestamp();
      return Long(hasher, Wrap(static_cast<uint64_t>(ts.seconds) << 30) | ts.nanos);
    }
    case TypeKind::kArray:
    case TypeKind::kMap:
    case TypeKind::kStruct:
      return 0;  // never a key type (TableSchema::Validate)
  }
  return 0;
}

uint32_t CombineBucket(int32_t hash_sum, uint32_t bucket_count) {
  const int32_t comb = hash_sum ^ (hash_sum >> 8);
  return static_cast<uint32_t>(comb) % bucket_count;
}

uint32_t BucketOf(Hasher hasher, const TableSchema& schema, const Row& row, uint32_t bucket_count) {
  uint32_t sum = 0;
  for (int k : schema.primary_key) {
    const Value& v = row[k];
    if (v.is_null()) continue;
    sum += static_cast<uint32_t>(HashValue(hasher, schema.columns[k].type, v));
  }
  return CombineBucket(Wrap32(sum), bucket_count);
}

}  // namespace deltatunnel::proto
