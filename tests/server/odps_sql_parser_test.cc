// The statement recogniser (server/src/odps/sql/): every statement form the MaxCompute clients
// send, exactly as they send it, and a corpus it must refuse whole.
#include <catch2/catch.hpp>

#include "odps/sql/lexer.h"
#include "odps/sql/parser.h"

using namespace deltatunnel::server::odps::sql;

namespace {

template <typename T>
T Parse(std::string_view text) {
  auto s = ParseStatement(text);
  INFO(text);
  INFO((s.ok() ? "" : s.status().message()));
  REQUIRE(s.ok());
  REQUIRE(std::holds_alternative<T>(*s));
  return std::get<T>(*s);
}

}  // namespace

TEST_CASE("lexer: words, quoted names, literals, numbers, symbols, comments", "[odps][sql]") {
  auto t = Tokenize("SELECT `a``b`, 'it''s', \"x\\ny\", 12.5 -- note\n /* c */ <> ;");
  REQUIRE(t.ok());
  REQUIRE(t->size() == 11);
  CHECK((*t)[0].kind == TokenKind::kWord);
  CHECK((*t)[1].kind == TokenKind::kQuoted);
  CHECK((*t)[1].text == "a`b");
  CHECK((*t)[3].text == "it's");
  CHECK((*t)[5].text == "x\ny");
  CHECK((*t)[7].text == "12.5");
  CHECK((*t)[8].text == "<>");
  CHECK((*t)[9].kind == TokenKind::kSymbol);
  CHECK(t->back().kind == TokenKind::kEnd);

  CHECK_FALSE(Tokenize("'open").ok());
  CHECK_FALSE(Tokenize("`open").ok());
  CHECK_FALSE(Tokenize("/* open").ok());
  CHECK_FALSE(Tokenize("a # b").ok());
  CHECK_FALSE(Tokenize("12ab").ok());
}

TEST_CASE("CREATE TABLE as pyodps writes it", "[odps][sql]") {
  auto c = Parse<CreateTable>(R"(CREATE TABLE IF NOT EXISTS proj.`t` (
  `k` BIGINT NOT NULL,
  `v` STRING,
  PRIMARY KEY (`k`)
)
PARTITIONED BY (
  `pt` STRING
)
TBLPROPERTIES (
  'transactional' = 'true',
  'write.bucket.num' = '1'
);)");
  CHECK(c.if_not_exists);
  CHECK(c.table.project == "proj");
  CHECK(c.table.table == "t");
  REQUIRE(c.columns.size() == 2);
  CHECK(c.columns[0].name == "k");
  CHECK(c.columns[0].type == "BIGINT");
  CHECK(c.columns[0].not_null);
  CHECK_FALSE(c.columns[1].not_null);
  CHECK(c.primary_key == std::vector<std::string>{"k"});
  REQUIRE(c.partition_columns.size() == 1);
  CHECK(c.partition_columns[0].name == "pt");
  CHECK(c.properties.at("transactional") == "true");
  CHECK(c.properties.at("write.bucket.num") == "1");
  CHECK_FALSE(c.lifecycle);
}

TEST_CASE("CREATE TABLE with comments, lifecycle, complex types, any clause order", "[odps][sql]") {
  auto c = Parse<CreateTable>(
      "create table `p`.`s`.orders (id bigint not null comment 'the id', "
      "amount decimal(18, 2) null, tags array<string>, m map<string,struct<a:int,b:string>>, "
      "primary key(id)) tblproperties('transactional'='true') comment 'orders' lifecycle 7 "
      "partitioned by (ds string comment 'day', hh bigint)");
  CHECK_FALSE(c.if_not_exists);
  CHECK(c.table.project == "p");
  CHECK(c.table.schema == "s");
  CHECK(c.table.table == "orders");
  CHECK(c.columns[0].comment == "the id");
  CHECK(c.columns[1].type == "decimal(18,2)");
  CHECK(c.columns[2].type == "array<string>");
  CHECK(c.columns[3].type == "map<string,struct<a:int,b:string>>");
  CHECK(c.comment == "orders");
  CHECK(c.lifecycle == 7);
  REQUIRE(c.partition_columns.size() == 2);
  CHECK(c.partition_columns[0].comment == "day");
}

