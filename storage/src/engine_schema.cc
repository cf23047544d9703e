// Schema evolution (schema_change.h for the rules, schema_history.h for how reads use it).
//
// A change is a version of the table's own, under its commit_mu, in one synced batch:
//   T table_id          -> the record with the new columns; the old ones go to past_schemas
//   C table_id version  -> CommitRecord of kind alter_schema (no partition, no runs)
//   V table_id          -> version
// then published in memory with the version, so a read at it or later decodes in the new schema
// and one below it in the old. Nothing is rewritten: runs keep the schema they were written in.
#include <fmt/format.h>

#include "engine_impl.h"
#include "keys.h"
#include "schema_change.h"

namespace deltatunnel::storage {

Result<TableInfo> EngineImpl::AlterSchema(const std::string& project, const std::string& table,
                                          const SchemaChange& change) {
  DT_ASSIGN_OR_RETURN(std::shared_ptr<TableState> t, GetTable(project, table));
  {
    MutexLock commit_lock(&t->commit_mu);
    if (t->dropped) {
      return Status(ErrorCode::kNoSuchTable,
                    fmt::format("table '{}.{}' does not exist", project, table));
    }
    DT_RETURN_IF_ERROR(store_->Writable());
    SchemaHistoryPtr schemas;
    uint64_t version = 0;
    int64_t committed_at = Now();
    {
      MutexLock state_lock(&t->state_mu);
      schemas = t->schemas;
      version = t->version + 1;
      if (!t->commit_times.empty()) committed_at = std::max(committed_at, t->commit_times.back());
    }
    DT_ASSIGN_OR_RETURN(proto::TableSchema next,
                        ApplySchemaChange(*schemas->Current().schema, change));
    if (next == *schemas->Current().schema) return DescribeLocked(*t);  // nothing changes
    messages::TableRecord rec = t->Settings();
    SetSchemaInRecord(next, version, &rec);
    messages::CommitRecord c;
    c.set_version(version);
    c.set_committed_at_ms(committed_at);
    c.set_kind(messages::COMMIT_ALTER_SCHEMA);
    auto wb = store_->NewBatch();
    wb->Put(keys::Table(t->id), rec.SerializeAsString());
    wb->Put(keys::Commit(t->id, version), c.SerializeAsString());
    wb->Put(keys::TableVersion(t->id), keys::Fixed64(version));
    DT_RETURN_IF_ERROR(store_->Write(*wb, CommitDurability(), "altering the schema"));
    t->SetSettings(rec);
    SchemaHistoryPtr published = schemas->With(std::move(next), version);
    {
      MutexLock state_lock(&t->state_mu);
      t->schemas = std::move(published);
      t->commit_times.push_back(committed_at);
      t->version = version;
    }
    Published(*t, version);
  }
  commits_ += 1;
  return DescribeLocked(*t);
}

}  // namespace deltatunnel::storage
