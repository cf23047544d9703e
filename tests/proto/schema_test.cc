#include "deltatunnel/proto/schema.h"

#include <catch2/catch.hpp>

using namespace deltatunnel;
using namespace deltatunnel::proto;

namespace {

Column Col(std::string name, std::string_view type, bool nullable = true) {
  return {std::move(name), Type::Parse(type).value(), nullable, ""};
}

TableSchema Orders() {
  TableSchema s;
  s.columns = {Col("id", "BIGINT", false), Col("Amount", "DECIMAL(18,2)"), Col("note", "STRING")};
  s.primary_key = {0};
  s.partition_columns = {Col("ds", "STRING"), Col("hh", "BIGINT"), Col("d", "DATE")};
  return s;
}

void RequireRefused(const TableSchema& s, std::string_view fragment) {
  Status st = s.Validate();
  INFO(st.ToString());
  REQUIRE(st.code() == ErrorCode::kInvalidArgument);
  CHECK(st.message().find(fragment) != std::string::npos);
}

}  // namespace

TEST_CASE("names", "[schema]") {
  CHECK(IsValidName("a"));
  CHECK(IsValidName("_"));
  CHECK(IsValidName("Orders_2026"));
  CHECK(IsValidName(std::string(128, 'x')));
  CHECK_FALSE(IsValidName(std::string(129, 'x')));
  CHECK_FALSE(IsValidName(""));
  CHECK_FALSE(IsValidName("1a"));
  CHECK_FALSE(IsValidName("a-b"));
  CHECK_FALSE(IsValidName("a b"));
  CHECK_FALSE(IsValidName("é"));
  CHECK(NamesEqual("Amount", "aMOUNT"));
  CHECK_FALSE(NamesEqual("amount", "amounts"));
  CHECK_FALSE(NamesEqual("a_", "a-"));
}

TEST_CASE("a valid schema validates; lookups ignore case", "[schema]") {
  const TableSchema s = Orders();
  CHECK(s.Validate().ok());
  CHECK(s.FindColumn("AMOUNT") == 1);
  CHECK(s.FindColumn("missing") == -1);
  CHECK(s.FindColumn("ds") == -1);
  CHECK(s.FindPartitionColumn("HH") == 1);
  CHECK(s.FindPartitionColumn("id") == -1);
  CHECK(s.IsKeyColumn(0));
  CHECK_FALSE(s.IsKeyColumn(1));
}

TEST_CASE("invalid schemas are refused with the reason", "[schema]") {
  TableSchema s = Orders();
  s.columns.clear();
  RequireRefused(s, "at least one");

  s = Orders();
  s.columns[2].name = "bad name";
  RequireRefused(s, "invalid column name 'bad name'");

  s = Orders();
  s.columns[2].name = "AMOUNT";
  RequireRefused(s, "duplicate column name 'AMOUNT'");

  s = Orders();
  s.partition_columns[0].name = "NOTE";
  RequireRefused(s, "duplicate column name 'NOTE'");

  s = Orders();
  s.partition_columns[0] = Col("ds", "DOUBLE");
  RequireRefused(s, "STRING, BIGINT or DATE");

  s = Orders();
  s.primary_key.clear();
  RequireRefused(s, "primary key is required");

  s = Orders();
  s.primary_key = {7};
  RequireRefused(s, "does not exist");

  s = Orders();
  s.primary_key = {0, 0};
  RequireRefused(s, "twice");

  s = Orders();
  s.primary_key = {2};
  RequireRefused(s, "must be NOT NULL");

  s = Orders();
  s.columns.push_back(Col("tags", "ARRAY<STRING>", false));
  s.primary_key = {0, 3};
  RequireRefused(s, "scalar");
}
