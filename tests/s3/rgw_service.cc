#include "rgw_service.h"

#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <sstream>
#include <stdexcept>

namespace dt_test {
namespace {

std::string Env(const char* name, const char* fallback = "") {
  const char* v = std::getenv(name);
  return v != nullptr ? v : fallback;
}

// Runs `command`, answering its standard output; throws when it fails.
std::string Run(const std::string& command) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
  if (!pipe) throw std::runtime_error("cannot run " + command);
  std::string out;
  std::array<char, 4096> buf{};
  size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe.get())) > 0) out.append(buf.data(), n);
  const int status = ::pclose(pipe.release());
  if (status != 0) throw std::runtime_error(command + " failed:\n" + out);
  return out;
}

class Gateway {
 public:
  Gateway() {
    if (!Env("DT_S3_ENDPOINT").empty()) {
      s3_ = {Env("DT_S3_ENDPOINT"), Env("DT_S3_ACCESS_KEY"), Env("DT_S3_SECRET_KEY"),
             Env("DT_S3_REGION", "us-east-1")};
      return;
    }
    dir_ = (std::filesystem::temp_directory_path() / ("dt-rgw-" + std::to_string(::getpid())))
               .string();
    const std::string out =
        Run(std::string(DT_SOURCE_DIR) + "/scripts/ceph-rgw.sh start " + dir_ + " 2>&1");
    std::istringstream lines(out);
    for (std::string line; std::getline(lines, line);) {
      const size_t eq = line.find('=');
      if (eq == std::string::npos) continue;
      const std::string key = line.substr(0, eq);
      const std::string value = line.substr(eq + 1);
      if (key == "endpoint") s3_.endpoint = value;
      if (key == "access_key") s3_.access_key = value;
      if (key == "secret_key") s3_.secret_key = value;
      if (key == "region") s3_.region = value;
    }
    if (s3_.endpoint.empty()) throw std::runtime_error("ceph-rgw.sh gave no endpoint:\n" + out);
  }
  ~Gateway() {
    if (!dir_.empty()) {
      const std::string stop =
          std::string(DT_SOURCE_DIR) + "/scripts/ceph-rgw.sh stop " + dir_ + " >/dev/null 2>&1";
      [[maybe_unused]] int ignored = std::system(stop.c_str());
    }
  }
  const S3Endpoint& s3() const { return s3_; }

 private:
  std::string dir_;
  S3Endpoint s3_;
};

}  // namespace

const S3Endpoint& TestS3Endpoint() {
  static Gateway gateway;  // stopped at exit
  return gateway.s3();
}

}  // namespace dt_test
