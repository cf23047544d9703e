// The cluster backend of store.h: records in etcd, runs in object storage.
//
// - Records: key K of the engine is etcd key <prefix>r/K. A batch's record changes are one etcd
//   transaction (record_changes.h folds them into the form etcd takes), so a batch is applied
//   whole or not at all, and durably (etcd syncs its log before it answers): both durabilities
//   are kSynced here.
// - Runs: each run is one object, <prefix>runs/<run id in hex> (run_object.h), written whole
//   before the transaction that names it; a run is written by one batch or one bulk writer. A
//   chunk cursor reads a run's index once (cached for the run's life: runs never change) and its
//   chunks by byte range, several chunks a request when it reads one run through; chunks that
//   lookups read stay in a bounded cache of the node's (chunk_cache.h).
// - A batch's DropRuns, and FreeRuns, delete objects once the records no longer name them. An
//   object whose delete failed, or whose batch failed after it was written, is left behind:
//   nothing reads it, it only costs space (a sweep of such objects is to come).
//
// Weaker than the local backend, as the contract allows (store_contract.h): a chunk cursor also
// sees runs written after it was made, and a bulk writer's runs are readable before Install
// (nothing names them before then).
#pragma once

#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <string>

#include "mutex.h"
#include "store/cluster/chunk_cache.h"
#include "store/cluster/etcd_client.h"
#include "store/cluster/node_lease.h"
#include "store/cluster/object_store.h"
#include "store/cluster/record_changes.h"
#include "store/cluster/run_object.h"
#include "store/store.h"
#include "thread_annotations.h"

namespace deltatunnel::storage::cluster {

struct ClusterStoreOptions {
  std::shared_ptr<EtcdClient> etcd;
  std::shared_ptr<ObjectStore> objects;
  // This node's hold on the prefix: every transaction compares it, and nothing is written once
  // it is lost. Null: no fencing (tests of the store alone).
  std::shared_ptr<NodeLease> lease;
  // Of every record key in etcd and every object name: several deployments can share one etcd
  // and one bucket.
  std::string prefix = "deltatunnel/";
  // etcd's limits on one transaction (its --max-txn-ops and --max-request-bytes): a batch
  // beyond them is refused before anything is written.
  size_t max_txn_ops = 128;
  size_t max_txn_bytes = 1536 << 10;
  size_t cached_run_indexes = 4096;
  // Run objects one batch PUTs at once (an append holds one run per bucket it touched).
  size_t parallel_puts = 8;
  // Bytes a cursor reading one run through fetches a request.
  size_t read_ahead_bytes = 4 << 20;
  // The node's cache of chunks lookups read (chunk_cache.h); 0: none.
  uint64_t chunk_cache_bytes = 256 << 20;
};

class ClusterStore final : public Store {
 public:
  // InvalidArgument without an etcd client or an object store.
  static Result<std::unique_ptr<ClusterStore>> Open(ClusterStoreOptions options);

  std::unique_ptr<StoreBatch> NewBatch() override;
  Status Write(StoreBatch& batch, Durability durability, std::string_view what) override;
  Result<std::optional<std::string>> Get(std::string_view key) override;
  std::unique_ptr<RecordIterator> Scan(std::string_view prefix) override;
  std::unique_ptr<RecordIterator> ScanBackward(std::string_view prefix,
                                               std::string_view from) override;
  std::unique_ptr<ChunkCursor> NewChunkCursor(std::optional<uint64_t> one_run) override;
  Result<std::unique_ptr<BulkWriter>> NewBulkWriter(std::string_view name) override;
  Status Install(BulkWriter& writer) override;
  Status FreeRuns(const RunRanges& runs) override;
  Status Writable() override { return options_.lease ? options_.lease->Check() : Status::Ok(); }
  bool Resume() override { return Writable().ok(); }
  bool SyncBuffered() override { return true; }
  void StopBackgroundWork() override { stopping_ = true; }
  StoreStats Stats() override;
  Backups* backups() override { return nullptr; }

  // For the cursors and writers of this store.
  std::string RecordKey(std::string_view key) const;
  std::string RunName(uint64_t run_id) const;
  ObjectStore& objects() { return *options_.objects; }
  ChunkCache& chunk_cache() { return chunk_cache_; }
  const ClusterStoreOptions& options() const { return options_; }
  // The index of run `run_id`; null when there is no such run.
  Result<std::shared_ptr<const RunIndex>> IndexOf(uint64_t run_id);
  // A batch's runs: each run's chunks as (last key, chunk), in any order.
  using RunChunks = std::map<uint64_t, std::vector<std::pair<std::string, std::string>>>;
  // Puts the objects of `runs`, several at once; the first error after all were tried.
  Status PutRuns(RunChunks& runs, std::string_view what);
  // Puts one run's object (`object` from RunObjectBuilder::Finish).
  Status PutRun(uint64_t run_id, std::string_view object, std::string_view what);
  // Deletes runs' objects; the first error, after trying each.
  Status DeleteRuns(const RunRanges& runs);
  // Applies record changes in one etcd transaction.
  Status ApplyRecords(const RecordChanges& changes, std::string_view what);

 private:
  explicit ClusterStore(ClusterStoreOptions options) : options_(std::move(options)) {}
  void Forget(uint64_t run_id);
  // The records of `kvs` whose etcd keys start with `etcd_prefix`, keys as the engine's.
  std::unique_ptr<RecordIterator> Records(std::vector<KeyValue> kvs, std::string_view etcd_prefix,
                                          bool backward) const;

  const ClusterStoreOptions options_;
  ChunkCache chunk_cache_{options_.chunk_cache_bytes};
  std::atomic<bool> stopping_{false};
  Mutex index_mu_;
  std::map<uint64_t, std::shared_ptr<const RunIndex>> indexes_ GUARDED_BY(index_mu_);
  std::deque<uint64_t> index_order_ GUARDED_BY(index_mu_);  // oldest first, for eviction
};

}  // namespace deltatunnel::storage::cluster