TEST_CASE("CREATE TABLE as the Java SDK's TableCreator writes it", "[odps][sql]") {
  auto c = Parse<CreateTable>(
      "CREATE TABLE IF NOT EXISTS `p`.`t` (`id` BIGINT NOT NULL COMMENT 'x',`name` STRING, "
      "PRIMARY KEY(`id`)) TBLPROPERTIES('transactional'='true','write.bucket.num'='16');");
  CHECK(c.properties.size() == 2);
  CHECK(c.columns.size() == 2);
}

TEST_CASE("ALTER TABLE ADD / DROP PARTITION", "[odps][sql]") {
  // pyodps: two spaces before PARTITION, as written.
  auto a = Parse<AddPartition>("ALTER TABLE proj.`t` ADD IF NOT EXISTS  PARTITION (pt='a');");
  CHECK(a.if_not_exists);
  REQUIRE(a.partitions.size() == 1);
  CHECK(a.partitions[0][0].column == "pt");
  CHECK(a.partitions[0][0].value == "a");
  auto b = Parse<AddPartition>(
      "alter table t add partition (ds='20261201', hh=10) partition (ds='x', hh=-1)");
  CHECK_FALSE(b.if_not_exists);
  REQUIRE(b.partitions.size() == 2);
  CHECK(b.partitions[0][1].value == "10");
  CHECK(b.partitions[1][1].value == "-1");

  auto d = Parse<DropPartition>(
      "ALTER TABLE `p`.`t` DROP IF EXISTS PARTITION (pt='a'), "
      "PARTITION (pt='b')");
  CHECK(d.if_exists);
  CHECK(d.partitions.size() == 2);
}

TEST_CASE("DROP TABLE, TRUNCATE TABLE, COMPACT MAJOR", "[odps][sql]") {
  auto d = Parse<DropTable>("DROP TABLE IF EXISTS proj.`t`");
  CHECK(d.if_exists);
  CHECK(d.table.table == "t");
  CHECK_FALSE(Parse<DropTable>("drop table t;").if_exists);

  auto t = Parse<TruncateTable>("TRUNCATE TABLE t PARTITION (pt='a')");
  REQUIRE(t.partition);
  CHECK((*t.partition)[0].value == "a");
  CHECK_FALSE(Parse<TruncateTable>("truncate table t").partition);

  auto c = Parse<CompactTable>("ALTER TABLE t PARTITION (pt='b') COMPACT MAJOR");
  REQUIRE(c.partition);
  CHECK(c.table.table == "t");
  CHECK_FALSE(Parse<CompactTable>("alter table p.t compact major;").partition);
}

TEST_CASE("ALTER TABLE SET TBLPROPERTIES, LIFECYCLE, COMMENT", "[odps][sql]") {
  auto p = Parse<SetProperties>(
      "ALTER TABLE p.`t` SET TBLPROPERTIES ('compaction.major.commit-threshold' = '9', 'a' = "
      "'b');");
  CHECK(p.table.project == "p");
  CHECK(p.table.table == "t");
  CHECK(p.properties ==
        std::map<std::string, std::string>{{"compaction.major.commit-threshold", "9"}, {"a", "b"}});
  CHECK(Parse<SetProperties>("alter table t set lifecycle 30").properties ==
        std::map<std::string, std::string>{{"lifecycle", "30"}});
  CHECK(Parse<SetProperties>("ALTER TABLE t SET COMMENT 'it''s'").properties.at("comment") ==
        "it's");
  for (const char* bad :
       {"ALTER TABLE t SET", "ALTER TABLE t SET LIFECYCLE -1", "ALTER TABLE t SET LIFECYCLE 1.5",
        "ALTER TABLE t SET TBLPROPERTIES ()", "ALTER TABLE t SET TBLPROPERTIES ('a')",
        "ALTER TABLE t SET OWNER x", "ALTER TABLE t SET COMMENT 'a' extra"}) {
    INFO(bad);
    CHECK_FALSE(ParseStatement(bad).ok());
  }
}

