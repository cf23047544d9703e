// The ODPS REST surface (server/src/odps/) through real HTTP against the real binary: every route
// bare and under /api, the XML shapes the clients read, SQL and Merge instances, and signatures
// over the path after the /api prefix (../shared/design/odps-control-plane.md sections 2, 3, 7).
#include <nlohmann/json.hpp>

#include "api_fixture.h"
#include "deltatunnel/proto/odps_signature.h"

using namespace deltatunnel::testing;
using nlohmann::json;

namespace {

// The content of the first <name> or <name attr...> element (CDATA unwrapped), or "".
std::string Element(const std::string& xml, const std::string& name) {
  size_t start = 0;
  while (true) {
    start = xml.find("<" + name, start);
    if (start == std::string::npos) return "";
    const char next = xml[start + name.size() + 1];
    if (next == '>' || next == ' ') break;
    ++start;
  }
  start = xml.find('>', start) + 1;
  size_t end = xml.find("</" + name + ">", start);
  if (end == std::string::npos) return "";
  std::string text = xml.substr(start, end - start);
  if (text.rfind("<![CDATA[", 0) == 0) text = text.substr(9, text.size() - 12);
  return text;
}

std::string SqlJob(const std::string& query, const std::string& name = "AnonymousSQLTask") {
  return "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Instance><Job><Priority>9</Priority>"
         "<Tasks><SQL><Name>" +
         name +
         "</Name><Config><Property><Name>settings</Name><Value>{}</Value></Property>"
         "</Config><Query><![CDATA[" +
         query + "]]></Query></SQL></Tasks><DAG><RunMode>Sequence</RunMode></DAG></Job></Instance>";
}

const HttpHeaders kXml = {{"Content-Type", "application/xml"}};

// Submits `query`; answers the instance id (REQUIREs the 201).
std::string Submit(HttpClient& c, const std::string& prefix, const std::string& query) {
  auto r =
      c.Send("POST", prefix + "/projects/shop/instances?curr_project=shop", SqlJob(query), kXml);
  INFO(query << " -> " << r.status << " " << r.body);
  REQUIRE(r.status == 201);
  CHECK(r.body.empty());
  const std::string& location = r.headers.at("location");
  CHECK(location.rfind(prefix + "/projects/shop/instances/", 0) == 0);
  return location.substr(location.rfind('/') + 1);
}

std::string TaskStatus(HttpClient& c, const std::string& id) {
  auto r = c.Get("/projects/shop/instances/" + id + "?taskstatus");
  REQUIRE(r.status == 200);
  return Element(Element(r.body, "Task"), "Status");
}

// Submits and REQUIREs the task to succeed.
void Run(HttpClient& c, const std::string& query, const std::string& prefix = "") {
  const std::string id = Submit(c, prefix, query);
  INFO(query);
  REQUIRE(TaskStatus(c, id) == "Success");
}

const char* kCreate =
    "CREATE TABLE IF NOT EXISTS shop.`orders` (\n  `id` BIGINT NOT NULL,\n  `note` STRING,\n"
    "  PRIMARY KEY (`id`)\n)\nPARTITIONED BY (\n  `ds` STRING\n)\nTBLPROPERTIES (\n"
    "  'transactional' = 'true',\n  'write.bucket.num' = '2'\n);";

}  // namespace

