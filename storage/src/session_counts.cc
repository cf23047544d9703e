#include "session_counts.h"

#include <algorithm>

namespace deltatunnel::storage {

void SessionCounts::Add(messages::RunRecord run) {
  rows += run.rows();
  upserts += run.upserts();
  deletes += run.deletes();
  bytes += run.bytes();
  buckets_written.insert(run.bucket());
  auto at =
      std::upper_bound(runs.begin(), runs.end(), run.run_id(),
                       [](uint64_t id, const messages::RunRecord& r) { return id < r.run_id(); });
  runs.insert(at, std::move(run));
}

void SessionCounts::CopyTo(messages::SessionRecord* rec) const {
  rec->set_rows(rows);
  rec->set_upserts(upserts);
  rec->set_deletes(deletes);
  rec->set_bytes(bytes);
  rec->clear_buckets_written();
  for (uint32_t b : buckets_written) rec->add_buckets_written(b);
}

}  // namespace deltatunnel::storage
