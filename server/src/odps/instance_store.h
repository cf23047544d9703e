// The SQL and Merge instances this server has run. Every task runs synchronously inside its POST
// (each statement is metadata or a snapshot read), so an instance is born Terminated and only its
// record is kept, for the status polls, ?taskstatus, ?result, ?source and the instance tunnel.
// Records live in memory, the newest `capacity` of them (oldest dropped first): a restart
// forgets them, as clients poll an instance only for the seconds after they submit it.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "odps/job.h"

namespace deltatunnel::server::odps {

// What a SELECT instance reads: one table at the version it saw when it ran, one partition or all
// of them. The instance tunnel serves exactly these rows.
struct SelectTarget {
  std::string project;
  std::string table;
  std::optional<std::string> partition;  // canonical spec; absent: every partition
  uint64_t version = 0;
};

struct InstanceRecord {
  std::string id;  // assigned by the store
  std::string project;
  Job job;
  int64_t start_ms = 0;
  int64_t end_ms = 0;
  bool success = false;
  std::string result;  // the failure's text, or what ?result answers on success
  std::optional<SelectTarget> select;
};

class InstanceStore {
 public:
  explicit InstanceStore(size_t capacity = 10000) : capacity_(capacity) {}

  // Keeps `record` under a new id, which it answers.
  std::string Add(InstanceRecord record);
  // The instance `id` of `project`, while it is kept.
  std::optional<InstanceRecord> Get(const std::string& project, const std::string& id) const;

 private:
  const size_t capacity_;
  mutable std::mutex mu_;
  std::map<std::string, InstanceRecord> by_id_;  // guarded by mu_
  std::deque<std::string> order_;                // guarded by mu_: ids, oldest first
  uint64_t next_ = 0;                            // guarded by mu_
};

}  // namespace deltatunnel::server::odps
