// The ODPS surface's XML: the strict job reader, escaping, CDATA (server/src/odps/xml.h), and the
// job extractor on top (server/src/odps/job.h).
#include <catch2/catch.hpp>

#include "odps/job.h"
#include "odps/xml.h"

using namespace deltatunnel::server::odps;

TEST_CASE("xml: elements, text, CDATA, entities, attributes, comments", "[odps][xml]") {
  auto doc = ParseXml(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- c --><A x='1' y=\"2\">"
      "<B>a &amp; b &lt;&#65;&#x42;&#233;</B><C><![CDATA[x < y ]]]]><![CDATA[> z]]></C><D/>"
      "</A>\n");
  REQUIRE(doc.ok());
  CHECK(doc->name == "A");
  REQUIRE(doc->children.size() == 3);
  CHECK(doc->ChildText("B") == "a & b <AB\xC3\xA9");
  CHECK(doc->ChildText("C") == "x < y ]]> z");
  CHECK(doc->Child("D") != nullptr);
  CHECK(doc->Child("E") == nullptr);
  CHECK(doc->ChildText("E").empty());
}

TEST_CASE("xml: malformed documents are refused", "[odps][xml]") {
  const char* corpus[] = {
      "",
      "text",
      "<A>",
      "<A></B>",
      "<A><B></A></B>",
      "<A>&unknown;</A>",
      "<A>&#0;</A>",
      "<A>&#xD800;</A>",
      "<A>&amp</A>",
      "<A x=1></A>",
      "<A x='1></A>",
      "<A><![CDATA[open</A>",
      "<A><!-- open</A>",
      "<A/><B/>",
      "<A/>trailing",
      "<A><!DOCTYPE x></A>",
      "<A>]]></A>",
      "<?xml version='1.0'",
      "< A/>",
  };
  for (const char* text : corpus) {
    INFO(text);
    CHECK_FALSE(ParseXml(text).ok());
  }
  std::string deep;
  for (int i = 0; i < kMaxXmlDepth + 1; ++i) deep += "<a>";
  for (int i = 0; i < kMaxXmlDepth + 1; ++i) deep += "</a>";
  CHECK_FALSE(ParseXml(deep).ok());
}

TEST_CASE("xml: escaping and CDATA round-trip through the reader", "[odps][xml]") {
  CHECK(XmlEscape("a<b>&\"'") == "a&lt;b&gt;&amp;&quot;&apos;");
  const std::string text = "a ]]> b ]]]]> c";
  auto doc = ParseXml("<A>" + XmlCData(text) + "</A>");
  REQUIRE(doc.ok());
  CHECK(doc->text == text);
  auto esc = ParseXml("<A>" + XmlEscape("<&>'\"") + "</A>");
  REQUIRE(esc.ok());
  CHECK(esc->text == "<&>'\"");
}

TEST_CASE("job: the SQL task pyodps submits", "[odps][xml]") {
  auto job = ParseJob(
      "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Instance><Job><Priority>9</Priority><Tasks>"
      "<SQL><Name>SQLCreateTableTask</Name><Config><Property><Name>settings</Name>"
      "<Value>{\"odps.sql.submit.mode\": \"\"}</Value></Property></Config>"
      "<Query><![CDATA[CREATE TABLE t (k BIGINT);]]></Query></SQL></Tasks>"
      "<DAG><RunMode>Sequence</RunMode></DAG></Job></Instance>");
  REQUIRE(job.ok());
  CHECK(job->kind == Job::Kind::kSql);
  CHECK(job->task_type == "SQL");
  CHECK(job->task_name == "SQLCreateTableTask");
  CHECK(job->query == "CREATE TABLE t (k BIGINT);");
  // ?source answers the job with root <Job>; it reads back the same.
  auto again = ParseJob(JobXml(*job));
  REQUIRE(again.ok());
  CHECK(again->query == job->query);
  CHECK(again->task_name == job->task_name);
}

TEST_CASE("job: the Merge task", "[odps][xml]") {
  auto job = ParseJob(
      "<Instance><Job><Tasks><Merge><Name>compact_task_1</Name><Config/>"
      "<TableName>t partition(pt='b')</TableName></Merge></Tasks></Job></Instance>");
  REQUIRE(job.ok());
  CHECK(job->kind == Job::Kind::kMerge);
  CHECK(job->target == "t partition(pt='b')");
  auto again = ParseJob(JobXml(*job));
  REQUIRE(again.ok());
  CHECK(again->target == job->target);
}

TEST_CASE("job: documents that are not a one-task SQL or Merge job are refused", "[odps][xml]") {
  const char* corpus[] = {
      "<Instance/>",
      "<Other><Job/></Other>",
      "<Instance><Job/></Instance>",
      "<Instance><Job><Tasks/></Job></Instance>",
      "<Instance><Job><Tasks><SQL><Name>a</Name></SQL></Tasks></Job></Instance>",
      "<Instance><Job><Tasks><Merge><Name>a</Name></Merge></Tasks></Job></Instance>",
      "<Instance><Job><Tasks><SQLCost><Query>x</Query></SQLCost></Tasks></Job></Instance>",
      "<Instance><Job><Tasks><SQL><Query>a</Query></SQL><SQL><Query>b</Query></SQL></Tasks>"
      "</Job></Instance>",
      "<Instance><Job><Tasks><SQL><Query>a</Query></SQL></Tasks></Job>",
  };
  for (const char* text : corpus) {
    INFO(text);
    CHECK_FALSE(ParseJob(text).ok());
  }
}
