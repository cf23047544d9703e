// Faults of the data directory's filesystem on command, for tests: the engine's files go through a
// FaultInjector when EngineOptions::faults is set, and an armed fault makes the matching file
// operation fail as the filesystem would (ENOSPC or EIO), before it reaches the disk.
//
// Thread-safe. Nothing here costs anything when EngineOptions::faults is null (production).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace deltatunnel::storage {

// What a file is to the engine, by RocksDB's file names.
enum class FileKind {
  kAny,
  kWal,       // NNNNNN.log: every append, session record, commit and idempotency record
  kTable,     // NNNNNN.sst: memtable flushes, RocksDB's compactions, the bases a major compaction
              // writes (bulk-*.sst) and ingests
  kManifest,  // MANIFEST-NNNNNN, and CURRENT (written as NNNNNN.dbtmp, renamed)
  kOptions,   // OPTIONS-NNNNNN (written as OPTIONS-NNNNNN.dbtmp, renamed)
  kOther,     // IDENTITY, LOCK, the info LOG, trash
};

enum class FileOp {
  kCreate,  // opening a file for writing
  kAppend,  // Append / PositionedAppend
  kSync,    // Sync / Fsync / RangeSync of a file, Fsync of a directory
  kRename,  // RenameFile / LinkFile (ingestion, CURRENT, OPTIONS)
  kDelete,  // DeleteFile (obsolete files)
};

enum class Fault { kNoSpace, kIoError };

std::string_view FileKindName(FileKind kind);
std::string_view FileOpName(FileOp op);
// The kind of the file at `path` (its name decides).
FileKind FileKindOf(std::string_view path);

class FaultInjector {
 public:
  FaultInjector();
  ~FaultInjector();
  FaultInjector(const FaultInjector&) = delete;
  FaultInjector& operator=(const FaultInjector&) = delete;

  // From now on, `fault` for each operation `op` on a file of `kind` (kAny: every kind): every
  // one when `times` is negative, else the next `times` of them.
  void Arm(FileKind kind, FileOp op, Fault fault, int times = -1);
  // Lifts every armed fault.
  void Clear();
  // Faults injected so far.
  uint64_t injected() const;

  // The engine's file system asks before each operation: the fault to answer, if one is armed.
  std::optional<Fault> Check(FileKind kind, FileOp op);

 private:
  // The armed faults behind storage's annotated mutex (fault_injection.cc).
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace deltatunnel::storage
