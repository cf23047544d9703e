#include <catch2/catch.hpp>

#include "deltatunnel/client/client.h"
#include "deltatunnel/client/options.h"

using namespace deltatunnel;
using namespace deltatunnel::client;

TEST_CASE("writer options default to the connector's values", "[options]") {
  auto o = ParseWriterOptions({});
  REQUIRE(o.ok());
  CHECK(o->buffer_size == 64ull << 20);
  CHECK(o->bucket_buffer_size == 1ull << 20);
  CHECK(o->flush_concurrent == 2);
  CHECK(o->commit_thread_num == 16);
  CHECK(o->file_cached_writer_num == 16);
  CHECK_FALSE(o->file_cached);
}

TEST_CASE("writer options parse by their connector names", "[options]") {
  auto o = ParseWriterOptions({{"upsert.writer.buffer-size", "128mb"},
                               {"upsert.writer.bucket.buffer-size", "512 KB"},
                               {"upsert.flush.concurrent", "4"},
                               {"upsert.commit.thread-num", "32"},
                               {"upsert.commit.timeout", "30s"},
                               {"upsert.commit.poll-initial", "50ms"},
                               {"sink.file-cached.enable", "TRUE"},
                               {"sink.file-cached.writer.num", "8"},
                               {"sink.file-cached.rolling.max-size", "4m"},
                               {"compress.algorithm", "zstd"}});
  REQUIRE(o.ok());
  CHECK(o->buffer_size == 128ull << 20);
  CHECK(o->bucket_buffer_size == 512ull << 10);
  CHECK(o->flush_concurrent == 4);
  CHECK(o->commit_thread_num == 32);
  CHECK(o->commit_timeout == std::chrono::seconds(30));
  CHECK(o->commit_poll_initial == std::chrono::milliseconds(50));
  CHECK(o->file_cached);
  CHECK(o->file_cached_writer_num == 8);
  CHECK(o->file_cached_rolling_max_size == 4ull << 20);
  CHECK(o->compress_algorithm == "zstd");
}

TEST_CASE("out-of-range writer options are refused by name", "[options]") {
  auto expect_error = [](std::string name, std::string value, std::string needle) {
    auto o = ParseWriterOptions({{name, value}});
    REQUIRE_FALSE(o.ok());
    CHECK(o.status().code() == ErrorCode::kInvalidArgument);
    CHECK_THAT(o.status().message(), Catch::Contains(needle));
  };
  expect_error("upsert.commit.thread-num", "33", "upsert.commit.thread-num = 33 is out of range");
  expect_error("upsert.commit.thread-num", "0", "out of range [1, 32]");
  expect_error("sink.file-cached.writer.num", "64", "sink.file-cached.writer.num");
  expect_error("upsert.flush.concurrent", "-1", "upsert.flush.concurrent");
  expect_error("upsert.writer.bucket.buffer-size", "128mb",
               "cannot exceed upsert.writer.buffer-size");
  expect_error("upsert.writer.buffer-size", "12 parsecs", "upsert.writer.buffer-size");
  expect_error("upsert.flush.concurrent", "two", "not an integer");
  expect_error("sink.file-cached.enable", "yes", "not true or false");
  expect_error("compress.algorithm", "brotli", "compress.algorithm 'brotli'");
  expect_error("upsert.writer.bufer-size", "1mb",
               "unknown writer option 'upsert.writer.bufer-size'");
}

TEST_CASE("sizes and encodings", "[options]") {
  CHECK(*ParseByteSize("1048576") == 1048576);
  CHECK(*ParseByteSize("2k") == 2048);
  CHECK(*ParseByteSize("3 GB") == 3ull << 30);
  CHECK_FALSE(ParseByteSize("mb").ok());
  CHECK_FALSE(ParseByteSize("1 tb").ok());
  CHECK(*ContentEncodingOf("snappy") == "x-snappy-framed");
  CHECK(*ContentEncodingOf("deflate") == "deflate");
  CHECK(*ContentEncodingOf("lz4") == "x-lz4-frame");
  CHECK(ContentEncodingOf("identity")->empty());
}

TEST_CASE("endpoints and percent-encoding", "[options]") {
  auto e = ParseEndpoint("http://127.0.0.1:8080/");
  REQUIRE(e.ok());
  CHECK(e->first == "127.0.0.1");
  CHECK(e->second == 8080);
  CHECK(ParseEndpoint("localhost")->second == 80);
  CHECK_FALSE(ParseEndpoint("https://x:1").ok());
  CHECK_FALSE(ParseEndpoint("http://x:99999").ok());
  CHECK_FALSE(ParseEndpoint("http://x:1/path").ok());
  CHECK(PercentEncode("ds=1,hh=2 x") == "ds%3D1%2Chh%3D2%20x");
}
