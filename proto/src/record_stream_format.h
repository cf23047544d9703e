// Constants and per-type facts of the record stream (record_stream.h), shared by its reader and
// writer. Private to proto.
#pragma once

#include <cstdint>

#include "deltatunnel/proto/type.h"

namespace deltatunnel::proto::record_stream {

enum WireType : uint32_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

inline constexpr uint32_t kEndRecord = 33553408;
inline constexpr uint32_t kMetaCount = 33554430;
inline constexpr uint32_t kMetaChecksum = 33554431;

// Offsets of the hidden columns after the data columns: field number = data columns + offset.
inline constexpr uint32_t kVersion = 1;
inline constexpr uint32_t kAppVersion = 2;
inline constexpr uint32_t kOperation = 3;
inline constexpr uint32_t kKeyCols = 4;
inline constexpr uint32_t kValueCols = 5;
inline constexpr uint32_t kHiddenColumns = 5;

inline constexpr int64_t kOpUpsert = 'U';
inline constexpr int64_t kOpDelete = 'D';

inline WireType WireTypeOf(TypeKind kind) {
  switch (kind) {
    case TypeKind::kBoolean:
    case TypeKind::kTinyint:
    case TypeKind::kSmallint:
    case TypeKind::kInt:
    case TypeKind::kBigint:
    case TypeKind::kDate:
    case TypeKind::kDatetime:
      return kVarint;
    case TypeKind::kFloat:
      return kFixed32;
    case TypeKind::kDouble:
      return kFixed64;
    default:
      return kLengthDelimited;
  }
}

}  // namespace deltatunnel::proto::record_stream