TEST_CASE("odps: project, probes and endpoint discovery, bare and under /api", "[odps]") {
  ServerProcess server;
  auto c = server.Client();
  for (const std::string prefix : {"", "/api"}) {
    auto p = c.Get(prefix + "/projects/shop?curr_project=shop");
    INFO(prefix << " " << p.body);
    REQUIRE(p.status == 200);
    CHECK(Element(p.body, "Name") == "shop");
    CHECK(Element(p.body, "Type") == "managed");
    CHECK(p.body.find("<Properties><Property><Name>odps.schema.model.enabled</Name><Value>false"
                      "</Value></Property>") != std::string::npos);
    CHECK(p.headers.count("x-odps-owner") == 1);
    CHECK(p.headers.at("x-odps-creation-time").find(" GMT") != std::string::npos);
    CHECK(p.headers.at("last-modified").find(" GMT") != std::string::npos);
    CHECK(c.Get(prefix + "/projects/shop?properties=all").status == 200);

    auto service = c.Get(prefix + "/projects/shop/tunnel?service&quotaName=default");
    REQUIRE(service.status == 200);
    CHECK(service.body == "127.0.0.1:" + std::to_string(server.port()));

    auto tenants = c.Get(prefix + "/tenants");
    REQUIRE(tenants.status == 200);
    CHECK(tenants.Json()["Tenant"]["Parameters"]["odps.namespace.schema"] == "false");
    auto console = c.Get(prefix + "/webconsole/host");
    CHECK(console.status == 200);
    CHECK_FALSE(console.body.empty());
    CHECK(c.Get(prefix + "/logview/host").status == 200);
  }
  auto bad = c.Get("/projects/no-such!");
  CHECK(bad.status == 404);
  CHECK(Element(bad.body, "Code") == "NoSuchProject");
  // The native API keeps its own paths.
  auto native = c.Get("/api/v1/projects/shop/tables");  // no tables yet: NoSuchProject, in JSON
  CHECK(native.status == 404);
  CHECK(native.Json()["Code"] == "NoSuchProject");
}

TEST_CASE("odps: CREATE TABLE through SQL, then table metadata and the table list", "[odps]") {
  ServerProcess server;
  auto c = server.Client();
  auto missing = c.Get("/api/projects/shop/tables/orders?extended");
  CHECK(missing.status == 404);
  CHECK(Element(missing.body, "Code") == "NoSuchTable");
  CHECK_FALSE(Element(missing.body, "RequestId").empty());

  const std::string id = Submit(c, "/api", kCreate);
  auto inst = c.Get("/api/projects/shop/instances/" + id);
  REQUIRE(inst.status == 200);
  CHECK(Element(inst.body, "Status") == "Terminated");
  CHECK(inst.headers.at("x-odps-start-time").find(" GMT") != std::string::npos);
  CHECK(inst.headers.count("x-odps-end-time") == 1);
  auto task = c.Get("/projects/shop/instances/" + id + "?taskstatus");
  CHECK(task.body.find("<Task Type=\"SQL\"><Name>AnonymousSQLTask</Name>") != std::string::npos);
  CHECK(TaskStatus(c, id) == "Success");
  auto source = c.Get("/projects/shop/instances/" + id + "?source");
  CHECK(source.body.find("<Job>") != std::string::npos);
  CHECK(source.body.find("<Instance>") == std::string::npos);
  // IF NOT EXISTS: a second create succeeds and changes nothing.
  Run(c, kCreate);

  for (const std::string query : {"", "?extended"}) {
    auto t = c.Get("/projects/shop/tables/orders" + query);
    INFO(t.body);
    REQUIRE(t.status == 200);
    CHECK(Element(t.body, "Name") == "orders");
    json schema = json::parse(Element(t.body, "Schema"));
    CHECK(schema["columns"][0]["name"] == "id");
    CHECK(schema["columns"][0]["isNullable"] == false);
    CHECK(schema["partitionKeys"][0]["name"] == "ds");
    REQUIRE(schema["Reserved"].is_string());
    json reserved = json::parse(schema["Reserved"].get<std::string>());
    CHECK(reserved["Transactional"] == "true");
    CHECK(reserved["PrimaryKey"] == json::array({"id"}));
    json props = json::parse(schema["tableProperties"].get<std::string>());
    CHECK(props["write.bucket.num"] == "2");
  }
  // The native API sees the same table.
  auto native = c.Get("/api/v1/projects/shop/tables/orders");
  REQUIRE(native.status == 200);
  CHECK(native.Json()["properties"]["write.bucket.num"] == "2");

  Run(c,
      "CREATE TABLE shop.items (k STRING NOT NULL, PRIMARY KEY (k)) "
      "TBLPROPERTIES ('transactional'='true') LIFECYCLE 3");
  auto list = c.Get("/api/projects/shop/tables?expectmarker=true&curr_project=shop");
  REQUIRE(list.status == 200);
  CHECK(list.body.find("<Table><Name>items</Name>") < list.body.find("<Table><Name>orders</Name>"));
  auto page = c.Get("/projects/shop/tables?expectmarker=true&maxitems=1");
  CHECK(Element(page.body, "Marker") == "items");
  auto next = c.Get("/projects/shop/tables?expectmarker=true&maxitems=1&marker=items");
  CHECK(next.body.find("<Name>orders</Name>") != std::string::npos);
  CHECK(Element(next.body, "Marker").empty());
  CHECK(c.Get("/projects/shop/tables?name=ite").body.find("orders") == std::string::npos);
  auto items = c.Get("/projects/shop/tables/items");
  CHECK(json::parse(Element(items.body, "Schema"))["lifecycle"] == 3);

  // A duplicate create without IF NOT EXISTS fails the task (nothing changes).
  const std::string dup = Submit(c, "",
                                 "CREATE TABLE items (k STRING, PRIMARY KEY (k)) "
                                 "TBLPROPERTIES ('transactional'='true')");
  CHECK(TaskStatus(c, dup) == "Failed");
  auto result = c.Get("/projects/shop/instances/" + dup + "?result");
  CHECK(Element(Element(result.body, "Task"), "Result").find("TableAlreadyExists") !=
        std::string::npos);
}

