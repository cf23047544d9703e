#include "odps/job.h"

#include <fmt/format.h>

#include "odps/xml.h"

namespace deltatunnel::server::odps {

Result<Job> ParseJob(std::string_view body) {
  DT_ASSIGN_OR_RETURN(XmlElement root, ParseXml(body));
  const XmlElement* job = root.name == "Job" ? &root : root.Child("Job");
  if (root.name != "Job" && root.name != "Instance") {
    return InvalidArgument(
        fmt::format("the body's root is <{}>, not <Instance> or <Job>", root.name));
  }
  if (job == nullptr) return InvalidArgument("the body has no <Job>");
  const XmlElement* tasks = job->Child("Tasks");
  if (tasks == nullptr || tasks->children.empty()) {
    return InvalidArgument("the job has no <Tasks>");
  }
  if (tasks->children.size() != 1) {
    return InvalidArgument(fmt::format(
        "the job has {} tasks: deltatunnel runs one task per instance", tasks->children.size()));
  }
  const XmlElement& task = tasks->children.front();
  Job out;
  out.task_type = task.name;
  out.task_name = task.ChildText("Name");
  if (task.name == "SQL") {
    out.kind = Job::Kind::kSql;
    if (task.Child("Query") == nullptr) return InvalidArgument("the SQL task has no <Query>");
    out.query = task.ChildText("Query");
  } else if (task.name == "Merge") {
    out.kind = Job::Kind::kMerge;
    if (task.Child("TableName") == nullptr) {
      return InvalidArgument("the Merge task has no <TableName>");
    }
    out.target = task.ChildText("TableName");
  } else {
    return InvalidArgument(fmt::format(
        "task type <{}> is not run here: deltatunnel runs SQL and Merge tasks only", task.name));
  }
  if (out.task_name.empty())
    out.task_name = out.kind == Job::Kind::kSql ? "AnonymousSQLTask" : "merge_task";
  return out;
}

std::string JobXml(const Job& job) {
  std::string task = job.kind == Job::Kind::kSql
                         ? fmt::format("<SQL><Name>{}</Name><Query>{}</Query></SQL>",
                                       XmlEscape(job.task_name), XmlCData(job.query))
                         : fmt::format("<Merge><Name>{}</Name><TableName>{}</TableName></Merge>",
                                       XmlEscape(job.task_name), XmlEscape(job.target));
  return "<Job><Priority>9</Priority><Tasks>" + task +
         "</Tasks><DAG><RunMode>Sequence</RunMode></DAG></Job>";
}

}  // namespace deltatunnel::server::odps
