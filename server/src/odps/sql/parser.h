// The statement recogniser's grammar: a recursive descent over lexer.h's tokens that accepts
// exactly the statements of statement.h (keywords in any case, names bare or `backquoted`, an
// optional trailing ';') and refuses everything else, naming what it expected where. It never
// guesses: a statement it does not fully understand is refused whole.
//
//   statement   := create | alter | drop | truncate | select   [';']
//   create      := CREATE TABLE [IF NOT EXISTS] name '(' element {',' element} ')'
//                  { COMMENT str | PARTITIONED BY '(' coldef {',' coldef} ')'
//                  | TBLPROPERTIES '(' str '=' str {',' str '=' str} ')' | LIFECYCLE number }
//   element     := coldef | PRIMARY KEY '(' ident {',' ident} ')'
//   coldef      := ident type [NOT NULL | NULL] [COMMENT str]
//   alter       := ALTER TABLE name ( ADD [IF NOT EXISTS] partition {partition}
//                                   | ADD [IF NOT EXISTS] COLUMNS [IF NOT EXISTS]
//                                         '(' coldef [DEFAULT value] {',' ...} ')'
//                                   | CHANGE [COLUMN] ident ( RENAME TO ident
//                                                           | ident type [COMMENT str] )
//                                   | DROP [IF EXISTS] partition {',' partition}
//                                   | SET ( TBLPROPERTIES '(' str '=' str {',' str '=' str} ')'
//                                         | LIFECYCLE number | COMMENT str )
//                                   | [partition] COMPACT MAJOR )
//   drop        := DROP TABLE [IF EXISTS] name
//   truncate    := TRUNCATE TABLE name [partition]
//   select      := SELECT '*' FROM name [WHERE ident '=' value {AND ident '=' value}]
//   partition   := PARTITION '(' ident '=' value {',' ident '=' value} ')'
//   name        := ident ['.' ident ['.' ident]]
#pragma once

#include <string_view>

#include "deltatunnel/proto/status.h"
#include "odps/sql/statement.h"

namespace deltatunnel::server::odps::sql {

// Parses one statement. InvalidArgument with the reason ("expected TABLE after CREATE at offset
// 7") for anything outside the grammar.
Result<Statement> ParseStatement(std::string_view sql);

// Parses a Merge task's <TableName> text: "name [partition(c='v', ...)]".
Result<CompactTable> ParseMergeTarget(std::string_view text);

}  // namespace deltatunnel::server::odps::sql
