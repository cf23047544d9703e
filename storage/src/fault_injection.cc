#include "deltatunnel/storage/fault_injection.h"

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

void FaultInjector::Arm(FileKind kind, FileOp op, Fault fault, int times) {
  std::lock_guard lock(mu_);
  armed_.push_back({kind, op, fault, times});
}

void FaultInjector::Clear() {
  std::lock_guard lock(mu_);
  armed_.clear();
}

uint64_t FaultInjector::injected() const {
  std::lock_guard lock(mu_);
  return injected_;
}

std::optional<Fault> FaultInjector::Check(FileKind kind, FileOp op) {
  std::lock_guard lock(mu_);
  for (auto it = armed_.begin(); it != armed_.end(); ++it) {
    if (it->op != op || (it->kind != FileKind::kAny && it->kind != kind)) continue;
    const Fault f = it->fault;
    if (it->times > 0 && --it->times == 0) armed_.erase(it);
    ++injected_;
    return f;
  }
  return std::nullopt;
}

}  // namespace deltatunnel::storage
