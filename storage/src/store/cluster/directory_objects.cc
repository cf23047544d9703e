#include "store/cluster/directory_objects.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

namespace deltatunnel::storage::cluster {
namespace fs = std::filesystem;
namespace {

Status FromErrno(int err, std::string_view what, const std::string& path) {
  std::string message = fmt::format("{} {}: {}", what, path, std::strerror(err));
  switch (err) {
    case ENOENT:
      return Status(ErrorCode::kNoSuchObject, std::move(message));
    case ENOSPC:
    case EDQUOT:
      return Status(ErrorCode::kNoSpace, std::move(message));
    default:
      return Status(ErrorCode::kIoError, std::move(message));
  }
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int Release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

// Reads `length` bytes at `offset`, fewer at the end of the file.
Result<std::string> ReadAt(int fd, uint64_t offset, uint64_t length, const std::string& path) {
  std::string out(length, '\0');
  size_t got = 0;
  while (got < length) {
    const ssize_t n = ::pread(fd, out.data() + got, length - got, static_cast<off_t>(offset + got));
    if (n < 0) {
      if (errno == EINTR) continue;
      return FromErrno(errno, "reading", path);
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  out.resize(got);
  return out;
}

}  // namespace

DirectoryObjects::DirectoryObjects(std::string root) : root_(std::move(root)) {}

Result<std::string> DirectoryObjects::PathOf(std::string_view name) const {
  if (name.empty() || name.front() == '/' || name.back() == '/') {
    return InvalidArgument(fmt::format("bad object name '{}'", name));
  }
  // No component may be empty, "." / ".." or hidden (temporary files are hidden).
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('/', start);
    if (end == std::string_view::npos) end = name.size();
    const std::string_view part = name.substr(start, end - start);
    if (part.empty() || part.front() == '.') {
      return InvalidArgument(fmt::format("bad object name '{}'", name));
    }
    start = end + 1;
  }
  return root_ + "/" + std::string(name);
}

Status DirectoryObjects::Put(std::string_view name, std::string_view data) {
  DT_ASSIGN_OR_RETURN(std::string path, PathOf(name));
  const fs::path target(path);
  std::error_code ec;
  fs::create_directories(target.parent_path(), ec);
  if (ec) return FromErrno(ec.value(), "making the directory of", path);
  const std::string temp =
      (target.parent_path() /
       fmt::format(".{}.tmp{}", target.filename().string(), next_temp_.fetch_add(1)))
          .string();
  Fd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (fd.get() < 0) return FromErrno(errno, "creating", temp);
  Status st;
  size_t done = 0;
  while (done < data.size() && st.ok()) {
    const ssize_t n = ::write(fd.get(), data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      st = FromErrno(errno, "writing", temp);
    else
      done += static_cast<size_t>(n);
  }
  if (st.ok() && ::fsync(fd.get()) != 0) st = FromErrno(errno, "syncing", temp);
  if (::close(fd.Release()) != 0 && st.ok()) st = FromErrno(errno, "closing", temp);
  if (st.ok() && ::rename(temp.c_str(), path.c_str()) != 0) st = FromErrno(errno, "renaming", temp);
  if (!st.ok()) {
    ::unlink(temp.c_str());
    return st;
  }
  // The rename itself survives a machine crash once the directory is synced.
  Fd dir(::open(target.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() >= 0 && ::fsync(dir.get()) != 0) {
    return FromErrno(errno, "syncing the directory of", path);
  }
  return Status::Ok();
}

Result<std::string> DirectoryObjects::Read(std::string_view name, uint64_t offset,
                                           uint64_t length) {
  DT_ASSIGN_OR_RETURN(std::string path, PathOf(name));
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return FromErrno(errno, "opening", path);
  return ReadAt(fd.get(), offset, length, path);
}

Result<ObjectTail> DirectoryObjects::ReadTail(std::string_view name, uint64_t length) {
  DT_ASSIGN_OR_RETURN(std::string path, PathOf(name));
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return FromErrno(errno, "opening", path);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return FromErrno(errno, "reading the size of", path);
  const auto size = static_cast<uint64_t>(st.st_size);
  const uint64_t n = std::min(length, size);
  DT_ASSIGN_OR_RETURN(std::string bytes, ReadAt(fd.get(), size - n, n, path));
  return ObjectTail{std::move(bytes), size};
}

Status DirectoryObjects::Delete(std::string_view name) {
  DT_ASSIGN_OR_RETURN(std::string path, PathOf(name));
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return FromErrno(errno, "deleting", path);
  return Status::Ok();
}

Result<std::vector<std::string>> DirectoryObjects::List(std::string_view prefix) {
  std::vector<std::string> names;
  std::error_code ec;
  fs::recursive_directory_iterator it(root_, ec);
  if (ec == std::errc::no_such_file_or_directory) return names;
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec) || it->path().filename().string().starts_with('.')) continue;
    std::string name = fs::relative(it->path(), root_, ec).generic_string();
    if (name.starts_with(prefix)) names.push_back(std::move(name));
  }
  if (ec) return FromErrno(ec.value(), "listing", root_);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace deltatunnel::storage::cluster
