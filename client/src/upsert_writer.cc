#include "deltatunnel/client/upsert_writer.h"

#include <mutex>

#include "deltatunnel/proto/partition_spec.h"
#include "deltatunnel/proto/row_codec.h"
#include "thread_pool.h"
#include "writer_common.h"

namespace deltatunnel::client {

Result<std::string> PartitionNames::Canonical(std::string_view spec) {
  auto it = cache_.find(std::string(spec));
  if (it != cache_.end()) return it->second;
  DT_ASSIGN_OR_RETURN(proto::PartitionSpec parsed, proto::ParsePartitionSpec(schema_, spec));
  // Bounded: a writer that sees endless spellings should not keep them all.
  if (cache_.size() > 100000) cache_.clear();
  cache_.emplace(std::string(spec), parsed.canonical);
  return parsed.canonical;
}

Result<std::unique_ptr<UpsertSession>> OpenSession(const WriterTarget& target,
                                                   const std::string& partition) {
  SessionOptions so;
  so.partition = partition;
  so.slot_num = target.options.slot_num;
  so.lifecycle_hours = target.options.lifecycle_hours;
  return UpsertSession::Create(*target.client, target.project, target.table, so);
}

Status CommitAll(const WriterTarget& target, const std::vector<UpsertSession*>& sessions) {
  CommitOptions co;
  co.poll_initial = target.options.commit_poll_initial;
  co.timeout = target.options.commit_timeout;
  std::mutex mu;
  Status first;
  ParallelFor(sessions.size(), target.options.commit_thread_num, [&](size_t i) {
    Status s = sessions[i]->Commit(co);
    if (s.ok()) return;
    std::lock_guard lock(mu);
    if (first.ok()) {
      first = Status(s.code(), "commit of partition '" + sessions[i]->partition() + "' (session " +
                                   sessions[i]->id() + "): " + s.message());
    }
  });
  return first;
}

Result<std::unique_ptr<UpsertWriter>> UpsertWriter::Open(Client& client, std::string project,
                                                         std::string table, WriterOptions options) {
  DT_RETURN_IF_ERROR(options.Validate());
  DT_ASSIGN_OR_RETURN(nlohmann::json described, client.DescribeTable(project, table));
  WriterTarget target{&client, std::move(project), std::move(table), std::move(options), {}, {}};
  DT_ASSIGN_OR_RETURN(target.schema, SchemaFromTableJson(described));
  DT_ASSIGN_OR_RETURN(target.content_encoding,
                      ContentEncodingOf(target.options.compress_algorithm));
  if (target.options.file_cached) return MakeFileCacheWriter(std::move(target));
  return MakeMemoryWriter(std::move(target));
}

Status UpsertWriter::Write(std::string_view partition, const proto::Row& row, proto::RowOp op) {
  const bool is_delete = op == proto::RowOp::kDelete;
  DT_ASSIGN_OR_RETURN(const bool as_is, proto::CheckRow(schema(), is_delete, row));
  if (as_is) return WriteNormal(partition, row, op);
  converted_ = row;
  DT_RETURN_IF_ERROR(proto::NormalizeRow(schema(), is_delete, &converted_));
  return WriteNormal(partition, converted_, op);
}

Status UpsertWriter::Write(std::string_view partition, proto::Row&& row, proto::RowOp op) {
  DT_RETURN_IF_ERROR(proto::NormalizeRow(schema(), op == proto::RowOp::kDelete, &row));
  return WriteNormal(partition, row, op);
}

}  // namespace deltatunnel::client
