// deltatunnel rejects list|show|rows|replay|purge: a table's reject quarantine (api.md "Reject
// quarantine"), the rows one-shot loads skipped with --max-bad-rows, one set a load. The loop from
// the shell: `rejects show` says why each row was refused; `rejects rows --output F` writes the
// rows exactly as they were sent; once F is fixed, `rejects replay --file F` loads it into the
// set's partition and marks the set replayed in the same commit (at most once: a second replay is
// refused); `rejects purge` discards sets.
#include <algorithm>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <vector>

#include "tool.h"

namespace deltatunnel::tool {

std::string RejectsNote(const std::string& project, const std::string& table,
                        const std::vector<uint64_t>& set_ids, uint64_t rows) {
  if (set_ids.empty()) return "";
  std::string note = std::to_string(rows) + " bad rows kept in reject set";
  if (set_ids.size() == 1) {
    const std::string id = std::to_string(set_ids[0]);
    return note + " " + id + ": deltatunnel rejects show --project " + project + " --table " +
           table + " --id " + id;
  }
  note += "s";
  for (size_t i = 0; i < set_ids.size(); ++i) {
    note += (i == 0 ? " " : ", ") + std::to_string(set_ids[i]);
  }
  return note + ": deltatunnel rejects list --project " + project + " --table " + table;
}

namespace {

struct RejectArgs {
  std::string project, table, file, output, format, timezone;
  uint64_t id = 0;
  std::optional<int64_t> max_bad_rows;
  bool partial_update = false;
  bool all = false;
  bool json = false;
};

CLI::App* Command(CLI::App* parent, const char* name, const char* what, RejectArgs* a, bool one) {
  auto* cmd = parent->add_subcommand(name, what);
  cmd->add_option("--project", a->project, "Project")->required();
  cmd->add_option("--table", a->table, "Table")->required();
  if (one) cmd->add_option("--id", a->id, "The reject set's id")->required();
  return cmd;
}

// A JSON value as a table cell: "-" for null, 0 (no version) and "".
std::string Cell(const nlohmann::json& v) {
  if (v.is_null()) return "-";
  if (v.is_string()) return v.get<std::string>().empty() ? "-" : v.get<std::string>();
  if (v.is_number_integer() && v.get<int64_t>() == 0) return "-";
  return v.dump();
}

void PrintTable(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()), 0);
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size() + 2, ' ');
    }
    std::cout << line << "\n";
  }
}

void PrintList(const nlohmann::json& answer) {
  const nlohmann::json& sets = answer.value("rejects", nlohmann::json::array());
  if (sets.empty()) {
    std::cout << "no reject sets\n";
    return;
  }
  std::vector<std::vector<std::string>> rows = {
      {"ID", "PARTITION", "FORMAT", "CREATED", "LOAD VERSION", "ROWS", "REPLAYED VERSION"}};
  for (const auto& s : sets) {
    // A replay that committed nothing (every row skipped again) has replayed_version 0.
    std::string replayed = "-";
    if (!s.value("replayed_at", nlohmann::json()).is_null()) {
      replayed = std::to_string(s.value("replayed_version", int64_t{0}));
    }
    rows.push_back(
        {Cell(s.value("id", nlohmann::json())), Cell(s.value("partition", nlohmann::json())),
         Cell(s.value("format", nlohmann::json())), Cell(s.value("created_at", nlohmann::json())),
         Cell(s.value("load_version", nlohmann::json())),
         std::to_string(s.value("rows", uint64_t{0})), replayed});
  }
  PrintTable(rows);
  std::cout << sets.size() << (sets.size() == 1 ? " set" : " sets")
            << "; held (not replayed): " << answer.value("rows", uint64_t{0}) << " rows, "
            << answer.value("bytes", uint64_t{0}) << " bytes\n";
}

// Each line of `text` after the first indented (a CSV record may span lines).
std::string Indented(const std::string& text, const std::string& indent) {
  std::string out = indent;
  for (char ch : text) {
    out += ch;
    if (ch == '\n') out += indent;
  }
  return out;
}

