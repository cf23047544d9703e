// RowAssembler: the part of loading every body format shares. A reader walks its body, names each
// value's column by key, converts the value, and the assembler puts it in place, checks keys,
// `__op` and partition values, adds the finished row to the batch, and keeps the account of bad
// rows that decides whether the body is refused (format_load.h).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "deltatunnel/proto/row_batch.h"
#include "deltatunnel/server/format_load.h"

namespace deltatunnel::server {

class RowAssembler {
 public:
  struct Slot {
    enum class Kind : uint8_t { kData, kPartition, kOp, kUnknown };
    Kind kind = Kind::kUnknown;
    int index = -1;  // data or partition column
  };

  RowAssembler(const LoadOptions& options, proto::RowBatch* batch);

  const proto::TableSchema& schema() const { return *schema_; }
  const TimeZone& zone() const { return *zone_; }

  // The slot of key `name` (any case). `position` is the key's place in its object: rows of one
  // body tend to repeat their keys in one order, so the same bytes at the same place reuse the slot
  // found before without a lookup.
  Slot Resolve(size_t position, std::string_view name);
  // The type of a data or partition slot.
  const proto::Type& TypeOf(Slot slot) const;
  // The column's name as the table spells it, "__op", or "".
  std::string_view NameOf(Slot slot) const;

  // `text`: the row as the body has it, kept if the row is rejected and options ask for it; it
  // must stay valid until FinishRow.
  void BeginRow(uint64_t line, std::string_view text = {});
  // Marks `slot` as given in this row. False, with the row rejected, if the key is unknown or was
  // given before in the same row.
  bool Claim(Slot slot, std::string_view key);
  // Where the value of a claimed data or partition slot goes.
  proto::Value* ValueOf(Slot slot);
  // Sets the row's operation from an `__op` value; false, with the row rejected, if neither.
  bool SetOp(std::string_view op);
  // Ends the row: checks partition values, adds it to the batch unless it was rejected.
  void FinishRow();

  // Rejects the current row with an error about `column` ("" if not about one column).
  void RejectRow(std::string_view column, std::string reason);
  // Refuses the whole body, whatever max_bad_rows says.
  void RejectBody(uint64_t line, std::string_view column, std::string reason);
  bool row_rejected() const { return row_rejected_; }
  uint64_t line() const { return line_; }
  // True once the body is refused and the error list is full: reading on would change nothing.
  bool done() const;

  // The account of the whole body. Clears the batch if the body is refused.
  LoadResult Finish();

 private:
  void AddBadRow(uint64_t line, std::string_view column, std::string reason);

  struct CachedKey {
    std::string name;
    Slot slot;
  };
  const LoadOptions& options_;
  const proto::TableSchema* schema_;
  const TimeZone* zone_;
  proto::RowBatch* batch_;
  size_t listed_bound_;

  std::vector<CachedKey> key_cache_;
  uint64_t line_ = 0;
  proto::Row row_;
  proto::Row partition_values_;
  std::vector<uint8_t> given_;  // data columns, then partition columns, then __op
  std::vector<int> update_columns_;
  proto::RowOp op_ = proto::RowOp::kUpsert;
  bool row_rejected_ = false;

  uint64_t bad_rows_ = 0;
  bool body_rejected_ = false;
  std::vector<RowError> bad_;
  std::string_view row_text_;
  std::vector<RowError> rejected_;  // options.keep_rejected
};

}  // namespace deltatunnel::server
