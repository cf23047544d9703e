#include "engine_file_system.h"

#include <string>
#include <utility>

namespace deltatunnel::storage {

namespace {

using rocksdb::IODebugContext;
using rocksdb::IOOptions;
using rocksdb::IOStatus;
using rocksdb::Slice;

// What the fault injector (if any) says for an operation: ok, or the fault as the filesystem
// would report it.
IOStatus Injected(FaultInjector* faults, FileKind kind, FileOp op, const std::string& path) {
  if (!faults) return IOStatus::OK();
  std::optional<Fault> f = faults->Check(kind, op);
  if (!f) return IOStatus::OK();
  const std::string what =
      std::string("injected fault: ") + std::string(FileOpName(op)) + " of " + path;
  return *f == Fault::kNoSpace ? IOStatus::NoSpace(what) : IOStatus::IOError(what);
}

// See (1) at the top of engine_file_system.h.
IOStatus Recoverable(IOStatus s) {
  if (s.ok() || !s.IsIOError()) return s;
  if (s.IsNoSpace()) {
    // RocksDB 7.8 sends ENOSPC down another road (ErrorHandler::HandleKnownErrors), where a full
    // disk met while switching memtables or WALs is fatal for good; as a space limit (the
    // classification the engine reads: kNoSpace) it is recovered like any retryable error.
    s = rocksdb::status_to_io_status(rocksdb::Status::SpaceLimit(s.ToString()));
  }
  s.SetRetryable(true);
  s.SetScope(IOStatus::IOErrorScope::kIOErrorScopeFile);
  return s;
}

class EngineWritableFile final : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  EngineWritableFile(std::unique_ptr<rocksdb::FSWritableFile> file, std::string path,
                     FaultInjector* faults, WalSyncGate* gate)
      : FSWritableFileOwnerWrapper(std::move(file)),
        path_(std::move(path)),
        kind_(FileKindOf(path_)),
        faults_(faults),
        gate_(kind_ == FileKind::kWal ? gate : nullptr) {}

  IOStatus Append(const Slice& data, const IOOptions& o, IODebugContext* dbg) override {
    return Do(FileOp::kAppend, [&] { return target()->Append(data, o, dbg); });
  }
  IOStatus Append(const Slice& data, const IOOptions& o, const rocksdb::DataVerificationInfo& info,
                  IODebugContext* dbg) override {
    return Do(FileOp::kAppend, [&] { return target()->Append(data, o, info, dbg); });
  }
  IOStatus PositionedAppend(const Slice& data, uint64_t offset, const IOOptions& o,
                            IODebugContext* dbg) override {
    return Do(FileOp::kAppend, [&] { return target()->PositionedAppend(data, offset, o, dbg); });
  }
  IOStatus PositionedAppend(const Slice& data, uint64_t offset, const IOOptions& o,
                            const rocksdb::DataVerificationInfo& info,
                            IODebugContext* dbg) override {
    return Do(FileOp::kAppend,
              [&] { return target()->PositionedAppend(data, offset, o, info, dbg); });
  }
  IOStatus Flush(const IOOptions& o, IODebugContext* dbg) override {
    return Do(FileOp::kAppend, [&] { return target()->Flush(o, dbg); });
  }
  IOStatus Sync(const IOOptions& o, IODebugContext* dbg) override {
    return Do(FileOp::kSync, [&] { return target()->Sync(o, dbg); });
  }
  IOStatus Fsync(const IOOptions& o, IODebugContext* dbg) override {
    return Do(FileOp::kSync, [&] { return target()->Fsync(o, dbg); });
  }
  IOStatus RangeSync(uint64_t offset, uint64_t nbytes, const IOOptions& o,
                     IODebugContext* dbg) override {
    return Do(FileOp::kSync, [&] { return target()->RangeSync(offset, nbytes, o, dbg); });
  }
  IOStatus Close(const IOOptions& o, IODebugContext* dbg) override {
    return Do(FileOp::kSync, [&] { return target()->Close(o, dbg); });
  }

 private:
  template <typename Fn>
  IOStatus Do(FileOp op, Fn&& fn) {
    IOStatus s = Injected(faults_, kind_, op, path_);
    if (s.ok()) s = fn();
    if (s.ok()) return s;
    if (gate_) gate_->Failed();
    return Recoverable(std::move(s));
  }

  const std::string path_;
  const FileKind kind_;
  FaultInjector* const faults_;
  WalSyncGate* const gate_;
};

class EngineDirectory final : public rocksdb::FSDirectoryWrapper {
 public:
  EngineDirectory(std::unique_ptr<rocksdb::FSDirectory> dir, std::string path,
                  FaultInjector* faults)
      : FSDirectoryWrapper(std::move(dir)), path_(std::move(path)), faults_(faults) {}