TEST_CASE("SELECT * as pyodps reads a primary-key table", "[odps][sql]") {
  auto s = Parse<SelectAll>("SELECT * FROM proj.`t` WHERE pt='b' AND hh='10';");
  CHECK(s.table.project == "proj");
  REQUIRE(s.where.size() == 2);
  CHECK(s.where[1].column == "hh");
  CHECK(s.where[1].value == "10");
  CHECK(Parse<SelectAll>("select * from t").where.empty());
}

TEST_CASE("the Merge task's table name", "[odps][sql]") {
  auto m = ParseMergeTarget("t partition(pt='b')");
  REQUIRE(m.ok());
  CHECK(m->table.table == "t");
  REQUIRE(m->partition);
  CHECK((*m->partition)[0].value == "b");
  REQUIRE(ParseMergeTarget("proj.t").ok());
  CHECK_FALSE(ParseMergeTarget("t partition").ok());
  CHECK_FALSE(ParseMergeTarget("").ok());
}

TEST_CASE("statements outside the grammar are refused whole", "[odps][sql]") {
  const char* corpus[] = {
      "",
      ";",
      "SELECT 1",
      "SELECT a FROM t",
      "SELECT * FROM t LIMIT 10",
      "SELECT * FROM t WHERE a > 1",
      "SELECT * FROM t WHERE a = 1 OR b = 2",
      "SELECT * FROM t ORDER BY k",
      "SELECT * FROM t JOIN u",
      "select count(*) from t",
      "INSERT INTO t VALUES (1, 'a')",
      "INSERT OVERWRITE TABLE t SELECT * FROM u",
      "UPDATE t SET v = 1 WHERE k = 2",
      "DELETE FROM t WHERE k = 1",
      "MERGE INTO t USING u ON t.k = u.k",
      "CREATE TABLE t AS SELECT * FROM u",
      "CREATE TABLE t LIKE u",
      "CREATE VIEW v AS SELECT * FROM t",
      "CREATE TABLE t (k BIGINT DEFAULT 1, PRIMARY KEY (k))",
      "CREATE TABLE t (k BIGINT, PRIMARY KEY (k), PRIMARY KEY (k))",
      "CREATE TABLE t (k BIGINT) LIFECYCLE 0",
      "CREATE TABLE t (k BIGINT) LIFECYCLE x",
      "CREATE TABLE t (k BIGINT) TBLPROPERTIES ('a')",
      "CREATE TABLE t (k BIGINT",
      "CREATE TABLE t (k)",
      "CREATE TABLE (k BIGINT)",
      "CREATE TABLE t (k BIGINT) COMMENT 'a' COMMENT 'b'",
      "ALTER TABLE t ADD COLUMNS c STRING",
      "ALTER TABLE t ADD COLUMNS (c STRING",
      "ALTER TABLE t ADD COLUMNS (c STRING DEFAULT)",
      "ALTER TABLE t DROP COLUMNS c",
      "ALTER TABLE t CHANGE COLUMN a",
      "ALTER TABLE t CHANGE COLUMN a RENAME b",
      "ALTER TABLE t CHANGE COLUMN a COMMENT 'x'",
      "ALTER TABLE t RENAME TO u",
      "ALTER TABLE t COMPACT MINOR",
      "ALTER TABLE t COMPACT",
      "ALTER TABLE t ADD PARTITION pt='a'",
      "ALTER TABLE t ADD PARTITION (pt)",
      "ALTER TABLE t ADD PARTITION (pt='a'",
      "DROP VIEW v",
      "DROP TABLE",
      "DROP TABLE a.b.c.d",
      "TRUNCATE t",
      "SHOW TABLES",
      "DESC t",
      "SET odps.sql.allow.fullscan=true; SELECT * FROM t",
      "SELECT * FROM t; DROP TABLE t",
      "DROP TABLE t; DROP TABLE u",
      "SELECT * FROM t TIMESTAMP AS OF '2026-01-01'",
      "GRANT ALL ON TABLE t TO USER u",
  };
  for (const char* text : corpus) {
    auto s = ParseStatement(text);
    INFO(text);
    CHECK_FALSE(s.ok());
    if (!s.ok()) CHECK_FALSE(s.status().message().empty());
  }
}

