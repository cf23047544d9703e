// deltatunnel backup create|list|verify|delete (docs/api.md, "Backups").
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <thread>

#include "tool.h"

namespace deltatunnel::tool {
namespace {

// Polls GET /api/v1/backups until the backup started is no longer running, drawing its progress
// on a terminal; answers the finished job.
Result<nlohmann::json> AwaitBackup(client::Client& c) {
  const bool draw = isatty(STDERR_FILENO) != 0;
  for (;;) {
    DT_ASSIGN_OR_RETURN(nlohmann::json list, c.ListBackups());
    if (list["running"].is_null()) {
      if (draw) std::cerr << "\n";
      return list["last"];
    }
    if (draw) {
      std::cerr << "\rbackup: " << (list["running"]["bytes_copied"].get<uint64_t>() >> 20)
                << " MiB copied" << std::flush;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

}  // namespace

void AddBackupCommands(CLI::App& app, const GlobalFlags& flags, int* exit_code) {
  auto* backup =
      app.add_subcommand("backup",
                         "Online backups of the whole server into its backup.dir (restore: "
                         "deltatunnel-server --restore DIR)");
  backup->require_subcommand(1);
  auto no_wait = std::make_shared<bool>(false);
  auto id = std::make_shared<uint32_t>(0);

  auto* create = backup->add_subcommand(
      "create", "Make a backup; waits for it and prints it (each table and its version)");
  create->add_flag("--no-wait", *no_wait, "Print the backup started and return at once");
  create->callback([&flags, no_wait, exit_code] {
    auto c = OpenClient(flags);
    if (!c) return void(*exit_code = kExitUsage);
    auto started = c->StartBackup();
    if (!started.ok()) return void(*exit_code = Fail("backup create", started.status()));
    if (*no_wait) {
      std::cout << started->dump(2) << "\n";
      return;
    }
    auto done = AwaitBackup(*c);
    if (!done.ok()) return void(*exit_code = Fail("backup create", done.status()));
    if (!done->is_object()) {
      // No backup running and none finished: the server restarted meanwhile.
      std::cerr << "deltatunnel: backup create: the server no longer knows the backup (it "
                   "restarted?); see `deltatunnel backup list`\n";
      return void(*exit_code = kExitServerError);
    }
    std::cout << done->dump(2) << "\n";
    if (done->value("state", "") != "done") {
      const auto error = done->find("error");
      std::cerr << "deltatunnel: backup create: "
                << (error != done->end() && error->is_string() ? error->get<std::string>()
                                                               : "failed")
                << "\n";
      *exit_code = kExitServerError;
    }
  });

  auto* list = backup->add_subcommand("list", "The backups, and the running or last one (JSON)");
  list->callback([&flags, exit_code] {
    auto c = OpenClient(flags);
    if (!c) return void(*exit_code = kExitUsage);
    auto r = c->ListBackups();
    if (!r.ok()) return void(*exit_code = Fail("backup list", r.status()));
    std::cout << r->dump(2) << "\n";
  });

  auto* verify = backup->add_subcommand(
      "verify", "Check a backup's files against their checksums and read its catalog");
  verify->add_option("backup_id", *id, "The backup's id")->required();
  verify->callback([&flags, id, exit_code] {
    auto c = OpenClient(flags);
    if (!c) return void(*exit_code = kExitUsage);
    auto r = c->VerifyBackup(*id);
    if (!r.ok()) return void(*exit_code = Fail("backup verify", r.status()));
    std::cout << r->dump(2) << "\n";
  });

  auto* remove = backup->add_subcommand("delete", "Delete a backup");
  remove->add_option("backup_id", *id, "The backup's id")->required();
  remove->callback([&flags, id, exit_code] {
    auto c = OpenClient(flags);
    if (!c) return void(*exit_code = kExitUsage);
    if (Status s = c->DeleteBackup(*id); !s.ok()) {
      return void(*exit_code = Fail("backup delete", s));
    }
  });
}

}  // namespace deltatunnel::tool
