#include "backup_dir.h"

#include <algorithm>
#include <filesystem>
#include <set>
#include <tuple>

#include "deltatunnel/messages/storage_meta.pb.h"
#include "keys.h"
#include "rocks_logger.h"
#include "rocks_status.h"

namespace deltatunnel::storage {

Result<std::unique_ptr<BackupDir>> BackupDir::Open(const std::string& given, bool create,
                                                   uint64_t rate_bytes_per_sec) {
  std::error_code ec;
  // Absolute: a backup is opened in place through a path RocksDB requires to be absolute.
  const std::string dir = std::filesystem::absolute(given, ec).lexically_normal().string();
  if (ec) return InvalidArgument("backup directory " + given + ": " + ec.message());
  if (!create && !std::filesystem::is_directory(dir, ec)) {
    return Status(ErrorCode::kNoSuchObject, "no backup directory " + dir);
  }
  rocksdb::BackupEngineOptions options(dir);
  options.callback_trigger_interval_size = kProgressStep;
  options.backup_rate_limit = rate_bytes_per_sec;
  options.max_background_operations = 1;
  static const std::shared_ptr<rocksdb::Logger> logger = NewRocksLogger();  // a raw pointer there
  options.info_log = logger.get();
  rocksdb::BackupEngine* raw = nullptr;
  rocksdb::IOStatus s = rocksdb::BackupEngine::Open(options, rocksdb::Env::Default(), &raw);
  if (!s.ok()) return FromRocks(s, "opening the backup directory " + dir);
  return std::unique_ptr<BackupDir>(
      new BackupDir(dir, std::unique_ptr<rocksdb::BackupEngine>(raw)));
}

Result<BackupInfo> BackupDir::Create(rocksdb::DB* db, const std::function<void()>& progress) {
  rocksdb::CreateBackupOptions options;
  options.flush_before_backup = true;
  options.progress_callback = progress;
  rocksdb::BackupID id = 0;
  rocksdb::IOStatus s = engine_->CreateNewBackup(options, db, &id);
  if (!s.ok()) return FromRocks(s, "backing up into " + dir_);
  return Info(id);
}

namespace {

BackupInfo FromRocksInfo(const rocksdb::BackupInfo& b) {
  return {.id = b.backup_id,
          .created_at_ms = b.timestamp * 1000,
          .size_bytes = b.size,
          .files = b.number_files};
}

}  // namespace

std::vector<BackupInfo> BackupDir::List() const {
  std::vector<rocksdb::BackupInfo> infos;
  engine_->GetBackupInfo(&infos);
  std::vector<BackupInfo> out;
  for (const auto& b : infos) out.push_back(FromRocksInfo(b));
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return out;
}

Result<uint32_t> BackupDir::Resolve(std::optional<uint32_t> id) const {
  std::vector<BackupInfo> all = List();
  if (all.empty()) return Status(ErrorCode::kNoSuchObject, "no backups in " + dir_);
  if (!id) return all.back().id;
  for (const auto& b : all) {
    if (b.id == *id) return *id;
  }
  return Status(ErrorCode::kNoSuchObject, "no backup " + std::to_string(*id) + " in " + dir_);
}

Result<BackupInfo> BackupDir::Info(uint32_t id) const {
  rocksdb::BackupInfo info;
  rocksdb::Status s = engine_->GetBackupInfo(id, &info);
  if (!s.ok()) return FromRocks(s, "reading backup " + std::to_string(id));
  return FromRocksInfo(info);
}

uint64_t BackupDir::NewBytes(uint32_t id) const {
  std::vector<rocksdb::BackupInfo> all;
  engine_->GetBackupInfo(&all, /*include_file_details=*/true);
  std::set<std::string> elsewhere;
  for (const auto& b : all) {
    if (b.backup_id == id) continue;
    for (const auto& f : b.file_details) elsewhere.insert(f.relative_filename);
  }
  uint64_t bytes = 0;
  for (const auto& b : all) {
    if (b.backup_id != id) continue;
    for (const auto& f : b.file_details) {
      if (!elsewhere.count(f.relative_filename)) bytes += f.size;
    }
  }
  return bytes;
}

Result<std::vector<BackupTable>> BackupDir::Tables(uint32_t id) const {
  rocksdb::BackupInfo info;
  rocksdb::Status s = engine_->GetBackupInfo(id, &info, /*include_file_details=*/true);
  if (!s.ok()) return FromRocks(s, "reading backup " + std::to_string(id));
  // The backup opened as a read-only database where it lies (BackupInfo::name_for_open), only
  // CF meta: the catalog's T and V records.
  rocksdb::DBOptions options;
  options.env = info.env_for_open.get();
  options.info_log = NewRocksLogger();
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {{rocksdb::kDefaultColumnFamilyName, {}},
                                                      {"meta", {}}};
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  s = rocksdb::DB::OpenForReadOnly(options, info.name_for_open, cfs, &handles, &raw);
  if (!s.ok()) return FromRocks(s, "opening backup " + std::to_string(id));
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::ColumnFamilyHandle* meta = handles[1];
  std::vector<BackupTable> tables;
  Status result;
  {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator({}, meta));
    for (it->Seek("T"); it->Valid() && it->key().starts_with("T"); it->Next()) {
      messages::TableRecord record;
      if (!record.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
        result = Corruption("backup " + std::to_string(id) + ": a corrupt table record");
        break;
      }
      std::string v;
      uint64_t version = 0;
      if (db->Get({}, meta, keys::TableVersion(record.id()), &v).ok() && v.size() == 8) {
        version = GetBigEndian64(v);
      }
      tables.push_back({record.project(), record.name(), version});
    }
    if (result.ok() && !it->status().ok()) result = FromRocks(it->status(), "reading a backup");
  }
  for (auto* h : handles) static_cast<void>(db->DestroyColumnFamilyHandle(h));
  static_cast<void>(db->Close());
  DT_RETURN_IF_ERROR(result);
  std::sort(tables.begin(), tables.end(), [](const BackupTable& a, const BackupTable& b) {
    return std::tie(a.project, a.table) < std::tie(b.project, b.table);
  });
  return tables;
}

