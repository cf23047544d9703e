// The Java SDK's and the Flink CDC MaxCompute sink's request sequences, replayed in order with the
// fields those clients read (../shared/design/odps-control-plane.md B1-B6, C2): neither client
// can run here, so each step holds the server to what the client's source parses.
#include <ctime>

#include <nlohmann/json.hpp>

#include "api_fixture.h"

using namespace deltatunnel::testing;
using nlohmann::json;

namespace {

std::string Between(const std::string& s, const std::string& open, const std::string& close) {
  size_t a = s.find(open);
  if (a == std::string::npos) return "";
  a += open.size();
  size_t b = s.find(close, a);
  return b == std::string::npos ? "" : s.substr(a, b - a);
}

std::string CData(const std::string& s, const std::string& element) {
  std::string text = Between(s, "<" + element + ">", "</" + element + ">");
  if (text.rfind("<![CDATA[", 0) == 0) text = text.substr(9, text.size() - 12);
  return text;
}

// DateUtils.parseRfc822Date in the Java SDK: "EEE, dd MMM yyyy HH:mm:ss z".
bool IsRfc1123(const std::string& text) {
  std::tm tm{};
  const char* end = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return end != nullptr && *end == '\0';
}

// SQLTask.run + waitForSuccess: POST, then the status poll and the task status.
void RunSqlTask(HttpClient& c, const std::string& query) {
  const std::string job =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Instance><Job><Name>SQL</Name>"
      "<Priority>9</Priority><Tasks><SQL><Name>AnonymousSQLTask</Name><Config><Property>"
      "<Name>settings</Name><Value>{\"odps.sql.type.system.odps2\":\"true\","
      "\"odps.sql.decimal.odps2\":\"true\"}</Value></Property></Config><Query><![CDATA[" +
      query + "]]></Query></SQL></Tasks></Job></Instance>";
  auto post = c.Send("POST", "/api/projects/shop/instances?curr_project=shop", job,
                     {{"Content-Type", "application/xml"}});
  INFO(query << " -> " << post.body);
  REQUIRE(post.status == 201);
  const std::string location = post.headers.at("location");
  const std::string id = location.substr(location.rfind('/') + 1);
  // Instance.getStatus: the start-time header is required, the body's Status matched in upper case.
  auto status = c.Get("/api/projects/shop/instances/" + id + "?curr_project=shop");
  REQUIRE(status.status == 200);
  REQUIRE(status.headers.count("x-odps-start-time") == 1);
  CHECK(IsRfc1123(status.headers.at("x-odps-start-time")));
  CHECK(IsRfc1123(status.headers.at("x-odps-end-time")));
  CHECK(Between(status.body, "<Status>", "</Status>") == "Terminated");
  auto tasks = c.Get("/api/projects/shop/instances/" + id + "?taskstatus&curr_project=shop");
  CHECK(Between(Between(tasks.body, "<Task Type=\"SQL\">", "</Task>"), "<Status>", "</Status>") ==
        "Success");
}

}  // namespace

TEST_CASE("replay: the Flink CDC MaxCompute sink's start, table creation and session", "[odps]") {
  ServerProcess server;
  auto c = server.Client();
  // C2.1 MaxComputeUtils: the project's odps.schema.model.enabled, a hard requirement.
  auto project = c.Get("/api/projects/shop?curr_project=shop");
  REQUIRE(project.status == 200);
  CHECK(Between(project.body, "<Name>odps.schema.model.enabled</Name><Value>", "</Value>") ==
        "false");
  // C2.2 Tables.exists: the project probe, then the table: 404 is "no".
  CHECK(c.Get("/api/projects/shop/tables/orders?curr_project=shop").status == 404);
  // C2.4 TableCreator...transactionTable().withBucketNum(16).withPrimaryKeys(...).debug().create()
  RunSqlTask(c,
             "CREATE TABLE IF NOT EXISTS `shop`.`orders` (`id` BIGINT NOT NULL COMMENT 'key',"
             "`name` STRING,`amount` DECIMAL(18,2),`ts` TIMESTAMP,`ds` STRING,PRIMARY KEY(`id`)) "
             "TBLPROPERTIES('transactional'='true','write.bucket.num'='16');");
  // B6 LogView.generateLogView: a non-empty 2xx text skips the token call.
  auto console = c.Get("/api/webconsole/host");
  CHECK(console.status == 200);
  CHECK_FALSE(console.body.empty());
  // C2.3 getSchema + getPrimaryKey, C2.6 isTransactional: ?extended.
  auto table = c.Get("/api/projects/shop/tables/orders?extended&curr_project=shop");
  REQUIRE(table.status == 200);
  json schema = json::parse(CData(table.body, "Schema"));
  std::vector<std::string> names;
  for (const json& col : schema["columns"]) names.push_back(col["name"]);
  CHECK(names == std::vector<std::string>{"id", "name", "amount", "ts", "ds"});
  CHECK(schema["columns"][2]["type"] == "DECIMAL(18,2)");
  CHECK(schema["columns"][3]["type"] == "TIMESTAMP");
  // Table.java:1590: Reserved.getAsString(), then Transactional, PrimaryKey, retain hours.
  REQUIRE(schema["Reserved"].is_string());
  json reserved = json::parse(schema["Reserved"].get<std::string>());
  CHECK(reserved["Transactional"] == "true");
  CHECK(reserved["PrimaryKey"] == json::array({"id"}));
  CHECK(std::stoi(reserved["acid.data.retain.hours"].get<std::string>()) == 24);
  json properties = json::parse(schema["tableProperties"].get<std::string>());
  CHECK(properties["write.bucket.num"] == "16");
  // C2.7 buildUpsertSession(p, t).build(): the upserts resource, under the same /api endpoint.
  auto session = c.Send("POST", "/api/projects/shop/tables/orders/upserts?slotnum=1");
  INFO(session.body);
  REQUIRE(session.status == 200);
  CHECK(session.Json()["slots"].size() == 1);
}

