#include "deltatunnel/server/url.h"

#include <catch2/catch.hpp>

using namespace deltatunnel::server;

TEST_CASE("percent-decoding", "[url]") {
  CHECK(*PercentDecode("a%20b%2Fc", false) == "a b/c");
  CHECK(*PercentDecode("%e4%B8%AD", false) == "\xE4\xB8\xAD");
  CHECK(*PercentDecode("a+b", false) == "a+b");
  CHECK(*PercentDecode("a+b", true) == "a b");
  CHECK(*PercentDecode("", true).operator->() == "");
  CHECK_FALSE(PercentDecode("50%", false).ok());
  CHECK_FALSE(PercentDecode("%4", false).ok());
  CHECK_FALSE(PercentDecode("%zz", false).ok());
}

TEST_CASE("query strings", "[url]") {
  auto q = ParseQuery("upsertid=abc&partition=ds%3D1%2Chh%3D2&x=a+b&flag&&empty=");
  REQUIRE(q.ok());
  using P = std::pair<std::string, std::string>;
  CHECK(*q == std::vector<P>{{"upsertid", "abc"},
                             {"partition", "ds=1,hh=2"},
                             {"x", "a b"},
                             {"flag", ""},
                             {"empty", ""}});
  CHECK(ParseQuery("")->empty());
  CHECK_FALSE(ParseQuery("a=%G0").ok());
}

TEST_CASE("targets split at the first '?'", "[url]") {
  CHECK(SplitTarget("/a/b?x=1?y") ==
        std::pair<std::string_view, std::string_view>("/a/b", "x=1?y"));
  CHECK(SplitTarget("/a") == std::pair<std::string_view, std::string_view>("/a", ""));
}
