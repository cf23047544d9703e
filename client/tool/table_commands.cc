// deltatunnel table create|list|describe|alter|drop|truncate|drop-partition
#include <fstream>
#include <iostream>
#include <sstream>

#include "tool.h"

namespace deltatunnel::tool {

void AddTableCommands(CLI::App& app, const GlobalFlags& flags, int* exit_code) {
  auto* table = app.add_subcommand(
      "table",
      "Create, list, describe, alter or drop tables; truncate them or drop their partitions");
  table->require_subcommand(1);

  struct Args {
    std::string project, table, file, partition;
    bool json = false;
    bool if_exists = false;
    std::vector<std::string> set;
  };
  auto args = std::make_shared<Args>();

  auto* create = table->add_subcommand(
      "create", "Create a table from a JSON file (api.md section 2); prints its description");
  create->add_option("--project", args->project, "Project")->required();
  create->add_option("--file", args->file, "The table's JSON (name, columns, primary_key, ...)")
      ->required();
  create->callback([&flags, args, exit_code] {
    std::ifstream in(args->file);
    if (!in) {
      std::cerr << "deltatunnel: cannot read " << args->file << "\n";
      *exit_code = kExitLocalIo;
      return;
    }
    std::stringstream text;
    text << in.rdbuf();
    auto body = nlohmann::json::parse(text.str(), nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
      std::cerr << "deltatunnel: " << args->file << " is not a JSON object\n";
      *exit_code = kExitUsage;
      return;
    }
    auto c = OpenClient(flags);
    if (!c) return void(*exit_code = kExitUsage);
    auto r = c->CreateTable(args->project, body);
    if (!r.ok()) return void(*exit_code = Fail("table create", r.status()));
    std::cout << r->dump(2) << "\n";
  });

  auto* list = table->add_subcommand("list", "List a project's tables, one name a line");
  list->add_option("--project", args->project, "Project")->required();
  list->add_flag("--json", args->json, "Print the whole JSON answer instead");
  list->callback([&flags, args, exit_code] {
    auto c = OpenClient(flags);
    if (!c) return void(*exit_code = kExitUsage);
    auto r = c->ListTables(args->project);
    if (!r.ok()) return void(*exit_code = Fail("table list", r.status()));
    if (args->json) {
      std::cout << r->dump(2) << "\n";
      return;
    }
    for (const auto& t : (*r)["tables"]) std::cout << t.value("name", "") << "\n";
  });

  auto* describe = table->add_subcommand("describe", "Print a table's description (JSON)");
  describe->add_option("--project", args->project, "Project")->required();
  describe->add_option("--table", args->table, "Table")->required();
  describe->callback([&flags, args, exit_code] {
    auto c = OpenClient(flags);
    if (!c) return void(*exit_code = kExitUsage);
    auto r = c->DescribeTable(args->project, args->table);
    if (!r.ok()) return void(*exit_code = Fail("table describe", r.status()));
    std::cout << r->dump(2) << "\n";
  });

  auto* drop = table->add_subcommand("drop", "Drop a table and its data");
  drop->add_option("--project", args->project, "Project")->required();
  drop->add_option("--table", args->table, "Table")->required();
  drop->callback([&flags, args, exit_code] {
    auto c = OpenClient(flags);
    if (!c) return void(*exit_code = kExitUsage);
    Status s = c->DropTable(args->project, args->table);
    if (!s.ok()) return void(*exit_code = Fail("table drop", s));
  });

  auto* truncate = table->add_subcommand(
      "truncate", "Delete every row of a partition (or of every partition): a new version each");
  truncate->add_option("--project", args->project, "Project")->required();
  truncate->add_option("--table", args->table, "Table")->required();
  truncate->add_option("--partition", args->partition, "Only this partition (default: all)");
  truncate->callback([&flags, args, exit_code] {
    auto c = OpenClient(flags);
    if (!c) return void(*exit_code = kExitUsage);
    auto r = c->Truncate(args->project, args->table, args->partition);
    if (!r.ok()) return void(*exit_code = Fail("table truncate", r.status()));
    std::cout << r->dump(2) << "\n";
  });

  auto* drop_partition = table->add_subcommand(
      "drop-partition", "Drop a partition: its rows deleted under a new version, no longer listed");
  drop_partition->add_option("--project", args->project, "Project")->required();
  drop_partition->add_option("--table", args->table, "Table")->required();
  drop_partition->add_option("--partition", args->partition, "The partition (SPEC)")->required();
  drop_partition->add_flag("--if-exists", args->if_exists, "Succeed when it does not exist");
  drop_partition->callback([&flags, args, exit_code] {
    auto c = OpenClient(flags);
    if (!c) return void(*exit_code = kExitUsage);
    auto r = c->DropPartition(args->project, args->table, args->partition, args->if_exists);
    if (!r.ok()) return void(*exit_code = Fail("table drop-partition", r.status()));
    std::cout << r->dump(2) << "\n";
  });

  auto* alter = table->add_subcommand(
      "alter", "Set table properties (--set key=value, repeated); prints the table as altered");
  alter->add_option("--project", args->project, "Project")->required();
  alter->add_option("--table", args->table, "Table")->required();
  alter->add_option("--set", args->set, "key=value, e.g. compaction.major.commit-threshold=10")
      ->required();
  alter->callback([&flags, args, exit_code] {
    nlohmann::json properties = nlohmann::json::object();
    for (const std::string& kv : args->set) {
      const size_t eq = kv.find('=');
      if (eq == std::string::npos || eq == 0) {
        std::cerr << "deltatunnel: --set takes key=value, not '" << kv << "'\n";
        return void(*exit_code = kExitUsage);
      }
      properties[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    auto c = OpenClient(flags);
    if (!c) return void(*exit_code = kExitUsage);
    auto r = c->AlterTable(args->project, args->table, properties);
    if (!r.ok()) return void(*exit_code = Fail("table alter", r.status()));
    std::cout << r->dump(2) << "\n";
  });
}

}  // namespace deltatunnel::tool
