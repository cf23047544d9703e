// Schema evolution (Engine::AlterSchema): a change is a version of its own; reads at earlier
// versions keep their schema; rows written before it, by sessions opened before it (committed
// after), read the added columns' defaults and the widened types; compaction rewrites them in the
// schema of its version; refusals change nothing; everything survives a reopen.
#include "deltatunnel/proto/row_codec.h"
#include "test_util.h"

using namespace dt_test;

namespace {

using proto::TypeKind;
using proto::Value;

// k BIGINT key, i INT, f FLOAT, d DECIMAL(10,2), s VARCHAR(5)
TableDef WideTable(bool partitioned = false) {
  TableDef def;
  def.project = "p";
  def.name = "w";
  def.schema.columns = {{"k", TypeOf(TypeKind::kBigint), false, ""},
                        {"i", TypeOf(TypeKind::kInt), true, ""},
                        {"f", TypeOf(TypeKind::kFloat), true, ""},
                        {"d", TypeOf(TypeKind::kDecimal, 10, 2), true, ""},
                        {"s", TypeOf(TypeKind::kVarchar, 0, 0, 5), true, ""}};
  def.schema.primary_key = {0};
  if (partitioned) def.schema.partition_columns = {{"ds", TypeOf(TypeKind::kString), true, ""}};
  return def;
}

proto::Row Old(int64_t k, int64_t i, float f, const std::string& s) {
  return {Value(k), Value(i), Value(f), Value(std::string("1.50")), Value(s)};
}

// Appends rows built with `schema` (the session's) and answers the append's status.
Status AppendRows(Engine& e, const std::string& session, const TableInfo& info,
                  const proto::TableSchema& schema, const std::vector<proto::Row>& rows) {
  proto::RowBatch batch(schema, info.hasher, info.bucket_num);
  for (proto::Row r : rows) {
    Status st = proto::NormalizeRow(schema, false, &r);
    if (!st.ok()) return st;
    MustOk(batch.Add(std::move(r), proto::RowOp::kUpsert));
  }
  return e.Append(session, batch);
}

struct Read {
  std::map<int64_t, proto::Row> rows;
  std::vector<std::string> columns;
};

Read ScanAll(Engine& e, std::optional<uint64_t> version = std::nullopt) {
  ScanOptions o;
  o.project = "p";
  o.table = "w";
  o.at.version = version;
  auto it = Must(e.Scan(o));
  Read out;
  for (const auto& c : it->schema().columns) out.columns.push_back(c.name);
  for (; it->Valid(); it->Next()) out.rows[it->row()[0].as_int()] = it->row();
  MustOk(it->status());
  return out;
}

SchemaChange TheChange() {
  SchemaChange c;
  proto::Column x{"x", TypeOf(TypeKind::kString), true, "added"};
  x.default_value = Value(std::string("none"));
  c.add_columns.push_back(x);
  c.add_columns.push_back({"y", TypeOf(TypeKind::kBigint), true, ""});
  c.renames.push_back({"s", "name"});
  c.widenings.push_back({"i", TypeOf(TypeKind::kBigint)});
  c.widenings.push_back({"f", TypeOf(TypeKind::kDouble)});
  c.widenings.push_back({"d", TypeOf(TypeKind::kDecimal, 20, 2)});
  c.widenings.push_back({"name", TypeOf(TypeKind::kVarchar, 0, 0, 50)});
  return c;
}

// What a row written in the old schema reads as in the new one.
proto::Row Upgraded(int64_t k, int64_t i, float f, const std::string& s) {
  return {Value(k),
          Value(i),
          Value(static_cast<double>(f)),
          Value(std::string("1.50")),
          Value(s),
          Value(std::string("none")),
          Value()};
}

const std::vector<std::string> kNewColumns = {"k", "i", "f", "d", "name", "x", "y"};
const std::vector<std::string> kOldColumns = {"k", "i", "f", "d", "s"};

}  // namespace

