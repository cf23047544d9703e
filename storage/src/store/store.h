// The seam between the engine and where its state lives (the backend). The engine keeps its
// promises (docs/design.md) over any Store; it never sees what is behind one.
//
// A Store holds two kinds of thing:
//   - records: small values by key (the catalog, versions and the commit log, partitions,
//     sessions and their runs, idempotency keys, compaction intents; keys.h says which), read by
//     key or by prefix in key order;
//   - run chunks: the rows of immutable runs, each run a sequence of chunks in key order, each
//     chunk found by its run id and its last key (run_format.h).
// Every change of the engine is one StoreBatch of both kinds, applied whole or not at all by
// Write: after a crash the store holds each batch entirely or not at all.
//
// Backends: the local one (local_store.h: one RocksDB database, records and chunks in two column
// families, a batch one WriteBatch); the cluster one (cluster/cluster_store.h: records in etcd,
// each run one object in object storage). It puts a batch's runs first, then applies its records
// in one transaction, so no record names a run before the run is there. A run is written by one
// batch or one bulk writer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "deltatunnel/proto/status.h"
#include "deltatunnel/storage/backup.h"
#include "run_ranges.h"

namespace deltatunnel::storage {

// What a write must have reached when Write returns.
enum class Durability {
  kBuffered,  // survives a process kill (the local backend's WAL, unsynced)
  kSynced,    // survives a machine's crash or power loss
};

class StoreBatch {
 public:
  virtual ~StoreBatch() = default;
  virtual void Put(std::string_view key, std::string_view value) = 0;
  virtual void Delete(std::string_view key) = 0;
  // The records in [begin, end).
  virtual void DeleteRange(std::string_view begin, std::string_view end) = 0;
  // Deletes `keys`, which the caller knows to be every record starting with `prefix`: a backend
  // may delete the prefix's range instead (the cluster's one etcd operation instead of one a key;
  // the local one keeps point deletes, cheaper to read past than range tombstones).
  virtual void DeleteAll(std::string_view prefix, const std::vector<std::string>& keys) {
    (void)prefix;
    for (const std::string& key : keys) Delete(key);
  }
  // One chunk of run `run_id`: the run's entries up to and including `last_key`.
  virtual void PutChunk(uint64_t run_id, std::string_view last_key, std::string_view chunk) = 0;
  // Every chunk of the runs in [first_run_id, end_run_id).
  virtual void DropRuns(uint64_t first_run_id, uint64_t end_run_id) = 0;
  virtual size_t Count() const = 0;     // changes in the batch
  virtual size_t ByteSize() const = 0;  // their size, keys and values
};

// Records in key order, positioned at the first one on creation.
class RecordIterator {
 public:
  virtual ~RecordIterator() = default;
  virtual bool Valid() const = 0;
  virtual std::string_view key() const = 0;  // the whole key, prefix included
  virtual std::string_view value() const = 0;
  virtual void Next() = 0;
  // Not ok once an error ended the iteration (Valid is false then).
  virtual Status status() const = 0;
};

// The chunks of runs. A cursor reads the chunks written before it was made (and, on some
// backends, those written after: the engine reads only runs a record it read names). A run's
// chunks never change once written, and the engine reads a run only while no drop of it can be
// applied (read_pins.h), so a cursor needs no snapshot of its own.
class ChunkCursor {
 public:
  virtual ~ChunkCursor() = default;
  // Positions at the first chunk of run `run_id` whose last key is at or after `key` (the run's
  // first chunk for ""). Not Valid when there is none; not ok on an error.
  virtual Status Seek(uint64_t run_id, std::string_view key) = 0;
  // The next chunk of the same run; not Valid past its last one.
  virtual Status Next() = 0;
  virtual bool Valid() const = 0;
  virtual std::string_view chunk() const = 0;  // until the next Seek or Next
};

// Runs and records written in bulk outside any batch (a compaction's base runs and their key
// filters): chunks in ascending (run id, last key) order, records in ascending key order. Install
// makes the records present at once, or none of them, and the runs present by then (some
// backends show a run once it is written: until a batch names them nothing reads them). A writer
// destroyed before Install leaves nothing behind.
class BulkWriter {
 public:
  virtual ~BulkWriter() = default;
  virtual Status PutChunk(uint64_t run_id, std::string_view last_key, std::string_view chunk) = 0;
  virtual Status Put(std::string_view key, std::string_view value) = 0;
};

// A store's backups (backup.h): each holds every table at one version.
class Backups {
 public:
  virtual ~Backups() = default;
  // Starts a backup and answers it running. StatusConflict while one runs.
  virtual Result<BackupJob> Start() = 0;
  // The running backup, or the last one (nullopt before the first).
  virtual std::optional<BackupJob> Last() = 0;
  virtual Result<std::vector<BackupInfo>> List() = 0;
  virtual Result<BackupCheck> Verify(uint32_t id) = 0;
  virtual Status Delete(uint32_t id) = 0;
};

// What a store tells of itself, for Engine::Stats.
struct StoreStats {
  uint64_t bytes = 0;       // of run chunks, on disk and in memory
  uint64_t stops = 0;       // times a fault stopped writes
  uint64_t recoveries = 0;  // and they resumed
  // A node's cache of chunks read from elsewhere (the cluster backend): lookups it answered, those
  // it did not, the bytes it holds.
  uint64_t chunk_cache_hits = 0;
  uint64_t chunk_cache_misses = 0;
  uint64_t chunk_cache_bytes = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  virtual std::unique_ptr<StoreBatch> NewBatch() = 0;
  // Applies `batch` whole or not at all. `what` names the step in the error ("committing").
  virtual Status Write(StoreBatch& batch, Durability durability, std::string_view what) = 0;
  // One record, as a batch of its own.
  Status Put(std::string_view key, std::string_view value, Durability durability,
             std::string_view what) {
    auto batch = NewBatch();
    batch->Put(key, value);
    return Write(*batch, durability, what);
  }

