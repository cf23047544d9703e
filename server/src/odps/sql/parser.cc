#include "odps/sql/parser.h"

#include <fmt/format.h>

#include <strings.h>
#include <charconv>

#include "odps/sql/lexer.h"

namespace deltatunnel::server::odps::sql {
namespace {

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  Result<sql::Statement> Parse() {
    Result<sql::Statement> s = Dispatch();
    if (!s.ok()) return s;
    DT_RETURN_IF_ERROR(End());
    return s;
  }

  Result<CompactTable> MergeTarget() {
    CompactTable c;
    DT_ASSIGN_OR_RETURN(c.table, Name());
    if (Peek("PARTITION")) {
      DT_ASSIGN_OR_RETURN(c.partition, Partition());
    }
    DT_RETURN_IF_ERROR(End());
    return c;
  }

 private:
  const Token& Cur() const { return tokens_[pos_]; }

  bool Peek(std::string_view keyword) const {
    return Cur().kind == TokenKind::kWord &&
           strcasecmp(Cur().text.c_str(), std::string(keyword).c_str()) == 0;
  }
  bool Accept(std::string_view keyword) {
    if (!Peek(keyword)) return false;
    ++pos_;
    return true;
  }
  bool PeekSymbol(std::string_view s) const {
    return Cur().kind == TokenKind::kSymbol && Cur().text == s;
  }
  bool AcceptSymbol(std::string_view s) {
    if (!PeekSymbol(s)) return false;
    ++pos_;
    return true;
  }

  Status Expected(std::string_view what) const {
    const Token& t = Cur();
    std::string found = t.kind == TokenKind::kEnd ? "the end" : fmt::format("'{}'", t.text);
    return InvalidArgument(
        fmt::format("expected {} at offset {}, found {}", what, t.offset, found));
  }
  Status Keyword(std::string_view keyword) {
    if (Accept(keyword)) return Status::Ok();
    return Expected(keyword);
  }
  Status Symbol(std::string_view s) {
    if (AcceptSymbol(s)) return Status::Ok();
    return Expected(fmt::format("'{}'", s));
  }
  // A trailing ';' and nothing after: one statement per task, as the clients send.
  Status End() {
    AcceptSymbol(";");
    if (Cur().kind != TokenKind::kEnd) return Expected("the end of the statement");
    return Status::Ok();
  }

  Result<std::string> Ident() {
    if (Cur().kind != TokenKind::kWord && Cur().kind != TokenKind::kQuoted) {
      return Expected("a name");
    }
    return tokens_[pos_++].text;
  }
  Result<std::string> String() {
    if (Cur().kind != TokenKind::kString) return Expected("a quoted string");
    return tokens_[pos_++].text;
  }
  // A partition or WHERE value: a quoted string or a (possibly negative) number.
  Result<std::string> Value() {
    const bool negative = AcceptSymbol("-");
    if (Cur().kind == TokenKind::kNumber) return (negative ? "-" : "") + tokens_[pos_++].text;
    if (negative) return Expected("a number after '-'");
    return String();
  }

  Result<TableName> Name() {
    std::vector<std::string> parts;
    DT_ASSIGN_OR_RETURN(std::string first, Ident());
    parts.push_back(std::move(first));
    while (parts.size() < 3 && AcceptSymbol(".")) {
      DT_ASSIGN_OR_RETURN(std::string next, Ident());
      parts.push_back(std::move(next));
    }
    TableName n;
    n.table = parts.back();
    if (parts.size() >= 2) n.project = parts[0];
    if (parts.size() == 3) n.schema = parts[1];
    return n;
  }

  Result<PartitionValues> Partition() {
    DT_RETURN_IF_ERROR(Keyword("PARTITION"));
    DT_RETURN_IF_ERROR(Symbol("("));
    PartitionValues out;
    do {
      PartitionValue v;
      DT_ASSIGN_OR_RETURN(v.column, Ident());
      DT_RETURN_IF_ERROR(Symbol("="));
      DT_ASSIGN_OR_RETURN(v.value, Value());
      out.push_back(std::move(v));
    } while (AcceptSymbol(","));
    DT_RETURN_IF_ERROR(Symbol(")"));
    return out;
  }