TEST_CASE("odps: partitions: ADD through SQL, lookup, list, commits make them too", "[odps]") {
  ServerProcess server;
  auto c = server.Client();
  Run(c, kCreate);
  auto absent = c.Get("/projects/shop/tables/orders?partition=ds='a'");
  CHECK(absent.status == 404);
  CHECK(Element(absent.body, "Code") == "NoSuchPartition");

  Run(c, "ALTER TABLE shop.`orders` ADD IF NOT EXISTS  PARTITION (ds='a');");
  Run(c, "ALTER TABLE shop.`orders` ADD IF NOT EXISTS  PARTITION (ds='a');");
  Run(c, "alter table orders add partition (ds='b') partition (ds='c')", "/api");
  const std::string again = Submit(c, "", "ALTER TABLE orders ADD PARTITION (ds='a')");
  CHECK(TaskStatus(c, again) == "Failed");

  for (const std::string spec : {"ds='a'", "ds=a"}) {
    auto p = c.Get("/api/projects/shop/tables/orders?partition=" + spec);
    INFO(p.body);
    REQUIRE(p.status == 200);
    CHECK(p.body.find("<Column Name=\"ds\" Value=\"a\"/>") != std::string::npos);
    json meta = json::parse(Element(p.body, "Schema"));
    CHECK(meta.contains("lastModifiedTime"));
  }
  auto list = c.Get("/projects/shop/tables/orders?partitions&expectmarker=true");
  REQUIRE(list.status == 200);
  CHECK(list.body.find("Value=\"a\"") < list.body.find("Value=\"b\""));
  CHECK(list.body.find("Value=\"c\"") != std::string::npos);
  CHECK(list.body.find("<CreationTime>") != std::string::npos);
  CHECK(Element(list.body, "Marker").empty());
  auto one = c.Get("/projects/shop/tables/orders?partitions&partition=ds='b'");
  CHECK(one.body.find("Value=\"a\"") == std::string::npos);
  CHECK(one.body.find("Value=\"b\"") != std::string::npos);
  auto paged = c.Get("/projects/shop/tables/orders?partitions&maxitems=2");
  CHECK(Element(paged.body, "Marker") == "ds=b");

  // A bad spec in a multi-partition ADD makes none of them.
  auto bad = c.Send("POST", "/projects/shop/instances",
                    SqlJob("ALTER TABLE orders ADD PARTITION (ds='d') PARTITION (nope='x')"), kXml);
  CHECK(bad.status == 400);
  CHECK(c.Get("/projects/shop/tables/orders?partition=ds='d'").status == 404);
}

