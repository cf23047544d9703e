// The on-disk key layout. One RocksDB database in data_dir with two column families besides the
// unused `default`:
//
// CF `meta` (small records, protobuf messages of proto/messages/storage_meta.proto):
//   E run_id_high                          -> fixed64 BE: run ids below it may be in use (reserved
//                                             in blocks before use, so ids never repeat)
//   E next_table_id                        -> fixed64 BE: table ids are never reused
//   T table_id(BE8)                        -> TableRecord: rewritten by ALTER (properties) and
//                                             by schema changes (its past schemas kept)
//   V table_id(BE8)                        -> fixed64 BE: the table's current version
//   N lower(project) 0x00 lower(table)     -> fixed64 BE table_id (case-insensitive names)
//   P table_id(BE8) canonical_spec         -> PartitionRecord, rewritten by each commit of it
//   C table_id(BE8) version(BE8)           -> CommitRecord: the commit log and the journal of
//                                             runs published by each version (their runs
//                                             stripped once retention drops them)
//   I table_id(BE8) key                    -> IdempotencyRecord
//   M table_id(BE8) canonical_spec         -> PartitionRunsRecord: the partition's bases and
//                                             what else its last major compaction or reclaim
//                                             changed (manifest_record.h)
//   F table_id(BE8) run_id(BE8)            -> a base run's key filter (key_filter.h), written
//                                             once, in an SST file ingested with the base
//   K table_id(BE8) canonical_spec         -> CompactionIntentRecord: a compaction in flight
//   U table_id(BE8) consumer_name          -> fixed64 BE offset, created_at_ms, acked_at_ms: a
//                                             consumer of the table's changes
//   Q table_id(BE8)                        -> fixed64 BE: reject set ids below it were given out
//   Q table_id(BE8) set_id(BE8)            -> RejectSetRecord: a set of the reject quarantine
//   X table_id(BE8) set_id(BE8) chunk(BE8) -> RejectRowsRecord: its rows, in body order
//   D first_run_id(BE8)                    -> fixed64 BE end: runs [first, end) that no manifest
//                                             references, being freed (reclaimed_runs.h)
//   S session_id                           -> SessionRecord, written at open and on status change
//   R session_id run_id(BE8)               -> RunRecord of an open session's run (moved into the
//                                             CommitRecord by commit, deleted by abort/expiry)
//
// CF `data` (row chunks of runs; see run_format.h):
//   run_id(BE8) last_encoded_key_of_chunk  -> chunk
//
// Big-endian ids keep a table's records, a run's chunks and a table's commits contiguous and in
// order, so prefix scans, Seek and DeleteRange work on them directly.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "coding.h"

namespace deltatunnel::storage::keys {

// Base runs (major compaction output) carry this bit in their ids: they sort above every delta
// run, so a base's SST file never overlaps the deltas being flushed while it is built. RocksDB
// ingests it straight into the bottom level and moves delta files down without rewriting them.
inline constexpr uint64_t kBaseRunBit = uint64_t{1} << 63;

inline constexpr std::string_view kRunIdHigh = "Erun_id_high";
inline constexpr std::string_view kNextTableId = "Enext_table_id";

std::string Lower(std::string_view s);

std::string TablePrefix(char tag, uint64_t table_id);  // tag + BE8(table_id)
inline std::string Table(uint64_t id) { return TablePrefix('T', id); }
inline std::string TableVersion(uint64_t id) { return TablePrefix('V', id); }
inline std::string Consumer(uint64_t table_id, std::string_view name) {
  return TablePrefix('U', table_id) + std::string(name);
}
inline std::string RejectSet(uint64_t table_id, uint64_t set_id) {
  std::string k = TablePrefix('Q', table_id);
  PutBigEndian64(&k, set_id);
  return k;
}
inline std::string RejectRowsPrefix(uint64_t table_id, uint64_t set_id) {
  std::string k = TablePrefix('X', table_id);
  PutBigEndian64(&k, set_id);
  return k;
}
std::string Name(std::string_view project, std::string_view table);
std::string NamePrefix(std::string_view project);
std::string Partition(uint64_t table_id, std::string_view canonical);
std::string Commit(uint64_t table_id, uint64_t version);
inline std::string PartitionRuns(uint64_t table_id, std::string_view canonical) {
  return TablePrefix('M', table_id) + std::string(canonical);
}
inline std::string BaseFilter(uint64_t table_id, uint64_t run_id) {
  std::string k = TablePrefix('F', table_id);
  PutBigEndian64(&k, run_id);
  return k;
}
inline std::string CompactionIntent(uint64_t table_id, std::string_view canonical) {
  return TablePrefix('K', table_id) + std::string(canonical);
}
std::string Reclaim(uint64_t first_run_id);
std::string Idempotency(uint64_t table_id, std::string_view key);
std::string Session(std::string_view session_id);
std::string SessionRun(std::string_view session_id, uint64_t run_id);
inline std::string SessionRunPrefix(std::string_view session_id) {
  return "R" + std::string(session_id);
}
// The first key of run `run_id` in CF data; the run's range is [RunStart(id), RunStart(id + 1)).
inline std::string RunStart(uint64_t run_id) {
  std::string k;
  PutBigEndian64(&k, run_id);
  return k;
}
inline std::string Fixed64(uint64_t v) {
  std::string s;
  PutBigEndian64(&s, v);
  return s;
}

}  // namespace deltatunnel::storage::keys
