// Runs a recognised statement (sql/statement.h) or a Merge task on the storage engine, whole or
// not at all. Three outcomes, as the instance answers them:
//   refused  nothing was touched: the statement asks for what deltatunnel cannot do (a table
//            without a primary key, a partition drop the engine lacks, another project...). The
//            POST answers 400 ODPS-0130161 (pyodps ParseError) with a message naming what to use.
//   failed   the engine said no (no such table, the table exists...): a Terminated instance
//            whose task is Failed, its result an "ODPS-nnnnnnn: ..." text the SDKs map to errors.
//   success  done; a SELECT records what its instance tunnel will read.
#pragma once

#include <optional>
#include <string>

#include "api_context.h"
#include "odps/instance_store.h"
#include "odps/sql/statement.h"

namespace deltatunnel::server::odps {

struct TaskOutcome {
  enum class Kind { kSuccess, kFailed, kRefused };
  Kind kind = Kind::kSuccess;
  std::string message;  // refused: why; failed: the result text; success: a short summary
  std::optional<SelectTarget> select;
};

// `project` is the instance's (the URL's); a statement naming another project is refused.
TaskOutcome RunStatement(ApiContext& ctx, const std::string& project,
                         const sql::Statement& statement);

}  // namespace deltatunnel::server::odps
