// UpsertWriter: the Flink connector's writer. Rows of many partitions are placed in their bucket by
// the table's hasher and buffered per bucket; a full bucket goes to the partition's session as one
// record stream; Checkpoint() sends everything and commits every partition's session.
//
// Memory mode: each bucket buffers up to bucket_buffer_size; a full bucket's stream waits in its
// partition's queue for a flush slot while the caller goes on writing; all buffers together (open,
// queued and in flight, by capacity) stay within buffer_size (over it, the biggest buckets are sent
// and the caller waits for them); at most flush_concurrent buckets of one partition are in flight,
// and one bucket has at most one stream in flight, so rows of a key arrive in the order they were
// written.
// File-cache mode: rows go to one local file per partition (rolled at rolling_max_size); at a
// checkpoint file_cached_writer_num uploaders send the files, each with a bounded share of the
// buffer, so thousands of partitions fit in a small budget.
//
// Sessions are opened lazily, one per partition, and replaced after each checkpoint. One thread
// calls Write/Checkpoint/Close (like a sink task); sending happens on the writer's own threads.
// The first error of a background send is kept: every later call answers it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "deltatunnel/client/client.h"
#include "deltatunnel/client/options.h"
#include "deltatunnel/proto/row_batch.h"
#include "deltatunnel/proto/schema.h"
#include "deltatunnel/proto/status.h"
#include "deltatunnel/proto/value.h"

namespace deltatunnel::client {

struct WriterStats {
  uint64_t rows = 0;           // accepted by Write
  uint64_t streams_sent = 0;   // bucket writes answered 200
  uint64_t bytes_sent = 0;     // record stream bytes before compression
  uint64_t commits = 0;        // sessions committed
  uint64_t peak_buffered = 0;  // highest buffered bytes (memory mode) or staged bytes (file mode)
  // The bucket flushes' time in flight, summed over flushes: from compressing the stream to the
  // server's answer. Over a run's wall time it is the flushes in flight on average: near
  // upsert.flush.concurrent (times the partitions written at once) when the server is what limits
  // the writer, well below it when the caller's rows are.
  double flush_seconds = 0;
};

class UpsertWriter {
 public:
  // Describes the table and checks the options.
  static Result<std::unique_ptr<UpsertWriter>> Open(Client& client, std::string project,
                                                    std::string table, WriterOptions options);
  virtual ~UpsertWriter() = default;

  // `row` holds the data columns in schema order (no partition columns); `partition` is a spec
  // ("ds=20261125"; "" for a non-partitioned table). A row the schema refuses is InvalidArgument
  // and nothing is written. May block while the buffer budget is spent.
  // The row is read, not kept: a caller may reuse one Row object for all its rows. A row whose
  // values are of their columns' own kinds (an int64_t for BIGINT, a double for DOUBLE, a string
  // for STRING...) is checked and encoded where it is, with no copy; one that needs converting
  // (an integer for a DOUBLE column, DECIMAL text, nested values) is converted in a copy.
  Status Write(std::string_view partition, const proto::Row& row,
               proto::RowOp op = proto::RowOp::kUpsert);
  // The same for a row the caller gives up: a conversion is made in the row itself.
  Status Write(std::string_view partition, proto::Row&& row,
               proto::RowOp op = proto::RowOp::kUpsert);
  // Sends every buffered row and commits every open session, commit_thread_num at once. When it
  // answers OK all rows written before it are visible.
  virtual Status Checkpoint() = 0;
  // Aborts the open sessions and drops what is buffered (rows since the last checkpoint).
  virtual Status Abort() = 0;
  virtual WriterStats stats() const = 0;
  virtual const proto::TableSchema& schema() const = 0;

 protected:
  // Buffers a row that NormalizeRow(schema(), op == kDelete, ...) accepted as it is.
  virtual Status WriteNormal(std::string_view partition, const proto::Row& row,
                             proto::RowOp op) = 0;

 private:
  proto::Row converted_;  // the copy of a row that needed converting (its memory reused)
};

}  // namespace deltatunnel::client
