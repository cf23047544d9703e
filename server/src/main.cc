// deltatunnel-server: parses the command line and config, sets up logging, starts the Server and
// waits for SIGTERM or SIGINT, then shuts down gracefully and exits 0.
#include <malloc.h>
#include <pthread.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "deltatunnel/server/command_line.h"
#include "deltatunnel/server/server.h"
#include "deltatunnel/storage/backup.h"
#include "server_modules.h"

namespace {

using deltatunnel::Status;

// Written to a temporary name and renamed, so a reader never sees half a number.
Status WritePortFile(const std::string& path, uint16_t port) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << port << "\n";
    if (!out.flush()) return deltatunnel::Internal("cannot write " + tmp);
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return deltatunnel::Internal("cannot rename " + tmp + ": " + ec.message());
  return Status::Ok();
}

// --verify-backup: the backup's files against their checksums, then its catalog; prints one line
// per table. 0 when sound, 1 when not.
int VerifyBackupAndExit(const std::string& dir, std::optional<uint32_t> id) {
  auto check = deltatunnel::storage::VerifyBackup(dir, id);
  if (!check.ok()) {
    std::fprintf(stderr, "deltatunnel-server: backup in %s: %s\n", dir.c_str(),
                 check.status().ToString().c_str());
    return 1;
  }
  std::printf("backup %u: ok, %llu bytes in %u files, %zu tables\n", check->backup.id,
              static_cast<unsigned long long>(check->backup.size_bytes), check->backup.files,
              check->tables.size());
  for (const auto& t : check->tables) {
    std::printf("%s.%s version %llu\n", t.project.c_str(), t.table.c_str(),
                static_cast<unsigned long long>(t.version));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace deltatunnel::server;
  // Buffers of 4 MiB and more (large request bodies, decompressed bodies, their rows) are mapped
  // for themselves and unmapped when freed, so a burst of big requests does not stay resident in
  // the worker threads' arenas afterwards; free memory at an arena's top goes back past 8 MiB.
  // Ordinary requests (record streams of about 1 MiB, their row and write batches) reuse arena
  // memory: with the threshold at 1 MiB every request mapped, faulted in, zeroed and unmapped its
  // buffers, and HTTP ingest ran at a third of its rate (deltatunnel-bench-ingest, record streams
  // 2.0 -> 0.7 M rows/s); at 32 MiB four workers kept 155 MB of decompression buffers.
  mallopt(M_MMAP_THRESHOLD, 4 << 20);
  mallopt(M_TRIM_THRESHOLD, 8 << 20);
  auto command_line = ParseCommandLine(argc, argv);
  if (!command_line.ok()) {
    std::fprintf(stderr, "deltatunnel-server: %s\n", command_line.status().message().c_str());
    return 2;
  }
  if (command_line->exit_now) {
    std::fputs(command_line->output.c_str(), stdout);
    std::fputs("\n", stdout);
    return command_line->exit_code;
  }
  const ServerConfig& config = command_line->config;
  spdlog::set_default_logger(spdlog::stderr_color_mt("deltatunnel"));
  spdlog::set_level(spdlog::level::from_str(config.log_level));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ [%t] %v");

  // Every thread the server starts inherits this mask, so the signals reach only sigwait below.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  // A file size limit (RLIMIT_FSIZE) makes a write fail with EFBIG rather than kill the process:
  // storage reports it, and writes answer 503 ServiceUnavailable while reads go on.
  std::signal(SIGXFSZ, SIG_IGN);

  if (!command_line->verify_backup.empty()) {
    return VerifyBackupAndExit(command_line->verify_backup, command_line->backup_id);
  }
  if (!command_line->restore_from.empty()) {
    auto restored = deltatunnel::storage::RestoreBackup(command_line->restore_from,
                                                        command_line->backup_id, config.data_dir);
    if (!restored.ok()) {
      spdlog::critical("cannot restore from {}: {}", command_line->restore_from,
                       restored.status().ToString());
      return 1;
    }
    spdlog::info("restored backup {} of {} into {}: {} tables", restored->backup.id,
                 command_line->restore_from, config.data_dir, restored->tables.size());
    for (const auto& t : restored->tables) {
      spdlog::info("restored {}.{} at version {}", t.project, t.table, t.version);
    }
  }

  Server server(config);
  for (auto& module : MakeServerModules(&server.memory_budget())) {
    server.AddModule(std::move(module));
  }
  Status started = server.Start();
  if (!started.ok()) {
    spdlog::critical("cannot start: {}", started.ToString());
    return 1;
  }
  if (!command_line->port_file.empty()) {
    if (Status written = WritePortFile(command_line->port_file, server.port()); !written.ok()) {
      spdlog::critical("{}", written.ToString());
      server.Stop();
      server.Wait();
      return 1;
    }
  }
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  spdlog::info("received signal {}", signal_number);
  server.Stop();
  server.Wait();
  return 0;
}