  // The record at `key`; nullopt when there is none.
  virtual Result<std::optional<std::string>> Get(std::string_view key) = 0;
  // The records whose keys start with `prefix`, in key order.
  virtual std::unique_ptr<RecordIterator> Scan(std::string_view prefix) = 0;
  // The records whose keys start with `prefix` and are at or before `from`, backwards.
  virtual std::unique_ptr<RecordIterator> ScanBackward(std::string_view prefix,
                                                       std::string_view from) = 0;

  // With `one_run`, the cursor reads that run only (a merge reads each run through its own
  // cursor); without, any run (a lookup seeks one key in many runs through one cursor).
  virtual std::unique_ptr<ChunkCursor> NewChunkCursor(std::optional<uint64_t> one_run) = 0;

  // `name` tells this writer's output from others' (unique among the writers alive).
  virtual Result<std::unique_ptr<BulkWriter>> NewBulkWriter(std::string_view name) = 0;
  // Makes what `writer` wrote present, whole or not at all. The writer is spent either way.
  virtual Status Install(BulkWriter& writer) = 0;

  // Gives back the space of the runs in `runs`, which no record names and no read reads any
  // more. Not ok when it could not finish (the store is closing, or failing): the caller keeps
  // what it needs to call it again, after a restart too.
  virtual Status FreeRuns(const RunRanges& runs) = 0;

  // Ok while writes can succeed; else why not (kNoSpace, kIoError, kBusy): a fault stopped them.
  virtual Status Writable() = 0;
  // While a fault stops writes: tries to resume them; true when writes can go on (they resumed
  // now, or by themselves since).
  virtual bool Resume() = 0;
  // Makes the kBuffered writes so far survive a machine crash, in the background, so that the
  // next kSynced write has less to sync; false when it could not run (a log that failed is
  // never synced again).
  virtual bool SyncBuffered() = 0;
  // The store is closing: background work it would wait for ends early (a FreeRuns returns not
  // ok), and a running backup stops.
  virtual void StopBackgroundWork() = 0;
  virtual StoreStats Stats() = 0;
  // Its backups; null when it keeps none.
  virtual Backups* backups() = 0;
};

}  // namespace deltatunnel::storage
