#include "row_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "deltatunnel/proto/row_codec.h"

namespace deltatunnel::client {
namespace {

void PutVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

Status IoError(const std::string& what, const std::string& path) {
  return Internal(what + " " + path + ": " + std::strerror(errno));
}

}  // namespace

void AppendRowEntry(const proto::TableSchema& schema, const proto::Row& row, proto::RowOp op,
                    std::string* out) {
  thread_local std::string encoded;
  encoded.clear();
  proto::EncodeRow(schema, row, &encoded);
  PutVarint(encoded.size() + 1, out);
  out->push_back(static_cast<char>(op));
  out->append(encoded);
}

Status AppendToFile(const std::string& path, std::string_view data) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return IoError("opening", path);
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status s = IoError("writing", path);
      ::close(fd);
      return s;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  ::close(fd);
  return Status::Ok();
}

RowFileReader::RowFileReader(const proto::TableSchema& schema, size_t buffer_bytes)
    : schema_(schema) {
  buf_.resize(buffer_bytes);
}

RowFileReader::~RowFileReader() {
  if (fd_ >= 0) ::close(fd_);
}

Status RowFileReader::Open(const std::string& path) {
  path_ = path;
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) return IoError("opening", path);
  return Status::Ok();
}

Status RowFileReader::Fill() {
  std::memmove(buf_.data(), buf_.data() + pos_, end_ - pos_);
  end_ -= pos_;
  pos_ = 0;
  while (!eof_ && end_ < buf_.size()) {
    const ssize_t n = ::read(fd_, buf_.data() + end_, buf_.size() - end_);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return IoError("reading", path_);
    if (n == 0) eof_ = true;
    end_ += static_cast<size_t>(n);
  }
  return Status::Ok();
}

Result<bool> RowFileReader::Next(proto::Row* row, proto::RowOp* op) {
  // An entry larger than the buffer grows it: rows are rarely that big, and it must still load.
  for (;;) {
    uint64_t len = 0;
    size_t p = pos_;
    int shift = 0;
    bool have_len = false;
    while (p < end_ && shift < 64) {
      const auto c = static_cast<unsigned char>(buf_[p++]);
      len |= static_cast<uint64_t>(c & 0x7f) << shift;
      shift += 7;
      if ((c & 0x80) == 0) {
        have_len = true;
        break;
      }
    }
    if (have_len && len >= 1 && end_ - p >= len) {
      *op = static_cast<proto::RowOp>(buf_[p]);
      row->assign(schema_.columns.size(), proto::Value());
      DT_RETURN_IF_ERROR(
          proto::DecodeRow(schema_, std::string_view(buf_.data() + p + 1, len - 1), row));
      pos_ = p + len;
      return true;
    }
    if (eof_) {
      if (pos_ == end_) return false;
      return Internal("the cache file " + path_ + " ends inside an entry");
    }
    if (have_len && len + 16 > buf_.size()) buf_.resize(len + 16);
    DT_RETURN_IF_ERROR(Fill());
  }
}

}  // namespace deltatunnel::client