TEST_CASE("schema: add, rename, widen as a version; old rows and old sessions read upgraded",
          "[storage][schema]") {
  TempDir dir;
  TestClock clock;
  auto e = Must(Engine::Open(Options(dir.path, clock)));
  const TableInfo created = Must(e->CreateTable(WideTable()));
  const proto::TableSchema old_schema = created.schema;

  auto s1 = Must(e->OpenSession(SessionOn("w")));
  MustOk(
      AppendRows(*e, s1.id, created, old_schema, {Old(1, 10, 0.5f, "a"), Old(2, 20, 1.25f, "b")}));
  Must(e->Commit(s1.id));
  // Opened before the change, written before and after it, committed after it.
  auto before = Must(e->OpenSession(SessionOn("w")));
  MustOk(AppendRows(*e, before.id, created, old_schema, {Old(3, 30, 2.5f, "c")}));

  const TableInfo altered = Must(e->AlterSchema("p", "w", TheChange()));
  CHECK(altered.version == 2);
  CHECK(altered.schema_id == 1);
  REQUIRE(altered.schema.columns.size() == 7);
  CHECK(altered.schema.columns[4].name == "name");
  CHECK(altered.schema.columns[4].type.ToString() == "VARCHAR(50)");
  CHECK(altered.schema.columns[5].default_value == Value(std::string("none")));
  CHECK(altered.schema.columns[5].comment == "added");
  auto versions = Must(e->Versions("p", "w", 10));
  REQUIRE(versions.size() == 2);
  CHECK(versions[0].operation == CommitOperation::kAlterSchema);
  CHECK(versions[0].version == 2);

  // The old session keeps its schema: old-width rows go in, new-width ones are refused.
  CHECK(*Must(e->GetSession(before.id)).schema == old_schema);
  MustOk(AppendRows(*e, before.id, created, old_schema, {Old(4, 40, 4.0f, "d")}));
  CHECK(AppendRows(*e, before.id, altered, altered.schema,
                   {{Value(int64_t{5}), Value(), Value(), Value(), Value(), Value(), Value()}})
            .code() == ErrorCode::kInvalidArgument);
  Must(e->Commit(before.id));  // version 3

  // A new session writes the new schema.
  auto after = Must(e->OpenSession(SessionOn("w")));
  CHECK(*after.schema == altered.schema);
  MustOk(AppendRows(
      *e, after.id, altered, altered.schema,
      {{Value(int64_t{6}), Value(int64_t{1} << 40), Value(0.1), Value(std::string("9.99")),
        Value(std::string("a-long-name")), Value(std::string("x6")), Value(int64_t{7})}}));
  Must(e->Commit(after.id));  // version 4

  auto check_latest = [&](Engine& engine) {
    Read now = ScanAll(engine);
    CHECK(now.columns == kNewColumns);
    REQUIRE(now.rows.size() == 5);
    CHECK(now.rows[1] == Upgraded(1, 10, 0.5f, "a"));
    CHECK(now.rows[2] == Upgraded(2, 20, 1.25f, "b"));
    CHECK(now.rows[3] == Upgraded(3, 30, 2.5f, "c"));
    CHECK(now.rows[4] == Upgraded(4, 40, 4.0f, "d"));
    CHECK(now.rows[6][5] == Value(std::string("x6")));
    CHECK(now.rows[6][1] == Value(int64_t{1} << 40));
    // Time travel keeps the schema of its version.
    Read v1 = ScanAll(engine, 1);
    CHECK(v1.columns == kOldColumns);
    REQUIRE(v1.rows.size() == 2);
    CHECK(v1.rows[1] == Old(1, 10, 0.5f, "a"));
    Read v2 = ScanAll(engine, 2);
    CHECK(v2.columns == kNewColumns);
    CHECK(v2.rows.size() == 2);
    CHECK(v2.rows[2] == Upgraded(2, 20, 1.25f, "b"));
    // Lookups and changes read in the schema of their version too.
    LookupOptions lo;
    lo.project = "p";
    lo.table = "w";
    lo.keys.push_back({Value(int64_t{3})});
    auto found = Must(engine.Lookup(lo));
    REQUIRE(found.rows.size() == 1);
    CHECK(found.rows[0] == Upgraded(3, 30, 2.5f, "c"));
    CHECK(found.schema->columns.size() == 7);
    lo.at.version = 1;
    lo.keys = {{Value(int64_t{1})}};
    auto old = Must(engine.Lookup(lo));
    REQUIRE(old.rows.size() == 1);
    CHECK(old.rows[0] == Old(1, 10, 0.5f, "a"));
    ChangesOptions co;
    co.project = "p";
    co.table = "w";
    co.from_version = 1;
    auto changes = Must(engine.Changes(co));
    CHECK(changes->schema().columns.size() == 7);
    std::map<int64_t, proto::Row> changed;
    for (; changes->Valid(); changes->Next()) changed[changes->row()[0].as_int()] = changes->row();
    MustOk(changes->status());
    CHECK(changed.size() == 3);  // 3, 4 (old session) and 6
    CHECK(changed[4] == Upgraded(4, 40, 4.0f, "d"));
  };
  check_latest(*e);

  // Across a reopen, with a session of the old schema still open.
  auto open_old = Must(e->OpenSession(SessionOn("w")));  // new schema now
  e.reset();
  e = Must(Engine::Open(Options(dir.path, clock)));
  check_latest(*e);
  CHECK(Must(e->DescribeTable("p", "w")).schema == altered.schema);
  CHECK(*Must(e->GetSession(open_old.id)).schema == altered.schema);

  // Compaction rewrites the old rows in the schema of its version; reads do not change.
  Must(e->Compact("p", "w", std::nullopt));
  e->WaitForCompactions();
  CHECK(Must(e->DescribeTable("p", "w")).commits_since_major == 0);
  check_latest(*e);
  e.reset();
  e = Must(Engine::Open(Options(dir.path, clock)));
  check_latest(*e);
}

