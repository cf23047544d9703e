// The record changes of one StoreBatch, in the form one etcd transaction accepts. etcd refuses a
// transaction that names a key twice (a put of a key and a delete of a range around it
// included), while a batch applies its changes in order; RecordChanges folds them into changes
// that name each key once and mean the same: a later change of a key replaces an earlier one, a
// range delete drops the changes before it inside its range, and a put after a range delete cuts
// the range around the key.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace deltatunnel::storage::cluster {

class RecordChanges {
 public:
  void Put(std::string_view key, std::string_view value);
  void Delete(std::string_view key);
  void DeleteRange(std::string_view begin, std::string_view end);  // [begin, end)

  bool empty() const { return points_.empty() && ranges_.empty(); }

  struct Change {
    enum class Kind { kPut, kDelete, kDeleteRange };
    Kind kind;
    std::string key;
    std::string value;  // kPut
    std::string end;    // kDeleteRange: [key, end)
  };
  // The folded changes: no key in two of them.
  std::vector<Change> Fold() const;

 private:
  std::map<std::string, std::optional<std::string>, std::less<>> points_;  // nullopt: delete
  std::vector<std::pair<std::string, std::string>> ranges_;
};

}  // namespace deltatunnel::storage::cluster