TEST_CASE("odps: DROP PARTITION and TRUNCATE through SQL, as pyodps sends them", "[odps]") {
  ServerProcess server;
  auto c = server.Client();
  Run(c, kCreate);
  auto load = [&](const std::string& ds, const std::string& rows) {
    auto r = c.Send("POST", "/api/v1/projects/shop/tables/orders/load?partition=ds=" + ds, rows,
                    {{"Content-Type", "application/x-ndjson"}});
    REQUIRE(r.status == 200);
    return json::parse(r.body)["version"].get<uint64_t>();
  };
  auto rows_of = [&](const std::string& ds, uint64_t version) {
    auto r = c.Get("/api/v1/projects/shop/tables/orders/data?format=json&partition=ds=" + ds +
                   "&version=" + std::to_string(version));
    REQUIRE(r.status == 200);
    return json::parse(r.body).size();
  };
  load("a", "{\"id\": 1}\n{\"id\": 2}\n");
  load("b", "{\"id\": 1}\n");
  const uint64_t before = load("c", "{\"id\": 3}\n");

  // pyodps's delete_partition and truncate (models/table.py), bare and under /api.
  Run(c, "ALTER TABLE shop.`orders` DROP IF EXISTS PARTITION (ds='a')");
  CHECK(c.Get("/projects/shop/tables/orders?partition=ds='a'").status == 404);
  CHECK(c.Get("/projects/shop/tables/orders?partition=ds='b'").status == 200);
  Run(c, "TRUNCATE TABLE shop.`orders` partition(ds='b')", "/api");
  CHECK(c.Get("/projects/shop/tables/orders?partition=ds='b'").status == 200);  // still there
  CHECK(rows_of("b", before + 2) == 0);
  CHECK(rows_of("a", before) == 2);  // time travel to before the drop
  CHECK(rows_of("b", before) == 1);
  auto versions = json::parse(c.Get("/api/v1/projects/shop/tables/orders/versions").body);
  CHECK(versions["versions"][0]["operation"] == "truncate");
  CHECK(versions["versions"][0]["partition"] == "ds=b");
  CHECK(versions["versions"][1]["operation"] == "drop_partition");
  CHECK(versions["versions"][2]["operation"] == "commit");

  // Dropping what is not there: IF EXISTS succeeds; without it the task fails, nothing changes.
  Run(c, "ALTER TABLE orders DROP IF EXISTS PARTITION (ds='a')");
  const std::string missing = Submit(c, "", "ALTER TABLE orders DROP PARTITION (ds='a')");
  CHECK(TaskStatus(c, missing) == "Failed");
  auto bad = c.Send("POST", "/projects/shop/instances",
                    SqlJob("ALTER TABLE orders DROP PARTITION (nope='x')"), kXml);
  CHECK(bad.status == 400);
  // Several partitions in one statement: one atomic step. A whole-table truncate: every partition.
  load("a", "{\"id\": 5}\n");
  Run(c, "ALTER TABLE orders DROP PARTITION (ds='a'), PARTITION (ds='c')");
  auto parts = json::parse(c.Get("/api/v1/projects/shop/tables/orders/partitions").body);
  REQUIRE(parts["partitions"].size() == 1);
  CHECK(parts["partitions"][0]["partition"] == "ds=b");
  load("b", "{\"id\": 9}\n");
  Run(c, "truncate table orders");
  auto desc = json::parse(c.Get("/api/v1/projects/shop/tables/orders").body);
  CHECK(desc["rows"] == 0);
  CHECK(desc["partitions"] == 1);
}