Result<BackupCheck> BackupDir::Verify(uint32_t id) const {
  rocksdb::IOStatus s = engine_->VerifyBackup(id, /*verify_with_checksum=*/true);
  if (!s.ok()) return FromRocks(s, "verifying backup " + std::to_string(id));
  BackupCheck check;
  DT_ASSIGN_OR_RETURN(check.backup, Info(id));
  DT_ASSIGN_OR_RETURN(check.tables, Tables(id));
  return check;
}

Status BackupDir::Delete(uint32_t id) {
  DT_RETURN_IF_ERROR(Resolve(id).status());
  return FromRocks(engine_->DeleteBackup(id), "deleting backup " + std::to_string(id));
}

Status BackupDir::Restore(uint32_t id, const std::string& data_dir) const {
  std::error_code ec;
  if (std::filesystem::exists(std::filesystem::path(data_dir) / "CURRENT", ec)) {
    return InvalidArgument(data_dir +
                           " already holds a database; a restore goes into an empty directory");
  }
  std::filesystem::create_directories(data_dir, ec);
  return FromRocks(engine_->RestoreDBFromBackup(rocksdb::RestoreOptions(), id, data_dir, data_dir),
                   "restoring backup " + std::to_string(id) + " into " + data_dir);
}

void BackupDir::Stop() { engine_->StopBackup(); }

Result<std::vector<BackupInfo>> ListBackups(const std::string& dir) {
  DT_ASSIGN_OR_RETURN(std::unique_ptr<BackupDir> backups, BackupDir::Open(dir, false));
  return backups->List();
}

Result<BackupCheck> VerifyBackup(const std::string& dir, std::optional<uint32_t> id) {
  DT_ASSIGN_OR_RETURN(std::unique_ptr<BackupDir> backups, BackupDir::Open(dir, false));
  DT_ASSIGN_OR_RETURN(uint32_t resolved, backups->Resolve(id));
  return backups->Verify(resolved);
}

Result<BackupCheck> RestoreBackup(const std::string& dir, std::optional<uint32_t> id,
                                  const std::string& data_dir) {
  DT_ASSIGN_OR_RETURN(std::unique_ptr<BackupDir> backups, BackupDir::Open(dir, false));
  DT_ASSIGN_OR_RETURN(uint32_t resolved, backups->Resolve(id));
  DT_ASSIGN_OR_RETURN(BackupCheck check, backups->Verify(resolved));
  DT_RETURN_IF_ERROR(backups->Restore(resolved, data_dir));
  return check;
}

}  // namespace deltatunnel::storage
