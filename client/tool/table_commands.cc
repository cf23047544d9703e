// deltatunnel table create|list|describe|alter|add-columns|rename-column|change-column-type|drop|
// truncate|drop-partition
#include <fstream>
#include <iostream>
#include <map>
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
    std::vector<std::string> columns, defaults, comments;
    std::string from, to, column, type;
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

  // NAME=VALUE pairs of repeated options, by name.
  auto pairs = [](const std::vector<std::string>& given, const char* option,
                  std::map<std::string, std::string>* out) {
    for (const std::string& kv : given) {
      const size_t eq = kv.find('=');
      if (eq == std::string::npos || eq == 0) {
        std::cerr << "deltatunnel: " << option << " takes NAME=VALUE, not '" << kv << "'\n";
        return false;
      }
      (*out)[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    return true;
  };
  // Sends one schema change and prints the table as altered.
  auto change_schema = [&flags, args, exit_code](const char* what, const nlohmann::json& change) {
    auto c = OpenClient(flags);
    if (!c) return void(*exit_code = kExitUsage);
    auto r = c->ChangeSchema(args->project, args->table, change);
    if (!r.ok()) return void(*exit_code = Fail(what, r.status()));
    std::cout << r->dump(2) << "\n";
  };

  auto* add_columns = table->add_subcommand(
      "add-columns",
      "Add nullable columns at the end (--column NAME=TYPE, repeated), as one new version; rows "
      "written before read --default NAME=VALUE (or null)");
  add_columns->add_option("--project", args->project, "Project")->required();
  add_columns->add_option("--table", args->table, "Table")->required();
  add_columns->add_option("--column", args->columns, "NAME=TYPE, e.g. qty=BIGINT")->required();
  add_columns->add_option("--default", args->defaults, "NAME=VALUE: what older rows read");
  add_columns->add_option("--comment", args->comments, "NAME=TEXT");
  add_columns->callback([args, exit_code, pairs, change_schema] {
    std::map<std::string, std::string> types, defaults, comments;
    if (!pairs(args->columns, "--column", &types) ||
        !pairs(args->defaults, "--default", &defaults) ||
        !pairs(args->comments, "--comment", &comments)) {
      return void(*exit_code = kExitUsage);
    }
    nlohmann::json add = nlohmann::json::array();
    for (const std::string& kv : args->columns) {  // in the order given
      const std::string name = kv.substr(0, kv.find('='));
      nlohmann::json col = {{"name", name}, {"type", types.at(name)}};
      if (defaults.count(name) != 0) col["default"] = defaults.at(name);
      if (comments.count(name) != 0) col["comment"] = comments.at(name);
      add.push_back(std::move(col));
    }
    for (const auto& [name, v] : defaults) {
      if (types.count(name) == 0) {
        std::cerr << "deltatunnel: --default names no --column '" << name << "'\n";
        return void(*exit_code = kExitUsage);
      }
    }
    change_schema("table add-columns", {{"add_columns", std::move(add)}});
  });

  auto* rename = table->add_subcommand("rename-column", "Rename a column, as one new version");
  rename->add_option("--project", args->project, "Project")->required();
  rename->add_option("--table", args->table, "Table")->required();
  rename->add_option("--from", args->from, "The column")->required();
  rename->add_option("--to", args->to, "Its new name")->required();
  rename->callback([args, change_schema] {
    change_schema("table rename-column",
                  {{"rename_columns", {{{"from", args->from}, {"to", args->to}}}}});
  });

  auto* retype = table->add_subcommand(
      "change-column-type",
      "Widen a column's type (INT to BIGINT, FLOAT to DOUBLE, DECIMAL precision up, VARCHAR up), "
      "as one new version");
  retype->add_option("--project", args->project, "Project")->required();
  retype->add_option("--table", args->table, "Table")->required();
  retype->add_option("--column", args->column, "The column")->required();
  retype->add_option("--type", args->type, "The wider type")->required();
  retype->callback([args, change_schema] {
    change_schema("table change-column-type",
                  {{"change_column_types", {{{"name", args->column}, {"type", args->type}}}}});
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
