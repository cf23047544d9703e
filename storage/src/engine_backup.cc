// Backups (backup.h): the engine's face of its store's (store/store.h).
#include "engine_impl.h"

namespace deltatunnel::storage {
namespace {

Status BackupsOff() {
  return Status(ErrorCode::kServiceUnavailable,
                "backups are off: the server has no backup directory (backup.dir)");
}

}  // namespace

Result<BackupJob> EngineImpl::StartBackup() {
  Backups* b = store_->backups();
  if (!b) return BackupsOff();
  return b->Start();
}

std::optional<BackupJob> EngineImpl::LastBackup() {
  Backups* b = store_->backups();
  if (!b) return std::nullopt;
  return b->Last();
}

Result<std::vector<BackupInfo>> EngineImpl::ListBackups() {
  Backups* b = store_->backups();
  if (!b) return BackupsOff();
  return b->List();
}

Result<BackupCheck> EngineImpl::VerifyBackup(uint32_t id) {
  Backups* b = store_->backups();
  if (!b) return BackupsOff();
  return b->Verify(id);
}

Status EngineImpl::DeleteBackup(uint32_t id) {
  Backups* b = store_->backups();
  if (!b) return BackupsOff();
  return b->Delete(id);
}

}  // namespace deltatunnel::storage
