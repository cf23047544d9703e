#include "backup_runner.h"

#include <spdlog/spdlog.h>

#include <filesystem>

namespace deltatunnel::storage {

BackupRunner::BackupRunner(std::string dir, uint64_t rate_bytes_per_sec, rocksdb::DB* db,
                           std::function<int64_t()> now_ms)
    : dir_path_(std::move(dir)),
      rate_bytes_per_sec_(rate_bytes_per_sec),
      db_(db),
      now_ms_(std::move(now_ms)) {}

BackupRunner::~BackupRunner() {
  std::thread thread;
  {
    MutexLock lock(&mu_);
    if (running_ && dir_) dir_->Stop();
    thread = std::move(thread_);
  }
  if (thread.joinable()) thread.join();
}

Result<std::shared_ptr<BackupDir>> BackupRunner::DirLocked(bool create) {
  if (!dir_) {
    std::error_code ec;
    if (!create && !std::filesystem::is_directory(dir_path_, ec)) {
      return Status(ErrorCode::kNoSuchObject, "no backups yet (" + dir_path_ + " does not exist)");
    }
    DT_ASSIGN_OR_RETURN(std::unique_ptr<BackupDir> dir,
                        BackupDir::Open(dir_path_, create, rate_bytes_per_sec_));
    dir_ = std::move(dir);
    list_ = dir_->List();
  }
  return dir_;
}

Result<BackupJob> BackupRunner::Start() {
  MutexLock lock(&mu_);
  if (running_) return Status(ErrorCode::kStatusConflict, "a backup is running");
  DT_ASSIGN_OR_RETURN(std::shared_ptr<BackupDir> dir, DirLocked(true));
  // The last backup's thread set running_ = false as its last step under mu_: it is done.
  if (thread_.joinable()) thread_.join();
  running_ = true;
  copied_ = 0;
  job_ = BackupJob{.state = "running", .started_at_ms = now_ms_()};
  thread_ = std::thread([this, dir] { Run(dir); });
  return *job_;
}

void BackupRunner::Run(std::shared_ptr<BackupDir> dir) {
  Result<BackupInfo> made =
      dir->Create(db_, [this] { copied_.fetch_add(BackupDir::kProgressStep); });
  Result<std::vector<BackupTable>> tables =
      made.ok() ? dir->Tables(made->id) : Result<std::vector<BackupTable>>(made.status());
  const uint64_t copied = made.ok() ? dir->NewBytes(made->id) : 0;
  std::vector<BackupInfo> list = dir->List();
  MutexLock lock(&mu_);
  list_ = std::move(list);
  job_->finished_at_ms = now_ms_();
  if (tables.ok()) {
    job_->state = "done";
    job_->bytes_copied = copied;
    job_->result = BackupCheck{*made, std::move(*tables)};
    spdlog::info("backup {} made in {}: {} bytes, {} files, {} tables", made->id, dir_path_,
                 made->size_bytes, made->files, job_->result->tables.size());
  } else {
    job_->state = "failed";
    job_->error = tables.status().ToString();
    spdlog::warn("backup into {} failed: {}", dir_path_, job_->error);
  }
  running_ = false;
}

std::optional<BackupJob> BackupRunner::Last() {
  MutexLock lock(&mu_);
  if (job_ && running_) job_->bytes_copied = copied_;
  return job_;
}

Result<std::vector<BackupInfo>> BackupRunner::List() {
  MutexLock lock(&mu_);
  Result<std::shared_ptr<BackupDir>> dir = DirLocked(false);
  if (!dir.ok()) {
    if (dir.status().code() == ErrorCode::kNoSuchObject) return std::vector<BackupInfo>{};
    return dir.status();
  }
  return list_;
}

Result<std::shared_ptr<BackupDir>> BackupRunner::IdleDir() {
  MutexLock lock(&mu_);
  if (running_) {
    return Status(ErrorCode::kStatusConflict, "a backup is running; try again when it is done");
  }
  return DirLocked(false);
}

Result<BackupCheck> BackupRunner::Verify(uint32_t id) {
  DT_ASSIGN_OR_RETURN(std::shared_ptr<BackupDir> dir, IdleDir());
  DT_RETURN_IF_ERROR(dir->Resolve(id).status());
  return dir->Verify(id);
}

Status BackupRunner::Delete(uint32_t id) {
  DT_ASSIGN_OR_RETURN(std::shared_ptr<BackupDir> dir, IdleDir());
  DT_RETURN_IF_ERROR(dir->Delete(id));
  std::vector<BackupInfo> list = dir->List();
  MutexLock lock(&mu_);
  list_ = std::move(list);
  return Status::Ok();
}

}  // namespace deltatunnel::storage