void PrintSet(const nlohmann::json& set) {
  std::cout << "reject set " << Cell(set.value("id", nlohmann::json())) << ": "
            << set.value("rows", uint64_t{0}) << " rows, " << Cell(set.value("format", ""))
            << ", partition " << Cell(set.value("partition", "")) << ", load version "
            << Cell(set.value("load_version", nlohmann::json())) << ", created "
            << Cell(set.value("created_at", nlohmann::json()));
  if (!set.value("replayed_at", nlohmann::json()).is_null()) {
    std::cout << ", replayed (version " << set.value("replayed_version", int64_t{0}) << ")";
  }
  std::cout << "\n";
  for (const auto& r : set.value("rejected", nlohmann::json::array())) {
    std::cout << "line " << Cell(r.value("line", nlohmann::json()));
    if (r.contains("column")) std::cout << ", column " << Cell(r["column"]);
    std::cout << ": " << r.value("reason", "") << "\n"
              << Indented(r.value("text", ""), "    ") << "\n";
  }
}

}  // namespace

void AddRejectCommands(CLI::App& app, const GlobalFlags& flags, int* exit_code) {
  auto a = std::make_shared<RejectArgs>();
  auto* rejects = app.add_subcommand(
      "rejects",
      "A table's reject quarantine: the rows loads skipped with --max-bad-rows, kept to be\n"
      "fixed and replayed (or purged)");
  rejects->require_subcommand(1);

  auto* list = Command(rejects, "list", "List the reject sets, oldest first", a.get(), false);
  list->add_flag("--json", a->json, "Print the whole JSON answer instead");
  list->callback([&flags, a, exit_code] {
    auto c = OpenClient(flags);
    if (!c) return void(*exit_code = kExitUsage);
    auto r = c->ListRejects(a->project, a->table);
    if (!r.ok()) return void(*exit_code = Fail("rejects list", r.status()));
    if (a->json) {
      std::cout << r->dump(2) << "\n";
      return;
    }
    PrintList(*r);
  });

  auto* show =
      Command(rejects, "show", "Print a set's rows: line, column, reason and text", a.get(), true);
  show->add_flag("--json", a->json, "Print the whole JSON answer instead");
  show->callback([&flags, a, exit_code] {
    auto c = OpenClient(flags);
    if (!c) return void(*exit_code = kExitUsage);
    auto r = c->GetRejects(a->project, a->table, a->id);
    if (!r.ok()) return void(*exit_code = Fail("rejects show", r.status()));
    if (a->json) {
      std::cout << r->dump(2) << "\n";
      return;
    }
    PrintSet(*r);
  });

  auto* rows = Command(rejects, "rows",
                       "Print a set's rows exactly as they were sent (in the set's format), to\n"
                       "fix and replay",
                       a.get(), true);
  rows->add_option("--output", a->output, "Write them to this file instead of standard output");
  rows->callback([&flags, a, exit_code] {
    auto c = OpenClient(flags);
    if (!c) return void(*exit_code = kExitUsage);
    auto r = c->RejectRows(a->project, a->table, a->id);
    if (!r.ok()) return void(*exit_code = Fail("rejects rows", r.status()));
    if (a->output.empty()) {
      std::cout.write(r->body.data(), static_cast<std::streamsize>(r->body.size()));
      std::cout.flush();
      if (!std::cout) {
        std::cerr << "deltatunnel: writing to standard output failed\n";
        *exit_code = kExitLocalIo;
      }
      return;
    }
    std::ofstream out(a->output, std::ios::binary | std::ios::trunc);
    out.write(r->body.data(), static_cast<std::streamsize>(r->body.size()));
    out.close();
    if (!out) {
      std::cerr << "deltatunnel: cannot write " << a->output << "\n";
      return void(*exit_code = kExitLocalIo);
    }
  });

  auto* replay = Command(rejects, "replay",
                         "Load a set's rows into its partition and mark it replayed, in one\n"
                         "commit: the fixed rows of --file, or without it the rows as they are",
                         a.get(), true);
  replay->add_option("--file", a->file, "The corrected rows (.ndjson, .jsonl, .csv or .json)");
  replay
      ->add_option("--format", a->format, "ndjson, csv or json (default: by the file's extension)")
      ->check(CLI::IsMember({"ndjson", "csv", "json"}));
  replay->add_option("--max-bad-rows", a->max_bad_rows,
                     "Skip up to N bad rows (kept in a new reject set)");
  replay->add_option("--timezone", a->timezone, "Zone of TIMESTAMP values without an offset");
  replay->add_flag("--partial-update", a->partial_update, "Update only the columns given");
  replay->callback([&flags, a, exit_code] {
    std::string body, content_type;
    if (!a->file.empty()) {
      const std::string format = a->format.empty() ? FormatByExtension(a->file) : a->format;
      if (format.empty()) {
        std::cerr << "deltatunnel: cannot tell the format of " << a->file << "; give --format\n";
        return void(*exit_code = kExitUsage);
      }
      std::ifstream in(a->file, std::ios::binary);
      std::stringstream text;
      text << in.rdbuf();
      if (!in) {
        std::cerr << "deltatunnel: cannot read " << a->file << "\n";
        return void(*exit_code = kExitLocalIo);
      }
      body = text.str();
      // An empty body would replay the set's rows as they are: not what an emptied file means.
      if (body.empty()) {
        std::cerr << "deltatunnel: " << a->file
                  << " is empty; to discard the set, purge it (rejects purge --id " << a->id
                  << ")\n";
        return void(*exit_code = kExitUsage);
      }
      content_type = ContentTypeOfFormat(format);
    } else if (!a->format.empty()) {
      std::cerr << "deltatunnel: --format goes with --file\n";
      return void(*exit_code = kExitUsage);
    }
    auto c = OpenClient(flags);
    if (!c) return void(*exit_code = kExitUsage);
    client::ReplayOptions o;
    o.max_bad_rows = a->max_bad_rows;
    o.partial_update = a->partial_update;
    o.timezone = a->timezone;
    auto r = c->ReplayRejects(a->project, a->table, a->id, body, content_type, o);
    if (!r.ok()) return void(*exit_code = Fail("rejects replay", r.status()));
    const uint64_t committed = r->value("rows", uint64_t{0});
    std::cout << "replayed reject set " << a->id << ": loaded " << committed << " rows";
    if (committed > 0) std::cout << ", version " << r->value("version", int64_t{-1});
    if (r->contains("skipped")) std::cout << ", " << (*r)["skipped"].size() << " bad rows skipped";
    std::cout << "\n";
    if (r->contains("rejects")) {
      const auto& k = (*r)["rejects"];
      std::cout << RejectsNote(a->project, a->table, {k.value("id", uint64_t{0})},
                               k.value("rows", uint64_t{0}))
                << "\n";
    }
  });

  auto* purge = Command(rejects, "purge", "Discard one reject set (--id) or all of them (--all)",
                        a.get(), false);
  auto* id = purge->add_option("--id", a->id, "The reject set's id");
  auto* all = purge->add_flag("--all", a->all, "Every set of the table");
  id->excludes(all);
  all->excludes(id);
  purge->callback([&flags, a, exit_code, id] {
    if (!a->all && id->count() == 0) {
      std::cerr << "deltatunnel: rejects purge needs --id N or --all\n";
      return void(*exit_code = kExitUsage);
    }
    auto c = OpenClient(flags);
    if (!c) return void(*exit_code = kExitUsage);
    auto r = c->PurgeRejects(a->project, a->table,
                             a->all ? std::nullopt : std::optional<uint64_t>(a->id));
    if (!r.ok()) return void(*exit_code = Fail("rejects purge", r.status()));
    const auto& ids = r->value("purged", nlohmann::json::array());
    std::cout << "purged " << ids.size() << (ids.size() == 1 ? " reject set" : " reject sets");
    for (size_t i = 0; i < ids.size(); ++i) std::cout << (i == 0 ? ": " : ", ") << ids[i].dump();
    std::cout << "\n";
  });
}

}  // namespace deltatunnel::tool
