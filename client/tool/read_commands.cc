// deltatunnel get|lookup|history|changes|versions: reads, answers to standard output. `changes
// --full` is the full form (every version that changed a key); `changes --follow` goes on as the
// table is committed (changes?follow=true; follow_command.cc).
#include <iostream>
#include <optional>

#include "tool.h"

namespace deltatunnel::tool {
namespace {

struct ReadArgs {
  std::string project, table, partition, format = "ndjson", timestamp, columns, keys, key;
  std::optional<int64_t> version, limit, to_version, from_version;
  bool full = false, include_before = false;
  FollowFlags follow;
};

void AddTarget(CLI::App* cmd, ReadArgs* a) {
  cmd->add_option("--project", a->project, "Project")->required();
  cmd->add_option("--table", a->table, "Table")->required();
  cmd->add_option("--partition", a->partition, "Partition spec, ds=20261125");
}

}  // namespace

void AddReadCommands(CLI::App& app, const GlobalFlags& flags, int* exit_code) {
  auto a = std::make_shared<ReadArgs>();

  auto* get = app.add_subcommand("get", "Print a table's rows (latest, or at a version/time)");
  AddTarget(get, a.get());
  get->add_option("--version", a->version, "Read at this table version");
  get->add_option("--timestamp", a->timestamp, "Read at the last version committed at or before");
  get->add_option("--columns", a->columns, "Only these columns, a,b,c");
  get->add_option("--limit", a->limit, "At most this many rows");
  get->add_option("--format", a->format, "ndjson, csv or json")
      ->check(CLI::IsMember({"ndjson", "csv", "json"}))
      ->capture_default_str();
  get->callback([&flags, a, exit_code] {
    auto c = OpenClient(flags);
    if (!c) return void(*exit_code = kExitUsage);
    client::ReadOptions o;
    o.partition = a->partition;
    o.version = a->version;
    o.timestamp = a->timestamp;
    o.columns = a->columns;
    o.limit = a->limit;
    o.format = a->format;
    auto r = c->ReadData(a->project, a->table, o);
    if (!r.ok()) return void(*exit_code = Fail("get", r.status()));
    std::cout << r->body;
    if (!r->body.empty() && r->body.back() != '\n') std::cout << "\n";
  });

  auto* lookup = app.add_subcommand("lookup", "Print the rows of some keys (JSON)");
  AddTarget(lookup, a.get());
  lookup->add_option("--keys", a->keys, R"(The keys, a JSON array: '[{"id": 1}, {"id": 2}]')")
      ->required();
  lookup->add_option("--version", a->version, "Read at this table version");
  lookup->callback([&flags, a, exit_code] {
    auto keys = nlohmann::json::parse(a->keys, nullptr, false);
    if (keys.is_discarded() || !keys.is_array()) {
      std::cerr << "deltatunnel: --keys must be a JSON array of key objects\n";
      return void(*exit_code = kExitUsage);
    }
    nlohmann::json body{{"keys", keys}};
    if (!a->partition.empty()) body["partition"] = a->partition;
    if (a->version) body["version"] = *a->version;
    auto c = OpenClient(flags);
    if (!c) return void(*exit_code = kExitUsage);
    auto r = c->Lookup(a->project, a->table, body);
    if (!r.ok()) return void(*exit_code = Fail("lookup", r.status()));
    std::cout << r->dump(2) << "\n";
  });

  auto* history = app.add_subcommand("history", "Print every committed state of one key (JSON)");
  AddTarget(history, a.get());
  history
      ->add_option("--key", a->key,
                   R"(The key: a one-column key's value (7), or a JSON object '{"id": 7}')")
      ->required();
  history->add_option("--limit", a->limit, "At most this many states, the newest (default 100)");
  history->callback([&flags, a, exit_code] {
    auto c = OpenClient(flags);
    if (!c) return void(*exit_code = kExitUsage);
    auto r = c->History(a->project, a->table, a->key, a->partition, a->limit);
    if (!r.ok()) return void(*exit_code = Fail("history", r.status()));
    std::cout << r->dump(2) << "\n";
  });

  auto* changes = app.add_subcommand(
      "changes", "Print the keys changed between two versions, or follow them (--follow)");
  AddTarget(changes, a.get());
  changes->add_option(
      "--from-version", a->from_version,
      "Changes after this version (required, but with --follow and a --resume-file that exists)");
  changes->add_option("--to-version", a->to_version, "Up to this version (default: latest)");
  changes->add_flag("--full", a->full,
                    "Every version that changed a key (insert, update, delete), not each key once");
  changes->add_flag("--include-before", a->include_before,
                    "With --full or --follow: each record with the row before it");
  AddFollowFlags(changes, &a->follow, true);
  changes->callback([&flags, a, exit_code] {
    const bool follow = a->follow.follow;
    const char* wrong = follow && a->to_version                     ? "--follow has no --to-version"
                        : !follow && !a->follow.resume_file.empty() ? "--resume-file needs --follow"
                        : !follow && !a->from_version               ? "--from-version is required"
                                                                    : nullptr;
    if (wrong != nullptr) {
      std::cerr << "deltatunnel: changes: " << wrong << "\n";
      return void(*exit_code = kExitUsage);
    }
    auto c = OpenClient(flags);
    if (!c) return void(*exit_code = kExitUsage);
    if (follow) {
      *exit_code = FollowTableChanges(*c, a->project, a->table, a->partition, a->include_before,
                                      a->from_version, a->follow);
      return;
    }
    auto r = a->full || a->include_before
                 ? c->FullChanges(a->project, a->table, *a->from_version, a->to_version,
                                  a->include_before, a->partition)
                 : c->Changes(a->project, a->table, *a->from_version, a->to_version, a->partition);
    if (!r.ok()) return void(*exit_code = Fail("changes", r.status()));
    std::cout << r->body;
  });

  auto* versions = app.add_subcommand("versions", "Print a table's versions, newest first");
  versions->add_option("--project", a->project, "Project")->required();
  versions->add_option("--table", a->table, "Table")->required();
  versions->add_option("--limit", a->limit, "At most this many");
  versions->callback([&flags, a, exit_code] {
    auto c = OpenClient(flags);
    if (!c) return void(*exit_code = kExitUsage);
    auto r = c->Versions(a->project, a->table, a->limit);
    if (!r.ok()) return void(*exit_code = Fail("versions", r.status()));
    std::cout << r->dump(2) << "\n";
  });
}

}  // namespace deltatunnel::tool
