// What both writer modes share: the table they write, partition specs made canonical, and the
// commit of many sessions at once.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "deltatunnel/client/options.h"
#include "deltatunnel/client/upsert_session.h"
#include "deltatunnel/client/upsert_writer.h"

namespace deltatunnel::client {

struct WriterTarget {
  Client* client;
  std::string project;
  std::string table;
  WriterOptions options;
  proto::TableSchema schema;
  std::string content_encoding;  // of compress.algorithm
};

// Maps the specs callers give ("DS='1'") to the canonical spec ("ds=1"), parsing each spelling
// once.
class PartitionNames {
 public:
  explicit PartitionNames(const proto::TableSchema& schema) : schema_(schema) {}
  Result<std::string> Canonical(std::string_view spec);
  void Clear() { cache_.clear(); }

 private:
  const proto::TableSchema& schema_;
  std::unordered_map<std::string, std::string> cache_;
};

Result<std::unique_ptr<UpsertSession>> OpenSession(const WriterTarget& target,
                                                   const std::string& partition);

// Commits every session, options.commit_thread_num at once; the first failure, naming its
// partition, else OK.
Status CommitAll(const WriterTarget& target, const std::vector<UpsertSession*>& sessions);

std::unique_ptr<UpsertWriter> MakeMemoryWriter(WriterTarget target);
Result<std::unique_ptr<UpsertWriter>> MakeFileCacheWriter(WriterTarget target);

}  // namespace deltatunnel::client
