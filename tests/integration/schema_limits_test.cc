// Schema limits (issue 24, finding 5): at most 1,200 columns, checked in linear time.
#include <chrono>

#include "api_fixture.h"

using namespace deltatunnel::testing;

namespace {

std::string WideTable(const std::string& name, size_t columns) {
  std::string cols = R"({"name": "k", "type": "BIGINT"})";
  for (size_t i = 1; i < columns; ++i)
    cols += fmt::format(R"(, {{"name": "c{}", "type": "STRING"}})", i);
  return fmt::format(R"({{"name": "{}", "columns": [{}], "primary_key": ["k"]}})", name, cols);
}

}  // namespace

TEST_CASE("a table has at most 1,200 columns", "[overload]") {
  ServerProcess server;
  auto c = server.Client();
  const std::string tables = "/api/v1/projects/p/tables";
  auto start = std::chrono::steady_clock::now();
  auto wide = c.Send("POST", tables, WideTable("too_wide", 1201));
  INFO(wide.body);
  CHECK(wide.status == 400);
  CHECK(wide.Json()["Code"] == "InvalidArgument");
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  CHECK(c.Get(tables + "/too_wide").status == 404);

  auto ok = c.Send("POST", tables, WideTable("widest", 1200));
  INFO(ok.body);
  CHECK(ok.status == 201);

  // 100 k columns: refused at once, not after a quadratic name check.
  start = std::chrono::steady_clock::now();
  auto huge = c.Send("POST", tables, WideTable("huge", 100'000));
  CHECK(huge.status == 400);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));

  auto long_name = c.Send(
      "POST", tables,
      fmt::format(
          R"({{"name": "t", "columns": [{{"name": "{}", "type": "BIGINT"}}], "primary_key": ["{}"]}})",
          std::string(129, 'a'), std::string(129, 'a')));
  CHECK(long_name.status == 400);
}
