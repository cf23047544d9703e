// The catalog's pure part: checking a table definition, filling in property defaults, and turning
// a definition into its persisted TableRecord and back. The engine keeps the catalog itself (names
// to tables) in memory, mirrored by the T/V/N records of keys.h.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "deltatunnel/messages/storage_meta.pb.h"
#include "deltatunnel/proto/schema.h"
#include "deltatunnel/proto/status.h"
#include "deltatunnel/storage/types.h"

namespace deltatunnel::storage {

// Checks names, the schema (TableSchema::Validate) and the properties with their ranges, and
// answers the record to persist (without id and creation time). InvalidArgument with the reason.
Result<messages::TableRecord> BuildTableRecord(const TableDef& def, uint32_t default_threshold);

// The record of an ALTER: `rec` with `set` applied to its properties, checked as at creation.
// InvalidArgument for a property fixed at creation or a value out of its range.
Result<messages::TableRecord> AlterTableRecord(const messages::TableRecord& rec,
                                               const std::map<std::string, std::string>& set);

Result<proto::TableSchema> SchemaFromRecord(const messages::TableRecord& rec);

// The table's `lifecycle` in days (MaxCompute's LIFECYCLE): a partition, or a non-partitioned
// table, not modified for that long is dropped by the maintenance pass. 0: none.
uint32_t LifecycleDays(const messages::TableRecord& rec);

// The table's `compaction.major.auto`: false, automatic major compaction waits for the server's
// max_pending_deltas (so writes are never refused for good) instead of the commit threshold.
bool AutoCompaction(const messages::TableRecord& rec);

// The static part of a TableInfo (version and partition figures are the caller's).
TableInfo TableInfoFromRecord(const messages::TableRecord& rec, const proto::TableSchema& schema);

}  // namespace deltatunnel::storage