  // The type of a column as written, up to its constraints or the ',' / ')' that ends it.
  Result<std::string> TypeText() {
    std::string text;
    int depth = 0;
    while (true) {
      const Token& t = Cur();
      if (t.kind == TokenKind::kEnd) break;
      if (depth == 0 && (PeekSymbol(",") || PeekSymbol(")") || Peek("NOT") || Peek("NULL") ||
                         Peek("COMMENT") || Peek("DEFAULT"))) {
        break;
      }
      if (PeekSymbol("(") || PeekSymbol("<")) ++depth;
      if (PeekSymbol(")") || PeekSymbol(">")) --depth;
      if (t.kind == TokenKind::kString) return Expected("a type");
      text += t.text;
      ++pos_;
    }
    if (text.empty()) return Expected("a type");
    return text;
  }

  // `with_default`: a column of ADD COLUMNS, which may have a DEFAULT (rows written before it
  // read it).
  Result<ColumnDef> Column(bool with_default = false) {
    ColumnDef c;
    DT_ASSIGN_OR_RETURN(c.name, Ident());
    DT_ASSIGN_OR_RETURN(c.type, TypeText());
    if (Accept("NOT")) {
      DT_RETURN_IF_ERROR(Keyword("NULL"));
      c.not_null = true;
    } else {
      Accept("NULL");
    }
    if (Peek("DEFAULT") && !with_default) {
      return InvalidArgument(fmt::format(
          "column '{}': DEFAULT is taken only by ALTER TABLE ... ADD COLUMNS (the value rows "
          "written before the column read)",
          c.name));
    }
    if (Accept("DEFAULT")) {
      if (Accept("TRUE")) {
        c.default_value = "true";
      } else if (Accept("FALSE")) {
        c.default_value = "false";
      } else {
        DT_ASSIGN_OR_RETURN(c.default_value, Value());
      }
    }
    if (Accept("COMMENT")) {
      DT_ASSIGN_OR_RETURN(c.comment, String());
    }
    return c;
  }

  Result<std::vector<std::string>> NameList() {
    DT_RETURN_IF_ERROR(Symbol("("));
    std::vector<std::string> out;
    do {
      DT_ASSIGN_OR_RETURN(std::string n, Ident());
      out.push_back(std::move(n));
    } while (AcceptSymbol(","));
    DT_RETURN_IF_ERROR(Symbol(")"));
    return out;
  }

  Result<sql::Statement> Create() {
    CreateTable c;
    DT_RETURN_IF_ERROR(Keyword("TABLE"));
    if (Accept("IF")) {
      DT_RETURN_IF_ERROR(Keyword("NOT"));
      DT_RETURN_IF_ERROR(Keyword("EXISTS"));
      c.if_not_exists = true;
    }
    DT_ASSIGN_OR_RETURN(c.table, Name());
    DT_RETURN_IF_ERROR(Symbol("("));
    do {
      if (Accept("PRIMARY")) {
        DT_RETURN_IF_ERROR(Keyword("KEY"));
        if (!c.primary_key.empty()) return Expected("one PRIMARY KEY clause only");
        DT_ASSIGN_OR_RETURN(c.primary_key, NameList());
        continue;
      }
      DT_ASSIGN_OR_RETURN(ColumnDef col, Column());
      c.columns.push_back(std::move(col));
    } while (AcceptSymbol(","));
    DT_RETURN_IF_ERROR(Symbol(")"));
    bool comment = false, partitioned = false, properties = false;
    while (true) {
      if (!comment && Accept("COMMENT")) {
        comment = true;
        DT_ASSIGN_OR_RETURN(c.comment, String());
      } else if (!partitioned && Accept("PARTITIONED")) {
        partitioned = true;
        DT_RETURN_IF_ERROR(Keyword("BY"));
        DT_RETURN_IF_ERROR(Symbol("("));
        do {
          DT_ASSIGN_OR_RETURN(ColumnDef col, Column());
          c.partition_columns.push_back(std::move(col));
        } while (AcceptSymbol(","));
        DT_RETURN_IF_ERROR(Symbol(")"));
      } else if (!properties && Accept("TBLPROPERTIES")) {
        properties = true;
        DT_ASSIGN_OR_RETURN(c.properties, Properties());
      } else if (!c.lifecycle && Accept("LIFECYCLE")) {
        DT_ASSIGN_OR_RETURN(c.lifecycle, Days());
      } else {
        break;
      }
    }
    return sql::Statement(std::move(c));
  }

