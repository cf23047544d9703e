// storage/src/store/local/rocksdb_crc32c.h: RocksDB's calls to crc32c::Extend reach ours, and ours
// computes what librocksdb's own does, so the WAL and the files a build without it wrote read the
// same.
#include <dlfcn.h>

#include <cstdint>
#include <random>
#include <string>

#include "store/local/rocksdb_crc32c.h"
#include "test_util.h"

namespace rocksdb::crc32c {
uint32_t Extend(uint32_t crc, const char* buf, size_t size);
}

using namespace dt_test;

namespace {

using ExtendFn = uint32_t (*)(uint32_t, const char*, size_t);
constexpr const char* kExtend = "_ZN7rocksdb6crc32c6ExtendEjPKcm";

}  // namespace

TEST_CASE("rocksdb crc32c: RocksDB's calls reach ours", "[storage][crc32c]") {
  CHECK(dlsym(RTLD_DEFAULT, kExtend) == reinterpret_cast<void*>(&rocksdb::crc32c::Extend));
  TempDir dir;
  TestClock clock;
  auto e = Must(Engine::Open(Options(dir.path, clock)));
  CHECK(deltatunnel::storage::RocksDbCrc32cIsOurs());  // opening wrote the MANIFEST through it
  // And a database written and read through it ingests, commits, reopens and reads.
  auto info = Must(e->CreateTable(KvTable("t")));
  auto s = Must(e->OpenSession(SessionOn("t")));
  Batcher b(info);
  for (int64_t k = 0; k < 1000; ++k) b.Upsert(k, std::string(200, static_cast<char>('a' + k % 26)));
  MustOk(e->Append(s.id, b.batch()));
  Must(e->Commit(s.id));
  e.reset();
  e = Must(Engine::Open(Options(dir.path, clock)));  // replays the WAL: its CRCs check out
  Rows rows = ScanRows(*e, "t");
  REQUIRE(rows.size() == 1000);
  CHECK(rows[27].v == std::string(200, 'b'));
}

TEST_CASE("rocksdb crc32c: ours equals librocksdb's own", "[storage][crc32c]") {
  // The next definition after this executable's: librocksdb's.
  auto theirs = reinterpret_cast<ExtendFn>(dlsym(RTLD_NEXT, kExtend));
  REQUIRE(theirs != nullptr);
  REQUIRE(reinterpret_cast<void*>(theirs) != reinterpret_cast<void*>(&rocksdb::crc32c::Extend));
  CHECK(rocksdb::crc32c::Extend(0, "123456789", 9) == 0xE3069283u);  // the standard check value
  CHECK(theirs(0, "123456789", 9) == 0xE3069283u);

  std::mt19937_64 rng(7);
  std::string data(70000, '\0');
  for (char& c : data) c = static_cast<char>(rng());
  for (int i = 0; i < 2000; ++i) {
    const size_t offset = rng() % 64;  // every alignment
    const size_t len = i < 600 ? static_cast<size_t>(i) : rng() % (data.size() - offset);
    const auto crc = i % 3 == 0 ? 0u : static_cast<uint32_t>(rng());
    const uint32_t ours = rocksdb::crc32c::Extend(crc, data.data() + offset, len);
    if (ours != theirs(crc, data.data() + offset, len)) {
      FAIL("offset " << offset << ", length " << len << ", crc " << crc);
    }
  }
  CHECK(rocksdb::crc32c::Extend(0, data.data(), data.size()) ==
        theirs(0, data.data(), data.size()));
}