TEST_CASE("schema: a session of the old schema, open across the change and a reopen",
          "[storage][schema]") {
  TempDir dir;
  TestClock clock;
  auto e = Must(Engine::Open(Options(dir.path, clock)));
  const TableInfo created = Must(e->CreateTable(WideTable(true)));
  auto s = Must(e->OpenSession(SessionOn("w", "ds=a")));
  MustOk(AppendRows(*e, s.id, created, created.schema, {Old(1, 1, 1.0f, "one")}));
  Must(e->AlterSchema("p", "w", TheChange()));
  e.reset();
  e = Must(Engine::Open(Options(dir.path, clock)));
  CHECK(*Must(e->GetSession(s.id)).schema == created.schema);
  MustOk(AppendRows(*e, s.id, created, created.schema, {Old(2, 2, 2.0f, "two")}));
  Must(e->Commit(s.id));
  Read now = ScanAll(*e);
  CHECK(now.rows.size() == 2);
  CHECK(now.rows[2] == Upgraded(2, 2, 2.0f, "two"));
}

TEST_CASE("schema: changes that would lose or misplace data are refused, and change nothing",
          "[storage][schema]") {
  TempDir dir;
  TestClock clock;
  auto e = Must(Engine::Open(Options(dir.path, clock)));
  const TableInfo created = Must(e->CreateTable(WideTable(true)));

  auto refused = [&](SchemaChange c, const std::string& says) {
    auto r = e->AlterSchema("p", "w", c);
    REQUIRE(!r.ok());
    CHECK(r.status().code() == ErrorCode::kInvalidArgument);
    INFO(r.status().message());
    CHECK(r.status().message().find(says) != std::string::npos);
  };
  auto widen = [](const std::string& column, proto::Type t) {
    SchemaChange c;
    c.widenings.push_back({column, std::move(t)});
    return c;
  };
  auto add = [](proto::Column col) {
    SchemaChange c;
    c.add_columns.push_back(std::move(col));
    return c;
  };
  auto rename = [](const std::string& from, const std::string& to) {
    SchemaChange c;
    c.renames.push_back({from, to});
    return c;
  };
  refused(SchemaChange{}, "no schema change");
  refused(widen("k", TypeOf(TypeKind::kDecimal, 38, 0)), "primary key");
  refused(widen("i", TypeOf(TypeKind::kSmallint)), "only widenings");
  refused(widen("i", TypeOf(TypeKind::kString)), "from INT to STRING");
  refused(widen("f", TypeOf(TypeKind::kDecimal, 10, 2)), "only widenings");
  refused(widen("d", TypeOf(TypeKind::kDecimal, 20, 3)), "DECIMAL(10,2) to DECIMAL(20,3)");
  refused(widen("d", TypeOf(TypeKind::kDecimal, 9, 2)), "only widenings");
  refused(widen("s", TypeOf(TypeKind::kVarchar, 0, 0, 4)), "only widenings");
  refused(widen("nope", TypeOf(TypeKind::kBigint)), "no such column");
  refused(widen("ds", TypeOf(TypeKind::kBigint)), "partition columns are fixed");
  refused(add({"z", TypeOf(TypeKind::kBigint), false, ""}), "must be nullable");
  refused(add({"I", TypeOf(TypeKind::kBigint), true, ""}), "duplicate column name");
  refused(add({"DS", TypeOf(TypeKind::kBigint), true, ""}), "duplicate column name");
  refused(add({"bad name", TypeOf(TypeKind::kBigint), true, ""}), "invalid column name");
  proto::Column bad_default{"z", TypeOf(TypeKind::kInt), true, ""};
  bad_default.default_value = Value(std::string("x"));
  refused(add(bad_default), "column 'z': default");
  refused(rename("s", "i"), "duplicate column name");
  refused(rename("ds", "day"), "partition columns are fixed");
  // A good part beside a bad one: none of it applied.
  SchemaChange mixed = add({"ok", TypeOf(TypeKind::kBigint), true, ""});
  mixed.widenings.push_back({"i", TypeOf(TypeKind::kTinyint)});
  refused(mixed, "only widenings");

  const TableInfo now = Must(e->DescribeTable("p", "w"));
  CHECK(now.schema == created.schema);
  CHECK(now.version == 0);
  CHECK(now.schema_id == 0);
  CHECK(e->AlterSchema("p", "nope", TheChange()).status().code() == ErrorCode::kNoSuchTable);

  // A key column may be renamed: keys are computed from its type, not its name.
  const TableInfo renamed = Must(e->AlterSchema("p", "w", rename("k", "id")));
  CHECK(renamed.schema.columns[0].name == "id");
  auto s = Must(e->OpenSession(SessionOn("w", "ds=a")));
  MustOk(AppendRows(*e, s.id, renamed, renamed.schema, {Old(7, 1, 1.0f, "x")}));
  Must(e->Commit(s.id));
  LookupOptions lo;
  lo.project = "p";
  lo.table = "w";
  lo.partition = "ds=a";
  lo.keys.push_back({Value(int64_t{7})});
  CHECK(Must(e->Lookup(lo)).rows.size() == 1);
}