  // '(' str '=' str {',' str '=' str} ')'
  Result<std::map<std::string, std::string>> Properties() {
    std::map<std::string, std::string> out;
    DT_RETURN_IF_ERROR(Symbol("("));
    do {
      DT_ASSIGN_OR_RETURN(std::string key, String());
      DT_RETURN_IF_ERROR(Symbol("="));
      DT_ASSIGN_OR_RETURN(std::string value, String());
      out[key] = std::move(value);
    } while (AcceptSymbol(","));
    DT_RETURN_IF_ERROR(Symbol(")"));
    return out;
  }

  // A LIFECYCLE's number of days.
  Result<int64_t> Days() {
    if (Cur().kind != TokenKind::kNumber) return Expected("a number of days");
    int64_t days = 0;
    const std::string& t = Cur().text;
    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), days);
    if (ec != std::errc() || end != t.data() + t.size() || days < 1) {
      return Expected("a whole, positive number of days");
    }
    ++pos_;
    return days;
  }

  Result<sql::Statement> Alter() {
    DT_RETURN_IF_ERROR(Keyword("TABLE"));
    DT_ASSIGN_OR_RETURN(TableName name, Name());
    if (Accept("SET")) {
      SetProperties s;
      s.table = std::move(name);
      if (Accept("TBLPROPERTIES")) {
        DT_ASSIGN_OR_RETURN(s.properties, Properties());
      } else if (Accept("LIFECYCLE")) {
        DT_ASSIGN_OR_RETURN(int64_t days, Days());
        s.properties["lifecycle"] = std::to_string(days);
      } else if (Accept("COMMENT")) {
        DT_ASSIGN_OR_RETURN(s.properties["comment"], String());
      } else {
        return Expected("TBLPROPERTIES, LIFECYCLE or COMMENT after SET");
      }
      return sql::Statement(std::move(s));
    }
    if (Accept("CHANGE")) return ChangeColumn(std::move(name));
    if (Accept("ADD")) {
      AddPartition a;
      a.table = std::move(name);
      if (Accept("IF")) {
        DT_RETURN_IF_ERROR(Keyword("NOT"));
        DT_RETURN_IF_ERROR(Keyword("EXISTS"));
        a.if_not_exists = true;
      }
      if (Accept("COLUMNS")) return AddColumns(std::move(a.table), a.if_not_exists);
      if (!Peek("PARTITION")) return Expected("PARTITION or COLUMNS after ADD");
      while (Peek("PARTITION")) {
        DT_ASSIGN_OR_RETURN(PartitionValues p, Partition());
        a.partitions.push_back(std::move(p));
      }
      return sql::Statement(std::move(a));
    }
    if (Accept("DROP")) {
      DropPartition d;
      d.table = std::move(name);
      if (Accept("IF")) {
        DT_RETURN_IF_ERROR(Keyword("EXISTS"));
        d.if_exists = true;
      }
      if (Peek("COLUMNS") || Peek("COLUMN")) {
        return InvalidArgument(
            "dropping columns is not supported: rows keep every column they were written with; "
            "add a new column, or create a new table");
      }
      if (!Peek("PARTITION")) return Expected("PARTITION after DROP");
      do {
        DT_ASSIGN_OR_RETURN(PartitionValues p, Partition());
        d.partitions.push_back(std::move(p));
      } while (AcceptSymbol(","));
      return sql::Statement(std::move(d));
    }
    CompactTable c;
    c.table = std::move(name);
    if (Peek("PARTITION")) {
      DT_ASSIGN_OR_RETURN(c.partition, Partition());
    }
    if (!Accept("COMPACT")) {
      return Expected(
          "ADD PARTITION, ADD COLUMNS, CHANGE COLUMN, DROP PARTITION, "
          "SET TBLPROPERTIES|LIFECYCLE|COMMENT or COMPACT MAJOR");
    }
    if (!Accept("MAJOR")) return Expected("MAJOR (only major compaction exists)");
    return sql::Statement(std::move(c));
  }

  Result<sql::Statement> AddColumns(TableName name, bool if_not_exists) {
    ChangeSchema c;
    c.table = std::move(name);
    c.if_not_exists = if_not_exists;
    if (Accept("IF")) {
      DT_RETURN_IF_ERROR(Keyword("NOT"));
      DT_RETURN_IF_ERROR(Keyword("EXISTS"));
      c.if_not_exists = true;
    }
    DT_RETURN_IF_ERROR(Symbol("("));
    do {
      DT_ASSIGN_OR_RETURN(ColumnDef col, Column(/*with_default=*/true));
      c.add_columns.push_back(std::move(col));
    } while (AcceptSymbol(","));
    DT_RETURN_IF_ERROR(Symbol(")"));
    return sql::Statement(std::move(c));
  }

  Result<sql::Statement> ChangeColumn(TableName name) {
    ChangeSchema c;
    c.table = std::move(name);
    Accept("COLUMN");
    DT_ASSIGN_OR_RETURN(c.column, Ident());
    if (Accept("RENAME")) {
      DT_RETURN_IF_ERROR(Keyword("TO"));
      DT_ASSIGN_OR_RETURN(c.new_name, Ident());
      return sql::Statement(std::move(c));
    }
    if (Peek("COMMENT")) {
      return InvalidArgument("changing a column's comment alone is not supported");
    }
    DT_ASSIGN_OR_RETURN(c.new_name, Ident());
    DT_ASSIGN_OR_RETURN(c.new_type, TypeText());
    if (Accept("COMMENT")) {
      DT_ASSIGN_OR_RETURN(c.comment, String());
    }
    return sql::Statement(std::move(c));
  }

  Result<sql::Statement> Drop() {
    DropTable d;
    DT_RETURN_IF_ERROR(Keyword("TABLE"));
    if (Accept("IF")) {
      DT_RETURN_IF_ERROR(Keyword("EXISTS"));
      d.if_exists = true;
    }
    DT_ASSIGN_OR_RETURN(d.table, Name());
    return sql::Statement(std::move(d));
  }

  Result<sql::Statement> Truncate() {
    TruncateTable t;
    DT_RETURN_IF_ERROR(Keyword("TABLE"));
    DT_ASSIGN_OR_RETURN(t.table, Name());
    if (Peek("PARTITION")) {
      DT_ASSIGN_OR_RETURN(t.partition, Partition());
    }
    return sql::Statement(std::move(t));
  }

  Result<sql::Statement> Select() {
    SelectAll s;
    DT_RETURN_IF_ERROR(Symbol("*"));
    DT_RETURN_IF_ERROR(Keyword("FROM"));
    DT_ASSIGN_OR_RETURN(s.table, Name());
    if (Accept("WHERE")) {
      do {
        PartitionValue v;
        DT_ASSIGN_OR_RETURN(v.column, Ident());
        DT_RETURN_IF_ERROR(Symbol("="));
        DT_ASSIGN_OR_RETURN(v.value, Value());
        s.where.push_back(std::move(v));
      } while (Accept("AND"));
    }
    return sql::Statement(std::move(s));
  }

  Result<sql::Statement> Dispatch() {
    if (Accept("CREATE")) return Create();
    if (Accept("ALTER")) return Alter();
    if (Accept("DROP")) return Drop();
    if (Accept("TRUNCATE")) return Truncate();
    if (Accept("SELECT")) return Select();
    return Expected("CREATE TABLE, ALTER TABLE, DROP TABLE, TRUNCATE TABLE or SELECT *");
  }

  std::vector<Token> tokens_;
  size_t pos_ = 0;
};

}  // namespace

Result<Statement> ParseStatement(std::string_view sql) {
  DT_ASSIGN_OR_RETURN(std::vector<Token> tokens, Tokenize(sql));
  return Parser(std::move(tokens)).Parse();
}

Result<CompactTable> ParseMergeTarget(std::string_view text) {
  DT_ASSIGN_OR_RETURN(std::vector<Token> tokens, Tokenize(text));
  return Parser(std::move(tokens)).MergeTarget();
}

}  // namespace deltatunnel::server::odps::sql
