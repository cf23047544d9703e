#include "manifest_record.h"

#include <algorithm>
#include <set>
#include <tuple>

namespace deltatunnel::storage {

messages::PartitionRunsRecord RunsRecordOf(const PartitionManifest& m) {
  messages::PartitionRunsRecord rec;
  rec.set_base_version(m.base_version);
  rec.set_deltas_in_commits(true);
  rec.set_deltas_dropped_through(m.deltas_dropped_through);
  std::set<uint64_t> hidden_froms;
  for (uint32_t b = 0; b < m.buckets.size(); ++b) {
    uint64_t last_hidden_from = 0;  // hidden_from never decreases along a bucket (manifest.h)
    for (const RunRef& r : m.buckets[b]) {
      if (r.version > m.base_version) break;
      if (!r.base && !r.in_runs_record) {
        // A delta in its C record. Runs folded by one compaction share its hidden_from: one set
        // insertion for each, not for each run a long retention keeps.
        if (r.hidden_from != last_hidden_from) hidden_froms.insert(r.hidden_from);
        last_hidden_from = r.hidden_from;
        continue;
      }
      auto* out = rec.add_runs();
      out->set_run_id(r.run_id);
      out->set_bucket(b);
      out->set_version(r.version);
      out->set_base(r.base);
      out->set_hidden_from(r.hidden_from == kForever ? 0 : r.hidden_from);
      out->set_rows(r.rows);
      out->set_bytes(r.bytes);
      out->set_schema_id(r.schema_id);
      if (!r.in_runs_record) {
        out->set_filter_in_record(true);
      } else if (r.key_filter) {
        out->set_key_filter(*r.key_filter);
      }
    }
  }
  for (uint64_t v : hidden_froms) rec.add_hidden_froms(v);
  return rec;
}

Status ManifestLoader::AddRunsRecord(const messages::PartitionRunsRecord& rec,
                                     const FilterOf& filter_of) {
  m_->base_version = rec.base_version();
  m_->deltas_dropped_through = rec.deltas_dropped_through();
  hidden_froms_.assign(rec.hidden_froms().begin(), rec.hidden_froms().end());
  if (!std::is_sorted(hidden_froms_.begin(), hidden_froms_.end())) {
    return Corruption("corrupt partition runs record: hidden_froms unordered");
  }
  for (const auto& r : rec.runs()) {
    if (r.bucket() >= m_->buckets.size()) {
      return Corruption("corrupt partition runs record: unknown bucket");
    }
    std::string filter = r.key_filter();
    if (r.filter_in_record()) {
      DT_ASSIGN_OR_RETURN(filter, filter_of(r.run_id()));
    }
    RunRef ref = MakeRunRef(r.run_id(), r.version(), r.rows(), r.bytes(), filter, r.schema_id());
    ref.base = r.base();
    ref.hidden_from = r.hidden_from() == 0 ? kForever : r.hidden_from();
    ref.in_runs_record = !r.filter_in_record();
    m_->buckets[r.bucket()].push_back(std::move(ref));
  }
  return Status::Ok();
}

Status ManifestLoader::AddCommit(const messages::CommitRecord& c) {
  m_->version = c.version();
  if (c.kind() != messages::COMMIT_SESSION) {
    // Its runs were hidden by the M record written with it (base_version at or above it).
    if (c.version() > m_->base_version) {
      return Corruption("corrupt partition runs record: a truncate at version " +
                        std::to_string(c.version()) + " is past its base version");
    }
    m_->truncations.push_back(c.version());
    m_->dropped = c.kind() == messages::COMMIT_DROP_PARTITION;
    return Status::Ok();
  }
  m_->dropped = false;
  if (c.runs().empty() || c.version() <= m_->deltas_dropped_through) return Status::Ok();
  uint64_t hidden_from = kForever;
  if (c.version() <= m_->base_version) {
    auto it = std::lower_bound(hidden_froms_.begin(), hidden_froms_.end(), c.version());
    if (it == hidden_froms_.end()) {
      return Corruption("corrupt partition runs record: no compaction folds version " +
                        std::to_string(c.version()));
    }
    hidden_from = *it;
  }
  for (const auto& r : c.runs()) {
    if (r.bucket() >= m_->buckets.size()) {
      return Corruption("corrupt commit record: run of an unknown bucket");
    }
    RunRef ref = MakeRunRef(r.run_id(), c.version(), r.rows(), r.bytes(), r.key_filter(),
                            r.schema_id(), r.first_key(), r.last_key());
    ref.hidden_from = hidden_from;
    m_->buckets[r.bucket()].push_back(std::move(ref));
  }
  return Status::Ok();
}

void ManifestLoader::Finish() {
  for (auto& bucket : m_->buckets) {
    std::vector<RunRef> runs = bucket.ToVector();
    std::stable_sort(runs.begin(), runs.end(), [](const RunRef& a, const RunRef& b) {
      return std::tie(a.version, a.base) < std::tie(b.version, b.base);
    });
    bucket = RunList(std::move(runs));
  }
}

}  // namespace deltatunnel::storage