TEST_CASE("odps: statements not run here are refused at once with ODPS-0130161", "[odps]") {
  ServerProcess server;
  auto c = server.Client();
  Run(c, kCreate);
  const char* refused[] = {
      "INSERT INTO orders VALUES (1, 'a')",
      "SELECT id FROM orders",
      "SELECT * FROM orders WHERE id = 1",
      "ALTER TABLE orders DROP COLUMNS (amount)",
      "CREATE TABLE plain (k BIGINT)",
      "CREATE TABLE nontx (k BIGINT, PRIMARY KEY (k))",
      "CREATE TABLE other.t (k BIGINT, PRIMARY KEY (k)) TBLPROPERTIES ('transactional'='true')",
      "CREATE TABLE badtype (k BIGGINT, PRIMARY KEY (k)) TBLPROPERTIES ('transactional'='true')",
      "CREATE TABLE badbuckets (k BIGINT, PRIMARY KEY (k)) "
      "TBLPROPERTIES ('transactional'='true', 'write.bucket.num'='0')",
  };
  for (const char* query : refused) {
    auto r = c.Send("POST", "/api/projects/shop/instances", SqlJob(query), kXml);
    INFO(query << " -> " << r.body);
    CHECK(r.status == 400);
    CHECK(Element(r.body, "Code") == "ODPS-0130161");
    CHECK(Element(r.body, "Message").find("native API") != std::string::npos);
  }
  // Nothing was half-applied.
  for (const char* t : {"plain", "nontx", "badtype", "badbuckets"}) {
    CHECK(c.Get(std::string("/projects/shop/tables/") + t).status == 404);
  }
  auto malformed = c.Send("POST", "/projects/shop/instances", "<Instance><Job>", kXml);
  CHECK(malformed.status == 400);
  CHECK(Element(malformed.body, "Code") == "InvalidArgument");
  auto unknown = c.Get("/projects/shop/instances/nope");
  CHECK(unknown.status == 404);
}

TEST_CASE("odps: SELECT * through an instance, its CSV ?result at its version", "[odps]") {
  ServerProcess server;
  auto c = server.Client();
  Run(c, kCreate);
  auto load = c.Send("POST", "/api/v1/projects/shop/tables/orders/load?partition=ds%3Da",
                     "{\"id\":1,\"note\":\"x,y\"}\n{\"id\":2}\n",
                     {{"Content-Type", "application/x-ndjson"}});
  INFO(load.body);
  REQUIRE(load.status == 200);
  const std::string id = Submit(c, "/api", "SELECT * FROM shop.`orders` WHERE ds='a';");
  CHECK(TaskStatus(c, id) == "Success");
  // A later commit is not in the instance's result: it read one version.
  REQUIRE(c.Send("POST", "/api/v1/projects/shop/tables/orders/load?partition=ds%3Da",
                 "{\"id\":3}\n", {{"Content-Type", "application/x-ndjson"}})
              .status == 200);
  auto result = c.Get("/api/projects/shop/instances/" + id + "?result");
  REQUIRE(result.status == 200);
  CHECK(result.body.find("Format=\"csv\"") != std::string::npos);
  const std::string descriptor = Element(Element(result.body, "Task"), "ResultDescriptor");
  INFO(descriptor);
  REQUIRE_FALSE(descriptor.empty());
  json desc = json::parse(descriptor);
  CHECK(desc["IsSelect"] == true);
  CHECK(desc["SelectResultStatus"] == "FULL");
  CHECK(desc["Schema"]["Columns"][0] == json({{"Name", "id"}, {"Type", "BIGINT"}}));
  CHECK(desc["Schema"]["Columns"][2]["Name"] == "ds");
  const size_t cdata = result.body.find("<![CDATA[");
  REQUIRE(cdata != std::string::npos);
  const std::string csv = result.body.substr(cdata + 9);
  INFO(csv);
  // The header, then the rows in the engine's scan order (by key hash): both, and not id 3.
  CHECK(csv.rfind("\"id\",\"note\",\"ds\"\n", 0) == 0);
  CHECK(csv.find("\n1,\"x,y\",a\n") != std::string::npos);
  CHECK(csv.find("\n2,\\N,a\n") != std::string::npos);
  CHECK(csv.find("\n3,") == std::string::npos);

  // pyodps head(): the first rows as CSV, straight from the table.
  auto head = c.Get("/api/projects/shop/tables/orders?data&linenum=10&partition=ds%3D%27a%27");
  REQUIRE(head.status == 200);
  CHECK(head.body.rfind("\"id\",\"note\",\"ds\"\n", 0) == 0);
  CHECK(std::count(head.body.begin(), head.body.end(), '\n') == 4);  // header + 3 rows
  auto cols = c.Get("/projects/shop/tables/orders?data&linenum=1&cols=ds,id");
  REQUIRE(cols.status == 200);
  CHECK(cols.body.rfind("\"ds\",\"id\"\na,", 0) == 0);
  CHECK(std::count(cols.body.begin(), cols.body.end(), '\n') == 2);
  CHECK(c.Get("/projects/shop/tables/orders?data&linenum=0").status == 400);
  CHECK(c.Get("/projects/shop/tables/orders?data&linenum=1&cols=nope").status == 400);

  auto all = Submit(c, "", "select * from orders");
  auto all_result = c.Get("/projects/shop/instances/" + all + "?result");
  CHECK(all_result.body.find("3,\\N,a") != std::string::npos);
  // The instance tunnel: the SELECT's snapshot as a download session (pyodps reads through it).
  auto tunnel = c.Send("POST", "/projects/shop/instances/" + all + "?downloads");
  INFO(tunnel.body);
  REQUIRE(tunnel.status == 200);
  auto session = nlohmann::json::parse(tunnel.body);
  CHECK(session["RecordCount"] == 3);
  CHECK(session["Status"] == "normal");
  // An instance with no SELECT result (this one failed) has nothing to download.
  const std::string failed = Submit(c, "", "SELECT * FROM no_such_table");
  auto none = c.Send("POST", "/projects/shop/instances/" + failed + "?downloads");
  CHECK(none.status == 400);

  auto missing = Submit(c, "", "SELECT * FROM nope");
  CHECK(TaskStatus(c, missing) == "Failed");
  auto why = c.Get("/projects/shop/instances/" + missing + "?result");
  CHECK(why.body.find("ODPS-0130131") != std::string::npos);
}

