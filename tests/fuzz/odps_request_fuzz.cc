// Feeds arbitrary bytes to the ODPS surface's request parsers (server/src/odps/): the statement
// recogniser, a Merge task's table name, the job document, and the XML reader. The first byte picks
// the parser (% 4); the rest is the input. What must hold, beyond no crash and no sanitizer report:
//   - a job that parses, written back by JobXml, parses to the same task;
//   - any bytes put into CDATA by XmlCData read back unchanged;
//   - a parsed statement or XML document never comes with an empty error.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "odps/job.h"
#include "odps/sql/parser.h"
#include "odps/xml.h"

namespace {

void Require(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace deltatunnel::server::odps;
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0: {
      auto s = sql::ParseStatement(input);
      Require(s.ok() || !s.status().message().empty());
      break;
    }
    case 1: {
      auto m = sql::ParseMergeTarget(input);
      Require(m.ok() || !m.status().message().empty());
      break;
    }
    case 2: {
      auto job = ParseJob(input);
      if (!job.ok()) break;
      auto again = ParseJob(JobXml(*job));
      Require(again.ok());
      Require(again->kind == job->kind && again->task_type == job->task_type &&
              again->task_name == job->task_name && again->query == job->query &&
              again->target == job->target);
      break;
    }
    default: {
      (void)ParseXml(input);
      auto wrapped = ParseXml("<A>" + XmlCData(input) + "</A>");
      Require(wrapped.ok() && wrapped->text == input);
      break;
    }
  }
  return 0;
}
