// The job a client POSTs to /projects/{p}/instances: <Instance><Job>...<Tasks> holding one <SQL>
// task (its <Query>) or one <Merge> task (its <TableName>), as pyodps, the Java SDK and the Flink
// sinks send it (../shared/design/odps-control-plane.md A3, A9, B5, C3). Settings, priority and
// the DAG are read past: every statement here runs synchronously.
#pragma once

#include <string>
#include <string_view>

#include "deltatunnel/proto/status.h"

namespace deltatunnel::server::odps {

struct Job {
  enum class Kind { kSql, kMerge };
  Kind kind = Kind::kSql;
  std::string task_type;  // the task's element name: "SQL" or "Merge"
  std::string task_name;  // <Name>, e.g. "AnonymousSQLTask"
  std::string query;      // SQL: the statement text
  std::string target;     // Merge: "t [partition(c='v')]"
};

// The job in `body`. InvalidArgument for malformed XML, a document that is not a job with one
// task, or a task other than SQL and Merge.
Result<Job> ParseJob(std::string_view body);

// The job back as the <Job> document that ?source answers (root <Job>, as pyodps parses it).
std::string JobXml(const Job& job);

}  // namespace deltatunnel::server::odps
