#include "deltatunnel/storage/fault_injection.h"

#include <vector>

#include "mutex.h"

namespace deltatunnel::storage {

std::string_view FileKindName(FileKind kind) {
  switch (kind) {
    case FileKind::kAny:
      return "any";
    case FileKind::kWal:
      return "wal";
    case FileKind::kTable:
      return "sst";
    case FileKind::kManifest:
      return "manifest";
    case FileKind::kOptions:
      return "options";
    case FileKind::kOther:
      return "other";
  }
  return "other";
}

std::string_view FileOpName(FileOp op) {
  switch (op) {
    case FileOp::kCreate:
      return "create";
    case FileOp::kAppend:
      return "append";
    case FileOp::kSync:
      return "sync";
    case FileOp::kRename:
      return "rename";
    case FileOp::kDelete:
      return "delete";
  }
  return "append";
}

FileKind FileKindOf(std::string_view path) {
  const size_t slash = path.rfind('/');
  const std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  auto ends = [&](std::string_view s) {
    return name.size() >= s.size() && name.substr(name.size() - s.size()) == s;
  };
  if (ends(".trash")) return FileKind::kOther;
  if (ends(".log")) return FileKind::kWal;
  if (ends(".sst")) return FileKind::kTable;
  if (name.starts_with("MANIFEST-") || name == "CURRENT") return FileKind::kManifest;
  if (name.starts_with("OPTIONS-")) return FileKind::kOptions;
  if (ends(".dbtmp")) return FileKind::kManifest;  // CURRENT, before its rename
  return FileKind::kOther;
}

struct FaultInjector::State {
  struct Armed {
    FileKind kind;
    FileOp op;
    Fault fault;
    int times;
  };
  mutable Mutex mu;
  std::vector<Armed> armed GUARDED_BY(mu);
  uint64_t injected GUARDED_BY(mu) = 0;
};

FaultInjector::FaultInjector() : state_(std::make_unique<State>()) {}
FaultInjector::~FaultInjector() = default;

void FaultInjector::Arm(FileKind kind, FileOp op, Fault fault, int times) {
  MutexLock lock(&state_->mu);
  state_->armed.push_back({kind, op, fault, times});
}

void FaultInjector::Clear() {
  MutexLock lock(&state_->mu);
  state_->armed.clear();
}

uint64_t FaultInjector::injected() const {
  MutexLock lock(&state_->mu);
  return state_->injected;
}

std::optional<Fault> FaultInjector::Check(FileKind kind, FileOp op) {
  MutexLock lock(&state_->mu);
  auto& armed = state_->armed;
  for (auto it = armed.begin(); it != armed.end(); ++it) {
    if (it->op != op || (it->kind != FileKind::kAny && it->kind != kind)) continue;
    const Fault f = it->fault;
    if (it->times > 0 && --it->times == 0) armed.erase(it);
    ++state_->injected;
    return f;
  }
  return std::nullopt;
}

}  // namespace deltatunnel::storage
