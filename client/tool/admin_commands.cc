// deltatunnel compact|sessions
#include <iostream>

#include "tool.h"

namespace deltatunnel::tool {

void AddAdminCommands(CLI::App& app, const GlobalFlags& flags, int* exit_code) {
  struct Args {
    std::string project, table, partition;
    bool list = false;
  };
  auto a = std::make_shared<Args>();

  auto* compact = app.add_subcommand(
      "compact", "Start a major compaction (prints its id), or --list the compactions");
  compact->add_option("--project", a->project, "Project");
  compact->add_option("--table", a->table, "Table");
  compact->add_option("--partition", a->partition, "Only this partition (default: all)");
  compact->add_flag("--list", a->list, "List running and recent compactions instead");
  compact->callback([&flags, a, exit_code] {
    if (!a->list && (a->project.empty() || a->table.empty())) {
      std::cerr << "deltatunnel: compact needs --project and --table (or --list)\n";
      return void(*exit_code = kExitUsage);
    }
    auto c = OpenClient(flags);
    if (!c) return void(*exit_code = kExitUsage);
    auto r = a->list ? c->ListCompactions() : c->Compact(a->project, a->table, a->partition);
    if (!r.ok()) return void(*exit_code = Fail("compact", r.status()));
    std::cout << r->dump(2) << "\n";
  });

  auto* sessions = app.add_subcommand("sessions", "List a table's upsert sessions (JSON)");
  sessions->add_option("--project", a->project, "Project")->required();
  sessions->add_option("--table", a->table, "Table")->required();
  sessions->callback([&flags, a, exit_code] {
    auto c = OpenClient(flags);
    if (!c) return void(*exit_code = kExitUsage);
    auto r = c->ListSessions(a->project, a->table);
    if (!r.ok()) return void(*exit_code = Fail("sessions", r.status()));
    std::cout << r->dump(2) << "\n";
  });
}

}  // namespace deltatunnel::tool