TEST_CASE("odps: compaction through SQL and the Merge task; DROP TABLE", "[odps]") {
  ServerProcess server;
  auto c = server.Client();
  Run(c, kCreate);
  Run(c, "ALTER TABLE orders ADD PARTITION (ds='a')");
  Run(c, "ALTER TABLE orders PARTITION (ds='a') COMPACT MAJOR");
  auto merge = c.Send("POST", "/api/projects/shop/instances",
                      "<Instance><Job><Tasks><Merge><Name>merge_task_for_orders</Name>"
                      "<Config><Property><Name>settings</Name><Value>{}</Value></Property>"
                      "</Config><TableName>orders partition(ds='a')</TableName></Merge></Tasks>"
                      "</Job></Instance>",
                      kXml);
  REQUIRE(merge.status == 201);
  const std::string merge_id =
      merge.headers.at("location").substr(merge.headers.at("location").rfind('/') + 1);
  auto task = c.Get("/projects/shop/instances/" + merge_id + "?taskstatus");
  CHECK(task.body.find("<Task Type=\"Merge\"><Name>merge_task_for_orders</Name>") !=
        std::string::npos);
  CHECK(TaskStatus(c, merge_id) == "Success");
  auto compactions = c.Get("/api/v1/compactions");
  REQUIRE(compactions.status == 200);
  CHECK(compactions.body.find("orders") != std::string::npos);

  Run(c, "DROP TABLE IF EXISTS shop.`orders`");
  CHECK(c.Get("/projects/shop/tables/orders").status == 404);
  Run(c, "DROP TABLE IF EXISTS shop.`orders`");
  const std::string gone = Submit(c, "", "DROP TABLE orders");
  CHECK(TaskStatus(c, gone) == "Failed");
}

