// The schemas a table has had (schema evolution): each with its id (0 at creation, one more per
// change) and the table version that made it. Immutable once shared: a change publishes a new
// history (copy-on-write, under the table's state_mu) beside the new version, so a read takes the
// history with its manifests and decodes every run in the schema of the version it reads.
//
// Runs name the schema their rows are encoded in (the writing session's, or a base's compaction
// version's). A read at version V decodes in the schema at V: a run's schema is never newer than
// that (it was current before the run's commit, which is at or below V), and the older rows are
// upgraded on the way (row_upgrade.h).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "deltatunnel/messages/storage_meta.pb.h"
#include "deltatunnel/proto/schema.h"
#include "deltatunnel/proto/status.h"
#include "row_upgrade.h"

namespace deltatunnel::storage {

struct SchemaVersion {
  uint32_t id = 0;
  uint64_t version = 0;  // the table version from which it is the schema
  std::shared_ptr<const proto::TableSchema> schema;
};

class SchemaHistory {
 public:
  explicit SchemaHistory(std::vector<SchemaVersion> versions) : versions_(std::move(versions)) {}

  const SchemaVersion& Current() const { return versions_.back(); }
  // The schema of table version `version`.
  const SchemaVersion& At(uint64_t version) const;
  // The schema with this id; null if the table never had it.
  std::shared_ptr<const proto::TableSchema> ById(uint32_t id) const;
  // This history with `next` as the current schema, made by `version`.
  std::shared_ptr<const SchemaHistory> With(proto::TableSchema next, uint64_t version) const;
  // What reads a run encoded in schema `from` through, to read it in `to` (one of this history's);
  // null when `from` is `to`. Corruption for a schema the table never had.
  Result<std::unique_ptr<RowUpgrade>> Upgrade(uint32_t from, const SchemaVersion& to) const;

 private:
  std::vector<SchemaVersion> versions_;  // ascending by id and version; never empty
};

using SchemaHistoryPtr = std::shared_ptr<const SchemaHistory>;

// The T record's columns to schema and back (the primary key and partition columns are kept by the
// caller: they never change).
Result<proto::Column> ColumnFromRecord(const messages::ColumnRecord& r);
void ColumnToRecord(const proto::Column& c, messages::ColumnRecord* out);

// The history a T record holds (its current schema and past_schemas).
Result<SchemaHistoryPtr> SchemaHistoryFromRecord(const messages::TableRecord& rec);
// `rec` with `next` as its current schema, made by `version`; the current one goes to
// past_schemas.
void SetSchemaInRecord(const proto::TableSchema& next, uint64_t version,
                       messages::TableRecord* rec);

}  // namespace deltatunnel::storage