TEST_CASE("replay: the Java SDK's discovery, partitions and table reload", "[odps]") {
  ServerProcess server;
  auto c = server.Client();
  RunSqlTask(c,
             "CREATE TABLE IF NOT EXISTS `shop`.`events` (`id` BIGINT NOT NULL, `v` STRING, "
             "PRIMARY KEY(`id`)) PARTITIONED BY (`ds` STRING, `hh` BIGINT) "
             "TBLPROPERTIES('transactional'='true');");
  // B1 Configuration.getEndpoint: scheme of the ODPS endpoint + "://" + the body.
  auto service = c.Get("/api/projects/shop/tunnel?service&curr_project=shop");
  REQUIRE(service.status == 200);
  CHECK(service.body.find("://") == std::string::npos);
  CHECK(service.body.find('/') == std::string::npos);
  CHECK(service.body.rfind(':') != std::string::npos);
  // B3 Project.reload: headers in RFC 1123 and a <Properties> element.
  auto project = c.Get("/api/projects/shop");
  CHECK(IsRfc1123(project.headers.at("x-odps-creation-time")));
  CHECK(IsRfc1123(project.headers.at("last-modified")));
  CHECK(project.body.find("<Properties>") != std::string::npos);
  // B3 Table.hasPartition: 404 is "no"; then createPartition through SQL.
  const std::string spec = "ds%3D%2720261206%27%2Chh%3D%2710%27";
  CHECK(c.Get("/api/projects/shop/tables/events?partition=" + spec).status == 404);
  RunSqlTask(c, "ALTER TABLE `shop`.`events` ADD IF NOT EXISTS PARTITION (ds='20261206',hh='10');");
  // Partition.reload: <Schema> must hold a JSON object.
  auto partition = c.Get("/api/projects/shop/tables/events?partition=" + spec);
  REQUIRE(partition.status == 200);
  json meta = json::parse(CData(partition.body, "Schema"));
  REQUIRE(meta.is_object());
  CHECK(meta["createTime"].is_number_integer());
  CHECK(meta["partitionRecordNum"] == 0);
  // getPartitions: <Column Name= Value=/> per partition column, CreationTime in epoch seconds.
  auto list = c.Get("/api/projects/shop/tables/events?partitions&expectmarker=true");
  CHECK(list.body.find(
            "<Column Name=\"ds\" Value=\"20261206\"/><Column Name=\"hh\" Value=\"10\"/>") !=
        std::string::npos);
  const std::string created = Between(list.body, "<CreationTime>", "</CreationTime>");
  CHECK(std::stoll(created) > 1700000000);
  CHECK(std::stoll(created) < 4000000000);
  // A Merge task after the commit, as the 2023 Flink sink sends one per partition (C3).
  auto merge = c.Send("POST", "/api/projects/shop/instances",
                      "<Instance><Job><Tasks><Merge><Name>merge_task_for_events</Name><Config>"
                      "<Property><Name>settings</Name><Value>{\"odps.merge.txn.table.compact\":"
                      "\"major_compact\"}</Value></Property></Config><TableName>events "
                      "partition(ds='20261206',hh='10')</TableName></Merge></Tasks></Job>"
                      "</Instance>",
                      {{"Content-Type", "application/xml"}});
  CHECK(merge.status == 201);
}