TEST_CASE("refusals say what was expected where", "[odps][sql]") {
  auto s = ParseStatement("SELECT * FROM t LIMIT 10");
  REQUIRE_FALSE(s.ok());
  CHECK(s.status().message() == "expected the end of the statement at offset 16, found 'LIMIT'");
  auto c = ParseStatement("ALTER TABLE t DROP COLUMNS (c)");
  REQUIRE_FALSE(c.ok());
  CHECK(c.status().message().find("dropping columns is not supported") != std::string::npos);
  auto d = ParseStatement("CREATE TABLE t (k BIGINT DEFAULT 1, PRIMARY KEY (k))");
  REQUIRE_FALSE(d.ok());
  CHECK(d.status().message().find("only by ALTER TABLE ... ADD COLUMNS") != std::string::npos);
}

TEST_CASE("ALTER TABLE ADD COLUMNS, CHANGE COLUMN (schema evolution)", "[odps][sql]") {
  auto a = Parse<ChangeSchema>(
      "ALTER TABLE p.t ADD COLUMNS IF NOT EXISTS (note STRING COMMENT 'n', qty BIGINT DEFAULT -3, "
      "tag VARCHAR(8) DEFAULT 'x', ok BOOLEAN DEFAULT true, d DECIMAL(10,2) DEFAULT 1.5);");
  CHECK(a.table.project == "p");
  CHECK(a.if_not_exists);
  REQUIRE(a.add_columns.size() == 5);
  CHECK(a.add_columns[0].name == "note");
  CHECK(a.add_columns[0].comment == "n");
  CHECK_FALSE(a.add_columns[0].default_value);
  CHECK(a.add_columns[1].default_value == "-3");
  CHECK(a.add_columns[2].type == "VARCHAR(8)");
  CHECK(a.add_columns[2].default_value == "x");
  CHECK(a.add_columns[3].default_value == "true");
  CHECK(a.add_columns[4].default_value == "1.5");
  CHECK(Parse<ChangeSchema>("alter table t add if not exists columns (c int)").if_not_exists);
  CHECK_FALSE(Parse<ChangeSchema>("ALTER TABLE t ADD COLUMNS (c INT)").if_not_exists);

  auto r = Parse<ChangeSchema>("ALTER TABLE t CHANGE COLUMN old RENAME TO `new`");
  CHECK(r.column == "old");
  CHECK(r.new_name == "new");
  CHECK(r.new_type.empty());
  auto w = Parse<ChangeSchema>("ALTER TABLE t CHANGE qty qty BIGINT COMMENT 'c'");
  CHECK(w.column == "qty");
  CHECK(w.new_name == "qty");
  CHECK(w.new_type == "BIGINT");
  CHECK(w.comment == "c");
  auto both = Parse<ChangeSchema>("ALTER TABLE t CHANGE COLUMN s name VARCHAR(50)");
  CHECK(both.new_name == "name");
  CHECK(both.new_type == "VARCHAR(50)");
  CHECK_FALSE(both.comment);
}
