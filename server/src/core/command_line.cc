#include "deltatunnel/server/command_line.h"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <optional>

namespace deltatunnel::server {

Result<CommandLine> ParseCommandLine(int argc, const char* const* argv) {
  CLI::App app{"deltatunnel-server: a MaxCompute-Tunnel-compatible upsert server"};
  app.set_version_flag("--version", "deltatunnel-server 0.1.0");
  std::string config_file;
  std::optional<std::string> listen, data_dir, log_level, backup_dir;
  std::optional<uint32_t> io_threads, worker_threads;
  bool test_hooks = false;
  CommandLine out;
  app.add_option("--config", config_file, "TOML config file (conf/deltatunnel.toml documents it)");
  app.add_option("--listen", listen, "HOST:PORT to listen on (overrides 'listen')");
  app.add_option("--data-dir", data_dir, "data directory (overrides 'data_dir')");
  app.add_option("--log-level", log_level, "trace|debug|info|warn|error|critical|off");
  app.add_option("--io-threads", io_threads, "socket threads (overrides 'io_threads')");
  app.add_option("--worker-threads", worker_threads, "handler threads ('worker_threads')");
  app.add_option("--port-file", out.port_file, "write the bound port to this file");
  app.add_option("--backup-dir", backup_dir, "where backups go (overrides 'backup.dir')");
  app.add_option(
      "--restore", out.restore_from,
      "restore a backup from this directory into the (empty) data directory, then start");
  app.add_option("--verify-backup", out.verify_backup,
                 "check a backup in this directory without restoring it, print it, and exit");
  app.add_option("--backup-id", out.backup_id,
                 "the backup --restore or --verify-backup takes "
                 "(default: the latest)");
  app.add_flag("--test-hooks", test_hooks, "serve the test-only /_test/* routes")
      ->group("");  // hidden from --help
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    out.exit_now = true;
    out.exit_code = 0;
    out.output = e.get_name() == "CallForVersion" ? std::string(e.what()) : app.help();
    return out;
  } catch (const CLI::ParseError& e) {
    return InvalidArgument(fmt::format("{} (see --help)", e.what()));
  }
  if (!config_file.empty()) {
    DT_ASSIGN_OR_RETURN(out.config, LoadConfigFile(config_file));
  }
  ServerConfig& c = out.config;
  if (listen) c.listen = *listen;
  if (data_dir) c.data_dir = *data_dir;
  if (log_level) c.log_level = *log_level;
  if (backup_dir) c.backup.dir = *backup_dir;
  if (io_threads) c.io_threads = *io_threads;
  if (worker_threads) c.worker_threads = *worker_threads;
  c.test_hooks = test_hooks;
  if (!out.restore_from.empty() && !out.verify_backup.empty()) {
    return InvalidArgument("--restore and --verify-backup: one at a time (see --help)");
  }
  if (out.backup_id && out.restore_from.empty() && out.verify_backup.empty()) {
    return InvalidArgument("--backup-id goes with --restore or --verify-backup (see --help)");
  }
  Status valid = ValidateConfig(c);
  if (!valid.ok()) return InvalidArgument(fmt::format("command line: {}", valid.message()));
  return out;
}

}  // namespace deltatunnel::server