TEST_CASE("odps: signatures are over the path after /api; upserts served under /api", "[odps]") {
  ServerOptions options;
  options.config_toml = R"([auth]
enabled = true
access_keys = [ { id = "ak1", secret = "s3cret", projects = ["shop"] } ]
)";
  ServerProcess server(options);
  auto c = server.Client();
  auto sign = [](const std::string& method, const std::string& signed_path,
                 const std::vector<std::pair<std::string, std::string>>& query) {
    deltatunnel::proto::SignatureInput in;
    in.method = method;
    in.path = signed_path;
    in.query = query;
    in.headers = {{"date", HttpDate()}, {"content-type", "application/xml"}};
    return HttpHeaders{
        {"Date", in.headers["date"]},
        {"Content-Type", "application/xml"},
        {"Authorization", deltatunnel::proto::OdpsAuthorization("ak1", "s3cret", in)}};
  };
  CHECK(c.Get("/api/projects/shop").status == 401);
  // Signed over /projects/shop, sent to /api/projects/shop: the client's endpoint ends in /api.
  CHECK(c.Send("GET", "/api/projects/shop", "", sign("GET", "/projects/shop", {})).status == 200);
  CHECK(c.Send("GET", "/projects/shop", "", sign("GET", "/projects/shop", {})).status == 200);
  // Signed over the whole path is not what clients do, and does not match.
  CHECK(c.Send("GET", "/api/projects/shop", "", sign("GET", "/api/projects/shop", {})).status ==
        401);
  // Rights are per project.
  CHECK(c.Send("GET", "/api/projects/other", "", sign("GET", "/projects/other", {})).status == 403);

  auto created = c.Send("POST", "/api/projects/shop/instances", SqlJob(kCreate),
                        sign("POST", "/projects/shop/instances", {}));
  INFO(created.body);
  REQUIRE(created.status == 201);
  const std::string upserts = "/projects/shop/tables/orders/upserts";
  auto session = c.Send("POST", "/api" + upserts + "?partition=ds%3Da", "",
                        sign("POST", upserts, {{"partition", "ds=a"}}));
  INFO(session.body);
  CHECK(session.status == 200);
}

TEST_CASE("odps: ALTER TABLE SET TBLPROPERTIES, LIFECYCLE and COMMENT", "[odps]") {
  ServerProcess server;
  auto c = server.Client();
  Run(c, kCreate);
  Run(c,
      "ALTER TABLE shop.`orders` SET TBLPROPERTIES ('compaction.major.commit-threshold' = '9', "
      "'owner.team' = 'web')");
  Run(c, "alter table orders set lifecycle 30", "/api");
  Run(c, "ALTER TABLE orders SET COMMENT 'web orders'");
  auto desc = json::parse(c.Get("/api/v1/projects/shop/tables/orders").body);
  CHECK(desc["properties"]["compaction.major.commit-threshold"] == "9");
  CHECK(desc["properties"]["owner.team"] == "web");
  CHECK(desc["properties"]["lifecycle"] == "30");
  CHECK(desc["properties"]["comment"] == "web orders");
  // The table metadata the SDKs read shows them (Table.getLife, getComment).
  auto meta = c.Get("/projects/shop/tables/orders");
  REQUIRE(meta.status == 200);
  CHECK(meta.body.find("\"lifecycle\":30") != std::string::npos);
  CHECK(meta.body.find("\"comment\":\"web orders\"") != std::string::npos);

  // Refused at once, nothing applied: a property fixed at creation, a value out of range.
  for (const char* sql : {"ALTER TABLE orders SET TBLPROPERTIES ('transactional' = 'false')",
                          "ALTER TABLE orders SET TBLPROPERTIES ('acid.data.retain.hours' = '500', "
                          "'comment' = 'no')",
                          "ALTER TABLE orders SET LIFECYCLE 0", "ALTER TABLE orders SET OWNER x"}) {
    INFO(sql);
    auto r = c.Send("POST", "/projects/shop/instances", SqlJob(sql), kXml);
    CHECK(r.status == 400);
  }
  desc = json::parse(c.Get("/api/v1/projects/shop/tables/orders").body);
  CHECK(desc["properties"]["comment"] == "web orders");
  CHECK(desc["properties"]["acid.data.retain.hours"] == "24");
}
