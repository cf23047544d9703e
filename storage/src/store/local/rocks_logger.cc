#include "rocks_logger.h"

#include <spdlog/spdlog.h>

#include <cstdarg>
#include <cstdio>
#include <cstring>

namespace deltatunnel::storage {
namespace {

class RocksLogger final : public rocksdb::Logger {
 public:
  RocksLogger() : Logger(rocksdb::InfoLogLevel::INFO_LEVEL) {}

  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    Logv(rocksdb::InfoLogLevel::INFO_LEVEL, format, ap);
  }

  void Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) override {
    spdlog::level::level_enum to = spdlog::level::debug;
    if (level == rocksdb::InfoLogLevel::WARN_LEVEL) to = spdlog::level::warn;
    if (level >= rocksdb::InfoLogLevel::ERROR_LEVEL &&
        level != rocksdb::InfoLogLevel::HEADER_LEVEL) {
      to = spdlog::level::err;
    }
    if (!spdlog::should_log(spdlog::level::debug) && !spdlog::should_log(to)) return;
    char line[2048];
    std::vsnprintf(line, sizeof line, format, ap);
    // A backup disables file deletions twice over (its own, then its checkpoint's): RocksDB warns
    // of the nesting on every backup, which is as it should be.
    if (to == spdlog::level::warn && std::strstr(line, "File Deletions ") != nullptr) {
      to = spdlog::level::debug;
    }
    if (!spdlog::should_log(to)) return;
    spdlog::log(to, "rocksdb: {}", line);
  }
};

}  // namespace

std::shared_ptr<rocksdb::Logger> NewRocksLogger() { return std::make_shared<RocksLogger>(); }

}  // namespace deltatunnel::storage
