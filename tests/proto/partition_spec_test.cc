#include "deltatunnel/proto/partition_spec.h"

#include <catch2/catch.hpp>

#include "test_values.h"

using namespace deltatunnel;
using namespace deltatunnel::proto;
using deltatunnel::proto::testing::T;

namespace {

TableSchema Partitioned() {
  TableSchema s;
  s.columns = {{"k", T("BIGINT"), false, ""}};
  s.primary_key = {0};
  s.partition_columns = {
      {"Ds", T("STRING"), true, ""}, {"hh", T("BIGINT"), true, ""}, {"day", T("DATE"), true, ""}};
  return s;
}

std::string Refusal(const TableSchema& s, std::string_view spec) {
  Result<PartitionSpec> r = ParsePartitionSpec(s, spec);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == ErrorCode::kInvalidArgument);
  return r.status().message();
}

}  // namespace

TEST_CASE("specs parse in any order and case into the canonical form", "[partition_spec]") {
  const TableSchema s = Partitioned();
  Result<PartitionSpec> p = ParsePartitionSpec(s, "HH=07, day='2026-11-25',ds=\"20261125\"");
  INFO(p.status().ToString());
  REQUIRE(p.ok());
  CHECK(p->canonical == "Ds=20261125,hh=7,day=2026-11-25");
  REQUIRE(p->values.size() == 3);
  CHECK(p->values[0] == Value("20261125"));
  CHECK(p->values[1] == Value(int64_t{7}));
  CHECK(p->values[2] == Value(int64_t{20782}));
  Result<PartitionSpec> q = ParsePartitionSpec(s, "ds=20261125,hh=7,day=2026-11-25");
  REQUIRE(q.ok());
  CHECK(*q == *p);
  CHECK(ParsePartitionSpec(s, "ds=a,hh=-3,day=0001-01-01")->canonical ==
        "Ds=a,hh=-3,day=0001-01-01");
}

TEST_CASE("a non-partitioned table takes only the empty spec", "[partition_spec]") {
  TableSchema s = Partitioned();
  s.partition_columns.clear();
  Result<PartitionSpec> p = ParsePartitionSpec(s, "");
  REQUIRE(p.ok());
  CHECK(p->canonical.empty());
  CHECK(p->values.empty());
  CHECK(Refusal(s, "ds=1").find("not partitioned") != std::string::npos);
}

TEST_CASE("bad specs are refused naming the column", "[partition_spec]") {
  const TableSchema s = Partitioned();
  CHECK(Refusal(s, "").find("a partition is required") != std::string::npos);
  CHECK(Refusal(s, "ds=1,hh=1").find("'day' is missing") != std::string::npos);
  CHECK(Refusal(s, "ds=1,hh=1,day=2026-01-01,DS=2").find("'Ds' is given twice") !=
        std::string::npos);
  CHECK(Refusal(s, "ds=1,hh=1,day=2026-01-01,x=2").find("unknown partition column 'x'") !=
        std::string::npos);
  CHECK(Refusal(s, "ds=1,hh=x,day=2026-01-01").find("'hh'") != std::string::npos);
  CHECK(Refusal(s, "ds=1,hh=99999999999999999999,day=2026-01-01").find("'hh'") !=
        std::string::npos);
  CHECK(Refusal(s, "ds=1,hh=1,day=2026-02-30").find("'day'") != std::string::npos);
  CHECK(Refusal(s, "ds=1,hh=1,day=20260101").find("'day'") != std::string::npos);
  CHECK(Refusal(s, "ds=,hh=1,day=2026-01-01").find("empty") != std::string::npos);
  CHECK(Refusal(s, "ds='',hh=1,day=2026-01-01").find("empty") != std::string::npos);
  CHECK(Refusal(s, "ds=a=b,hh=1,day=2026-01-01").find("'Ds'") != std::string::npos);
  CHECK(Refusal(s, "ds,hh=1,day=2026-01-01").find("not name=value") != std::string::npos);
  CHECK(Refusal(s, "ds=1,,hh=1,day=2026-01-01").find("not name=value") != std::string::npos);
}
