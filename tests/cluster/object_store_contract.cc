#include "object_store_contract.h"

#include <catch2/catch.hpp>

namespace dt_test {

using namespace deltatunnel;
using namespace deltatunnel::storage::cluster;

namespace {

template <typename T>
T Must(Result<T> r) {
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  return std::move(r).value();
}

void MustOk(const Status& s) {
  INFO(s.ToString());
  REQUIRE(s.ok());
}

std::string Bytes(size_t n, uint64_t seed) {
  std::string out(n, '\0');
  for (size_t i = 0; i < n; ++i) {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    out[i] = static_cast<char>(seed >> 56);
  }
  return out;
}

}  // namespace

void CheckObjectStoreContract(ObjectStore& objects) {
  SECTION("an object reads back whole, by range and by its tail") {
    const std::string data = Bytes(300000, 1);
    MustOk(objects.Put("runs/0000000000000001", data));
    CHECK(Must(objects.Read("runs/0000000000000001", 0, data.size())) == data);
    CHECK(Must(objects.Read("runs/0000000000000001", 1000, 5000)) == data.substr(1000, 5000));
    // Past the end: what is there, then nothing.
    CHECK(Must(objects.Read("runs/0000000000000001", data.size() - 10, 100)) ==
          data.substr(data.size() - 10));
    CHECK(Must(objects.Read("runs/0000000000000001", data.size() + 5, 100)).empty());
    CHECK(Must(objects.Read("runs/0000000000000001", 7, 0)).empty());
    ObjectTail tail = Must(objects.ReadTail("runs/0000000000000001", 4096));
    CHECK(tail.size == data.size());
    CHECK(tail.bytes == data.substr(data.size() - 4096));
    // A tail longer than the object: all of it.
    MustOk(objects.Put("runs/small", "tiny"));
    tail = Must(objects.ReadTail("runs/small", 4096));
    CHECK(tail.size == 4);
    CHECK(tail.bytes == "tiny");
  }

  SECTION("a put replaces the object whole") {
    MustOk(objects.Put("a/b", Bytes(70000, 2)));
    MustOk(objects.Put("a/b", "short"));
    CHECK(Must(objects.Read("a/b", 0, 1 << 20)) == "short");
    CHECK(Must(objects.ReadTail("a/b", 100)).size == 5);
  }

  SECTION("a missing object is kNoSuchObject to reads, and deleting it is fine") {
    auto r = objects.Read("none/here", 0, 10);
    CHECK(r.status().code() == ErrorCode::kNoSuchObject);
    auto t = objects.ReadTail("none/here", 10);
    CHECK(t.status().code() == ErrorCode::kNoSuchObject);
    MustOk(objects.Delete("none/here"));
  }

  SECTION("deleted objects are gone; listings are by prefix, in order") {
    for (const char* name : {"p/3", "p/1", "p/2", "q/1", "pp/1"}) MustOk(objects.Put(name, name));
    CHECK(Must(objects.List("p/")) == std::vector<std::string>{"p/1", "p/2", "p/3"});
    CHECK(Must(objects.List("p")) == std::vector<std::string>{"p/1", "p/2", "p/3", "pp/1"});
    CHECK(Must(objects.List("z")).empty());
    MustOk(objects.Delete("p/2"));
    CHECK(Must(objects.List("p/")) == std::vector<std::string>{"p/1", "p/3"});
    CHECK(objects.Read("p/2", 0, 1).status().code() == ErrorCode::kNoSuchObject);
  }

  SECTION("binary contents and an empty object") {
    std::string binary("\0\xff\n\r\0zz", 7);
    MustOk(objects.Put("bin", binary));
    CHECK(Must(objects.Read("bin", 0, 100)) == binary);
    MustOk(objects.Put("empty", ""));
    CHECK(Must(objects.Read("empty", 0, 100)).empty());
    CHECK(Must(objects.ReadTail("empty", 100)).size == 0);
  }
}

}  // namespace dt_test