TEST_CASE("schema: a partial upsert of an old session on a new key reads the defaults",
          "[storage][schema]") {
  TempDir dir;
  TestClock clock;
  auto e = Must(Engine::Open(Options(dir.path, clock)));
  const TableInfo created =
      Must(e->CreateTable(KvTable("t", false, {{"acid.partial.fields.update.enable", "true"}})));
  auto s = Must(e->OpenSession(SessionOn("t")));
  Batcher b(created);
  b.SetV(18, std::string("v550"));
  MustOk(e->Append(s.id, b.batch()));
  SchemaChange c;
  proto::Column x{"x", proto::Type{proto::TypeKind::kInt}, true, ""};
  x.default_value = Value(int64_t{78});
  c.add_columns.push_back(x);
  Must(e->AlterSchema("p", "t", c));
  Must(e->Commit(s.id));
  ScanOptions o;
  o.project = "p";
  o.table = "t";
  auto it = Must(e->Scan(o));
  REQUIRE(it->Valid());
  CHECK(it->row()[3] == Value(int64_t{78}));
}

TEST_CASE("schema: a compaction after a change rewrites the rows in the new schema",
          "[storage][schema]") {
  TempDir dir;
  TestClock clock;
  auto e = Must(Engine::Open(Options(dir.path, clock)));
  const TableInfo created = Must(e->CreateTable(KvTable("t")));
  auto s = Must(e->OpenSession(SessionOn("t")));
  Batcher b(created);
  for (int k = 0; k < 100; ++k) b.Upsert(k, "v");
  MustOk(e->Append(s.id, b.batch()));
  Must(e->Commit(s.id));
  Must(e->Compact("p", "t", std::nullopt));
  e->WaitForCompactions();
  REQUIRE(e->Compactions().front().output_rows == 100);

  // No commit since the last compaction, but its base is in the old schema: compacted again.
  SchemaChange c;
  proto::Column x{"x", proto::Type{proto::TypeKind::kInt}, true, ""};
  x.default_value = Value(int64_t{3});
  c.add_columns.push_back(x);
  Must(e->AlterSchema("p", "t", c));
  Must(e->Compact("p", "t", std::nullopt));
  e->WaitForCompactions();
  CHECK(e->Compactions().front().output_rows == 100);
  // Nothing left to rewrite: the next one does nothing.
  Must(e->Compact("p", "t", std::nullopt));
  e->WaitForCompactions();
  CHECK(e->Compactions().front().output_rows == 0);

  auto check = [&](Engine& engine) {
    ScanOptions o;
    o.project = "p";
    o.table = "t";
    auto it = Must(engine.Scan(o));
    size_t n = 0;
    for (; it->Valid(); it->Next(), ++n) CHECK(it->row()[3] == Value(int64_t{3}));
    CHECK(n == 100);
    o.at.version = 1;  // before the change: the old runs, the old schema
    auto old = Must(engine.Scan(o));
    CHECK(old->schema().columns.size() == 3);
    size_t m = 0;
    for (; old->Valid(); old->Next()) ++m;
    CHECK(m == 100);
  };
  check(*e);
  e.reset();
  e = Must(Engine::Open(Options(dir.path, clock)));
  check(*e);
}
