// Schema evolution's rules: which changes of a table's data columns keep every stored row readable
// without rewriting it, checked before anything is written (Engine::AlterSchema).
//
// Allowed: adding nullable columns at the end (with an optional default, which rows written
// before the change read), renaming a data column, and widening a type where every value of the
// old type is a value of the new one: TINYINT -> SMALLINT -> INT -> BIGINT, FLOAT -> DOUBLE,
// DECIMAL(p,s) -> DECIMAL(p2,s) with p2 >= p, VARCHAR(n) -> VARCHAR(m) with m >= n, VARCHAR ->
// STRING. Refused, with the reason: anything else, any change of a primary key column's type
// (keys and buckets are computed from it), and any change of a partition column.
#pragma once

#include "deltatunnel/proto/schema.h"
#include "deltatunnel/proto/status.h"
#include "deltatunnel/storage/types.h"

namespace deltatunnel::storage {

// The schema `current` becomes under `change` (adds, then renames, then widenings), validated
// whole; InvalidArgument naming the column and why otherwise. An added column's default is
// normalised to its type.
Result<proto::TableSchema> ApplySchemaChange(const proto::TableSchema& current,
                                             const SchemaChange& change);

// Whether a value of type `from` is always a value of `to` (the widenings above; equal types too).
bool IsLosslessWidening(const proto::Type& from, const proto::Type& to);

}  // namespace deltatunnel::storage
