// Backups (backup.h): the engine's face of its BackupRunner.
#include "engine_impl.h"

namespace deltatunnel::storage {
namespace {

Status BackupsOff() {
  return Status(ErrorCode::kServiceUnavailable,
                "backups are off: the server has no backup directory (backup.dir)");
}

}  // namespace

Result<BackupJob> EngineImpl::StartBackup() {
  if (!backups_) return BackupsOff();
  return backups_->Start();
}

std::optional<BackupJob> EngineImpl::LastBackup() {
  if (!backups_) return std::nullopt;
  return backups_->Last();
}

Result<std::vector<BackupInfo>> EngineImpl::ListBackups() {
  if (!backups_) return BackupsOff();
  return backups_->List();
}

Result<BackupCheck> EngineImpl::VerifyBackup(uint32_t id) {
  if (!backups_) return BackupsOff();
  return backups_->Verify(id);
}

Status EngineImpl::DeleteBackup(uint32_t id) {
  if (!backups_) return BackupsOff();
  return backups_->Delete(id);
}

}  // namespace deltatunnel::storage
