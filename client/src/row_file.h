// The local file of file-cache mode: one per partition (rolled at a size), rows in arrival order.
//
//   file   := entry*
//   entry  := varint(len) op:u8 row:bytes[len - 1]   -- op 'U' or 'D'; row is proto's EncodeRow
//
// The bucket is decided at upload, by the session's hasher.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "deltatunnel/proto/row_batch.h"
#include "deltatunnel/proto/schema.h"
#include "deltatunnel/proto/status.h"

namespace deltatunnel::client {

// Appends one entry for a normalised row to `out`.
void AppendRowEntry(const proto::TableSchema& schema, const proto::Row& row, proto::RowOp op,
                    std::string* out);

// Reads a file's entries in order through a fixed buffer.
class RowFileReader {
 public:
  RowFileReader(const proto::TableSchema& schema, size_t buffer_bytes);
  ~RowFileReader();
  Status Open(const std::string& path);
  // True with the next row; false at the end; an error for a damaged file.
  Result<bool> Next(proto::Row* row, proto::RowOp* op);

 private:
  Status Fill();

  const proto::TableSchema& schema_;
  std::string path_;
  int fd_ = -1;
  std::string buf_;
  size_t pos_ = 0;
  size_t end_ = 0;
  bool eof_ = false;
};

// Appends `data` to the file at `path` (created if needed), opened and closed each time, so
// thousands of partitions need no open descriptors between spills.
Status AppendToFile(const std::string& path, std::string_view data);

}  // namespace deltatunnel::client
