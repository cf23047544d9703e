// deltatunnel consumer create|list|changes|ack|drop: a table's consumers, whose offsets the server
// keeps (api.md "Consumers"). A consumer's loop from the shell: `consumer changes` prints what
// follows its offset, ending with {"checkpoint": V}; once that is processed, `consumer ack
// --version V`. `consumer changes --follow` goes on as the table is committed (follow_command.cc).
#include <iostream>
#include <optional>

#include "tool.h"

namespace deltatunnel::tool {
namespace {

struct ConsumerArgs {
  std::string project, table, name;
  std::optional<int64_t> from_version;
  int64_t version = 0;
  bool include_before = false;
  FollowFlags follow;
};

CLI::App* Command(CLI::App* parent, const char* name, const char* what, ConsumerArgs* a,
                  bool named) {
  auto* cmd = parent->add_subcommand(name, what);
  cmd->add_option("--project", a->project, "Project")->required();
  cmd->add_option("--table", a->table, "Table")->required();
  if (named) cmd->add_option("--name", a->name, "The consumer's name")->required();
  return cmd;
}

}  // namespace

void AddConsumerCommands(CLI::App& app, const GlobalFlags& flags, int* exit_code) {
  auto a = std::make_shared<ConsumerArgs>();
  auto* consumer = app.add_subcommand("consumer", "A table's consumers and their offsets");
  consumer->require_subcommand(1);

  auto* create = Command(consumer, "create", "Create a consumer (JSON)", a.get(), true);
  create->add_option("--from-version", a->from_version,
                     "Its offset: changes after this version (default: the latest)");
  create->callback([&flags, a, exit_code] {
    auto c = OpenClient(flags);
    if (!c) return void(*exit_code = kExitUsage);
    auto r = c->CreateConsumer(a->project, a->table, a->name, a->from_version);
    if (!r.ok()) return void(*exit_code = Fail("consumer create", r.status()));
    std::cout << r->dump(2) << "\n";
  });

  auto* list =
      Command(consumer, "list", "Print the consumers and their lag (JSON)", a.get(), false);
  list->callback([&flags, a, exit_code] {
    auto c = OpenClient(flags);
    if (!c) return void(*exit_code = kExitUsage);
    auto r = c->ListConsumers(a->project, a->table);
    if (!r.ok()) return void(*exit_code = Fail("consumer list", r.status()));
    std::cout << r->dump(2) << "\n";
  });

  auto* changes = Command(
      consumer, "changes",
      "Print the changes after the consumer's offset (NDJSON, then a checkpoint)", a.get(), true);
  changes->add_flag("--include-before", a->include_before, "Each record with the row before it");
  AddFollowFlags(changes, &a->follow, false);
  changes->callback([&flags, a, exit_code] {
    auto c = OpenClient(flags);
    if (!c) return void(*exit_code = kExitUsage);
    if (a->follow.follow) {
      *exit_code =
          FollowConsumerChanges(*c, a->project, a->table, a->name, a->include_before, a->follow);
      return;
    }
    auto r = c->ConsumerChanges(a->project, a->table, a->name, a->include_before);
    if (!r.ok()) return void(*exit_code = Fail("consumer changes", r.status()));
    std::cout << r->body;
  });

  auto* ack = Command(consumer, "ack", "Acknowledge every change up to a version", a.get(), true);
  ack->add_option("--version", a->version, "A checkpoint the consumer has processed")->required();
  ack->callback([&flags, a, exit_code] {
    auto c = OpenClient(flags);
    if (!c) return void(*exit_code = kExitUsage);
    auto r = c->AckConsumer(a->project, a->table, a->name, a->version);
    if (!r.ok()) return void(*exit_code = Fail("consumer ack", r.status()));
    std::cout << r->dump(2) << "\n";
  });

  auto* drop = Command(consumer, "drop", "Drop a consumer", a.get(), true);
  drop->callback([&flags, a, exit_code] {
    auto c = OpenClient(flags);
    if (!c) return void(*exit_code = kExitUsage);
    Status s = c->DropConsumer(a->project, a->table, a->name);
    if (!s.ok()) return void(*exit_code = Fail("consumer drop", s));
  });
}

}  // namespace deltatunnel::tool
