#include "write_guard.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/statvfs.h>

#include <cerrno>
#include <cstring>

namespace deltatunnel::server {
namespace {

std::string Bytes(uint64_t n) {
  if (n >= (1ull << 30)) return fmt::format("{:.1f} GiB", static_cast<double>(n) / (1ull << 30));
  if (n >= (1ull << 20)) return fmt::format("{:.1f} MiB", static_cast<double>(n) / (1ull << 20));
  return fmt::format("{} bytes", n);
}

}  // namespace

Result<uint64_t> DiskGuard::FilesystemFreeBytes(const std::string& dir) {
  struct statvfs st {};
  if (statvfs(dir.c_str(), &st) != 0) {
    return Internal(fmt::format("statvfs({}): {}", dir, std::strerror(errno)));
  }
  return static_cast<uint64_t>(st.f_bavail) * static_cast<uint64_t>(st.f_frsize);
}

DiskGuard::DiskGuard(std::string dir, uint64_t min_free_bytes, FreeBytesFn free_bytes,
                     std::chrono::milliseconds recheck)
    : dir_(std::move(dir)),
      min_free_bytes_(min_free_bytes),
      free_bytes_(std::move(free_bytes)),
      recheck_(recheck) {}

Status DiskGuard::CheckWritable() {
  if (min_free_bytes_ == 0) return Status::Ok();
  std::lock_guard lock(mu_);
  const auto now = std::chrono::steady_clock::now();
  if (measured_ && now - measured_at_ < recheck_) return last_;
  const bool was_ok = !measured_ || last_.ok();
  measured_ = true;
  measured_at_ = now;
  Result<uint64_t> free = free_bytes_(dir_);
  if (!free.ok()) {
    if (was_ok) spdlog::warn("cannot measure free space: {}", free.status().message());
    last_ = Status::Ok();
    return last_;
  }
  if (*free >= min_free_bytes_) {
    if (!was_ok)
      spdlog::info("{} free on the data directory's filesystem: writes resume", Bytes(*free));
    last_ = Status::Ok();
    return last_;
  }
  last_ =
      Status(ErrorCode::kServiceUnavailable,
             fmt::format("storage cannot take writes now: {} free on the filesystem of the data "
                         "directory, below storage.min_free_bytes ({}); reads go on",
                         Bytes(*free), Bytes(min_free_bytes_)));
  if (was_ok) spdlog::warn("{}", last_.message());
  return last_;
}

}  // namespace deltatunnel::server
