// The Tunnel upsert surface (wire-format.md): a session's life as the SDK clients drive it, with
// record streams placed in their buckets by the table's hasher, as the clients do.
#include <catch2/catch.hpp>

#include <map>

#include "deltatunnel/proto/bucket_hash.h"
#include "deltatunnel/proto/record_stream.h"
#include "suite.h"

using namespace deltatunnel::external;
namespace proto = deltatunnel::proto;
using nlohmann::json;
using proto::Row;
using proto::RowOp;
using proto::Value;

namespace {

constexpr uint32_t kBuckets = 4;

std::string KvTableJson(const std::string& name) {
  return fmt::format(
      R"({{"name": "{}", "columns": [{{"name": "k", "type": "BIGINT"}}, {{"name": "s", "type": "STRING"}}],
          "primary_key": ["k"], "properties": {{"write.bucket.num": "{}"}}}})",
      name, kBuckets);
}

proto::TableSchema KvSchema() {
  proto::TableSchema schema;
  schema.columns = {{"k", proto::Type{proto::TypeKind::kBigint}, false, ""},
                    {"s", proto::Type{proto::TypeKind::kString}, true, ""}};
  schema.primary_key = {0};
  return schema;
}

struct Bucket {
  std::string stream;
  size_t records = 0;
};

// Upserts of k = 0..count-1 (s = prefix + k), one record stream per bucket of the default hasher.
std::map<uint32_t, Bucket> UpsertStreams(int count, const std::string& prefix) {
  const auto schema = KvSchema();
  std::map<uint32_t, std::vector<Row>> rows;
  for (int k = 0; k < count; ++k) {
    Row row = {Value(int64_t{k}), Value(prefix + std::to_string(k))};
    uint32_t b = proto::BucketOf(proto::Hasher::kDefault, schema, row, kBuckets);
    rows[b].push_back(std::move(row));
  }
  std::map<uint32_t, Bucket> out;
  for (auto& [bucket, bucket_rows] : rows) {
    proto::RecordStreamWriter writer(schema);
    for (Row& row : bucket_rows) REQUIRE(writer.Write(std::move(row), RowOp::kUpsert).ok());
    out[bucket].records = writer.records();
    out[bucket].stream = writer.Finish();
  }
  return out;
}

class Session {
 public:
  Session(Api& api, const std::string& table)
      : api_(api), path_("/projects/" + Suite().project + "/tables/" + table + "/upserts") {}

  HttpResponse Create(int slots) {
    auto r = api_.Send("POST", path_, {{"slotnum", std::to_string(slots)}});
    if (r.status == 200) json_ = r.Json();
    return r;
  }
  const json& created() const { return json_; }
  std::string id() const { return json_["id"]; }

  // The slot that holds `bucket`, as the clients look it up.
  std::string SlotOf(uint32_t bucket) const {
    for (const json& slot : json_["slots"]) {
      for (const json& b : slot["buckets"]) {
        if (b == bucket) return slot["slot_id"];
      }
    }
    return "0";
  }

  HttpResponse Put(uint32_t bucket, const Bucket& b) {
    return api_.Send("PUT", path_,
                     {{"upsertid", id()},
                      {"bucketid", std::to_string(bucket)},
                      {"slotid", SlotOf(bucket)},
                      {"record_count", std::to_string(b.records)}},
                     b.stream);
  }
  HttpResponse Reload() { return api_.Get(path_, {{"upsertid", id()}}); }
  HttpResponse Commit() { return api_.Send("POST", path_, {{"upsertid", id()}}); }
  HttpResponse Abort() { return api_.Send("DELETE", path_, {{"upsertid", id()}}); }

 private:
  Api& api_;
  std::string path_;
  json json_;
};

std::vector<json> ReadAll(Api& api, const std::string& table) {
  auto r = api.Get(TablePath(table) + "/data");
  INFO(r.body);
  REQUIRE(r.status == 200);
  return NdjsonRows(r.body);
}

}  // namespace

TEST_CASE("an upsert session: buckets, commit, reload, repeated commit, late write", "[tunnel]") {
  Api api;
  const std::string table = UniqueName("kv");
  ScopedTable guard(api, table);
  auto created = api.Send("POST", TablesPath(), {}, KvTableJson(table));
  INFO(created.body);
  REQUIRE(created.status == 201);

  Session session(api, table);
  auto opened = session.Create(2);
  INFO(opened.body);
  REQUIRE(opened.status == 200);
  const json& s = session.created();
  CHECK(s["status"] == "normal");
  CHECK(s["hasher"] == "default");
  CHECK(s["hash_key"] == json::array({"k"}));
  CHECK(s["slots"].size() == 2);

  auto buckets = UpsertStreams(100, "v");
  REQUIRE(buckets.size() == kBuckets);
  for (const auto& [bucket, b] : buckets) {
    INFO("bucket " << bucket);
    auto put = session.Put(bucket, b);
    INFO(put.body);
    CHECK(put.status == 200);
  }
  CHECK(ReadAll(api, table).empty());  // nothing visible before the commit

  auto reloaded = session.Reload();
  REQUIRE(reloaded.status == 200);
  CHECK(reloaded.Json()["id"] == session.id());
  CHECK(reloaded.Json()["status"] == "normal");

  auto commit = session.Commit();
  INFO(commit.body);
  REQUIRE(commit.status == 200);
  CHECK(commit.Json()["status"] == "committed");
  auto rows = ReadAll(api, table);
  CHECK(rows.size() == 100);

  // Clients re-POST the commit while polling: harmless, nothing applied twice.
  auto again = session.Commit();
  REQUIRE(again.status == 200);
  CHECK(again.Json()["status"] == "committed");
  auto versions = api.Get(TablePath(table) + "/versions");
  REQUIRE(versions.status == 200);
  CHECK(versions.Json()["versions"].size() == 1);
  CHECK(ReadAll(api, table).size() == 100);

  auto late = session.Put(buckets.begin()->first, buckets.begin()->second);
  CHECK(late.status == 409);
  CHECK(ErrorCode(late) == "StatusConflict");
}

TEST_CASE("a second session replaces rows by key; an aborted one leaves nothing", "[tunnel]") {
  Api api;
  const std::string table = UniqueName("kv2");
  ScopedTable guard(api, table);
  REQUIRE(api.Send("POST", TablesPath(), {}, KvTableJson(table)).status == 201);

  Session first(api, table);
  REQUIRE(first.Create(1).status == 200);
  for (const auto& [bucket, b] : UpsertStreams(20, "old")) {
    REQUIRE(first.Put(bucket, b).status == 200);
  }
  REQUIRE(first.Commit().status == 200);

  Session aborted(api, table);
  REQUIRE(aborted.Create(1).status == 200);
  for (const auto& [bucket, b] : UpsertStreams(30, "aborted")) {
    REQUIRE(aborted.Put(bucket, b).status == 200);
  }
  auto abort = aborted.Abort();
  REQUIRE(abort.status == 200);
  CHECK(abort.Json()["status"] == "aborted");
  CHECK(aborted.Commit().status == 409);

  Session second(api, table);
  REQUIRE(second.Create(4).status == 200);
  for (const auto& [bucket, b] : UpsertStreams(10, "new")) {
    REQUIRE(second.Put(bucket, b).status == 200);
  }
  REQUIRE(second.Commit().status == 200);

  auto rows = ReadAll(api, table);
  REQUIRE(rows.size() == 20);
  for (const json& row : rows) {
    const int64_t k = row["k"];
    CHECK(row["s"] == (k < 10 ? "new" : "old") + std::to_string(k));
  }
}
