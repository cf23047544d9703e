// Table and partition metadata documents (server/src/odps/table_xml.h) and the signed path
// (server/src/odps/routes.h), held to the shapes the SDKs read.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "odps/routes.h"
#include "odps/table_xml.h"
#include "odps/xml.h"

using namespace deltatunnel;
using namespace deltatunnel::server::odps;

namespace {

storage::TableInfo Orders() {
  storage::TableInfo t;
  t.project = "shop";
  t.name = "orders";
  t.schema.columns = {{"id", *proto::Type::Parse("BIGINT"), false, "the id"},
                      {"amount", *proto::Type::Parse("decimal(18,2)"), true, ""}};
  t.schema.primary_key = {0};
  t.schema.partition_columns = {{"ds", *proto::Type::Parse("STRING"), true, ""},
                                {"hh", *proto::Type::Parse("BIGINT"), true, ""}};
  t.properties = {{"transactional", "true"}, {"write.bucket.num", "16"}, {"lifecycle", "7"}};
  t.retain_hours = 24;
  t.created_at_ms = 1764000000123;
  return t;
}

}  // namespace

TEST_CASE("table XML: schema JSON with Reserved and tableProperties as strings", "[odps][xml]") {
  auto doc = ParseXml(TableXml(Orders(), 1764000100000));
  REQUIRE(doc.ok());
  CHECK(doc->name == "Table");
  CHECK(doc->ChildText("Name") == "orders");
  CHECK(doc->ChildText("Project") == "shop");
  CHECK(doc->ChildText("Type") == "MANAGED_TABLE");
  CHECK_FALSE(doc->ChildText("TableId").empty());
  // No XML CreationTime: pyodps would parse it as RFC 1123.
  CHECK(doc->Child("CreationTime") == nullptr);
  auto schema = nlohmann::json::parse(doc->ChildText("Schema"));
  CHECK(schema["tableName"] == "orders");
  CHECK(schema["createTime"] == 1764000000);
  CHECK(schema["lastModifiedTime"] == 1764000100);
  CHECK(schema["lifecycle"] == 7);
  REQUIRE(schema["columns"].size() == 2);
  CHECK(schema["columns"][0] ==
        nlohmann::json(
            {{"name", "id"}, {"type", "BIGINT"}, {"comment", "the id"}, {"isNullable", false}}));
  CHECK(schema["columns"][1]["type"] == "DECIMAL(18,2)");
  REQUIRE(schema["partitionKeys"].size() == 2);
  CHECK(schema["partitionKeys"][1]["type"] == "BIGINT");
  REQUIRE(schema["Reserved"].is_string());
  auto reserved = nlohmann::json::parse(schema["Reserved"].get<std::string>());
  CHECK(reserved["Transactional"] == "true");
  CHECK(reserved["PrimaryKey"] == nlohmann::json::array({"id"}));
  CHECK(reserved["acid.data.retain.hours"] == "24");
  REQUIRE(schema["tableProperties"].is_string());
  auto props = nlohmann::json::parse(schema["tableProperties"].get<std::string>());
  CHECK(props["write.bucket.num"] == "16");
}

TEST_CASE("table XML: names and comments are escaped", "[odps][xml]") {
  storage::TableInfo t = Orders();
  t.schema.columns[0].comment = "a ]]> b <c> & 'd'";
  auto doc = ParseXml(TableXml(t, 0));
  REQUIRE(doc.ok());
  auto schema = nlohmann::json::parse(doc->ChildText("Schema"));
  CHECK(schema["columns"][0]["comment"] == "a ]]> b <c> & 'd'");
}

TEST_CASE("partition XML: columns in schema order, meta JSON, list paging marker", "[odps][xml]") {
  storage::PartitionInfo p{"ds=20261201,hh=10", 5, 100, 3, 1};
  auto one = ParseXml(PartitionXml(Orders(), p, 1764000200000));
  REQUIRE(one.ok());
  REQUIRE(one->children.size() == 3);
  CHECK(one->children[0].name == "Column");
  auto meta = nlohmann::json::parse(one->ChildText("Schema"));
  CHECK(meta["lastModifiedTime"] == 1764000200);
  CHECK(meta["partitionRecordNum"] == 5);
  const std::string text = PartitionXml(Orders(), p, 0);
  CHECK(text.find("<Column Name=\"ds\" Value=\"20261201\"/><Column Name=\"hh\" Value=\"10\"/>") !=
        std::string::npos);

  auto list = ParseXml(PartitionListXml(Orders(), {p, p}, {1000, 2000}, "next"));
  REQUIRE(list.ok());
  CHECK(list->name == "Partitions");
  CHECK(list->children.size() == 3);
  CHECK(list->children[1].ChildText("CreationTime") == "2");
  CHECK(list->ChildText("Marker") == "next");

  auto tables = ParseXml(TableListXml({Orders()}, ""));
  REQUIRE(tables.ok());
  CHECK(tables->Child("Table")->ChildText("Name") == "orders");
  CHECK(tables->ChildText("Marker").empty());
}

TEST_CASE("signed path: the /api prefix is stripped from ODPS paths only", "[odps]") {
  CHECK(SignedPath("/api/projects/p/tables/t") == "/projects/p/tables/t");
  CHECK(SignedPath("/api/projects") == "/projects");
  CHECK(SignedPath("/api/tenants") == "/tenants");
  CHECK(SignedPath("/api/logview/host") == "/logview/host");
  CHECK(SignedPath("/api/webconsole/host") == "/webconsole/host");
  CHECK(SignedPath("/projects/p/tables/t/upserts") == "/projects/p/tables/t/upserts");
  CHECK(SignedPath("/api/v1/projects/p/tables") == "/api/v1/projects/p/tables");
  CHECK(SignedPath("/api/projectsx") == "/api/projectsx");
  CHECK(SignedPath("/apix/projects/p") == "/apix/projects/p");
}