  IOStatus Fsync(const IOOptions& o, IODebugContext* dbg) override {
    IOStatus s = Injected(faults_, FileKind::kAny, FileOp::kSync, path_);
    if (s.ok()) s = FSDirectoryWrapper::Fsync(o, dbg);
    return Recoverable(std::move(s));
  }
  IOStatus FsyncWithDirOptions(const IOOptions& o, IODebugContext* dbg,
                               const rocksdb::DirFsyncOptions& dir_options) override {
    IOStatus s = Injected(faults_, FileKind::kAny, FileOp::kSync, path_);
    if (s.ok()) s = FSDirectoryWrapper::FsyncWithDirOptions(o, dbg, dir_options);
    return Recoverable(std::move(s));
  }

 private:
  const std::string path_;
  FaultInjector* const faults_;
};

class EngineFileSystem final : public rocksdb::FileSystemWrapper {
 public:
  EngineFileSystem(std::shared_ptr<rocksdb::FileSystem> base, std::shared_ptr<FaultInjector> faults,
                   WalSyncGate* gate)
      : FileSystemWrapper(std::move(base)), faults_(std::move(faults)), gate_(gate) {}

  const char* Name() const override { return "DeltatunnelEngineFileSystem"; }

  IOStatus NewWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                           std::unique_ptr<rocksdb::FSWritableFile>* r,
                           IODebugContext* dbg) override {
    return Wrap(f, r, [&] { return target()->NewWritableFile(f, o, r, dbg); });
  }
  IOStatus ReopenWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                              std::unique_ptr<rocksdb::FSWritableFile>* r,
                              IODebugContext* dbg) override {
    return Wrap(f, r, [&] { return target()->ReopenWritableFile(f, o, r, dbg); });
  }
  IOStatus ReuseWritableFile(const std::string& f, const std::string& old,
                             const rocksdb::FileOptions& o,
                             std::unique_ptr<rocksdb::FSWritableFile>* r,
                             IODebugContext* dbg) override {
    return Wrap(f, r, [&] { return target()->ReuseWritableFile(f, old, o, r, dbg); });
  }
  IOStatus NewDirectory(const std::string& name, const IOOptions& o,
                        std::unique_ptr<rocksdb::FSDirectory>* r, IODebugContext* dbg) override {
    IOStatus s = target()->NewDirectory(name, o, r, dbg);
    if (s.ok()) *r = std::make_unique<EngineDirectory>(std::move(*r), name, faults_.get());
    return s;
  }
  IOStatus RenameFile(const std::string& src, const std::string& dst, const IOOptions& o,
                      IODebugContext* dbg) override {
    IOStatus s = Injected(faults_.get(), FileKindOf(dst), FileOp::kRename, dst);
    if (s.ok()) s = target()->RenameFile(src, dst, o, dbg);
    return Recoverable(std::move(s));
  }
  IOStatus LinkFile(const std::string& src, const std::string& dst, const IOOptions& o,
                    IODebugContext* dbg) override {
    IOStatus s = Injected(faults_.get(), FileKindOf(dst), FileOp::kRename, dst);
    if (s.ok()) s = target()->LinkFile(src, dst, o, dbg);
    return Recoverable(std::move(s));
  }
  IOStatus DeleteFile(const std::string& f, const IOOptions& o, IODebugContext* dbg) override {
    IOStatus s = Injected(faults_.get(), FileKindOf(f), FileOp::kDelete, f);
    if (s.ok()) s = target()->DeleteFile(f, o, dbg);
    return s;
  }

 private:
  template <typename Fn>
  IOStatus Wrap(const std::string& f, std::unique_ptr<rocksdb::FSWritableFile>* r, Fn&& open) {
    IOStatus s = Injected(faults_.get(), FileKindOf(f), FileOp::kCreate, f);
    if (s.ok()) s = open();
    if (!s.ok()) return Recoverable(std::move(s));
    *r = std::make_unique<EngineWritableFile>(std::move(*r), f, faults_.get(), gate_);
    return s;
  }

  std::shared_ptr<FaultInjector> faults_;
  WalSyncGate* const gate_;
};

}  // namespace

std::shared_ptr<rocksdb::FileSystem> NewEngineFileSystem(std::shared_ptr<rocksdb::FileSystem> base,
                                                         std::shared_ptr<FaultInjector> faults,
                                                         WalSyncGate* wal_gate) {
  return std::make_shared<EngineFileSystem>(std::move(base), std::move(faults), wal_gate);
}

}  // namespace deltatunnel::storage
