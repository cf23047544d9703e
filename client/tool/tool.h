// The `deltatunnel` tool's shared pieces: exit codes, the connection flags, and how an error
// becomes a message and an exit code.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "deltatunnel/client/client.h"

namespace deltatunnel::tool {

// Exit codes scripts may rely on (also in client/README.md and `deltatunnel --help`).
enum ExitCode : int {
  kExitOk = 0,
  kExitServerError = 1,  // the server answered an error (its Code and Message are printed)
  kExitUsage = 2,        // bad flags, arguments or input files
  kExitConnection = 3,   // the server could not be reached, after the retries
  kExitLocalIo = 4,      // a local file could not be read or written
};

struct GlobalFlags {
  std::string endpoint = "http://127.0.0.1:8080";
  std::string access_id, access_key, token;
  int timeout_s = 300;
  int retries = 4;  // fewer than the library's 8: a person is waiting
};

// Opens a client from the flags; nullptr after printing the reason.
std::unique_ptr<client::Client> OpenClient(const GlobalFlags& flags);

// Prints "deltatunnel: <what>: <status>" to stderr and answers the exit code for it.
int Fail(const std::string& what, const Status& status);

// A body file's format by its extension: "ndjson" (.ndjson, .jsonl), "csv", "json"; "" otherwise.
std::string FormatByExtension(const std::string& path);
// The Content-Type of a body in `format` ("csv", "json", else NDJSON).
std::string ContentTypeOfFormat(const std::string& format);

// `changes --follow`, `consumer changes --follow` (follow_command.cc).
struct FollowFlags {
  bool follow = false;
  int heartbeat_s = 15;
  std::string resume_file;
};
// --follow, --heartbeat and, when `resumable`, --resume-file.
void AddFollowFlags(CLI::App* cmd, FollowFlags* flags, bool resumable);
// Print a feed as it comes until it ends or a signal stops it; answer the exit code.
int FollowTableChanges(client::Client& c, const std::string& project, const std::string& table,
                       const std::string& partition, bool include_before,
                       std::optional<int64_t> from_version, const FollowFlags& flags);
int FollowConsumerChanges(client::Client& c, const std::string& project, const std::string& table,
                          const std::string& name, bool include_before, const FollowFlags& flags);

// Each registers its subcommand; the callback stores its exit code in *exit_code.
void AddTableCommands(CLI::App& app, const GlobalFlags& flags, int* exit_code);
void AddReadCommands(CLI::App& app, const GlobalFlags& flags, int* exit_code);
void AddConsumerCommands(CLI::App& app, const GlobalFlags& flags, int* exit_code);
void AddLoadCommand(CLI::App& app, const GlobalFlags& flags, int* exit_code);
void AddAdminCommands(CLI::App& app, const GlobalFlags& flags, int* exit_code);
void AddBackupCommands(CLI::App& app, const GlobalFlags& flags, int* exit_code);
void AddRejectCommands(CLI::App& app, const GlobalFlags& flags, int* exit_code);

// What a load's summary says of the reject sets it kept (reject_commands.cc): "N bad rows kept in
// reject set K: deltatunnel rejects show ... --id K" (several sets: their ids and `rejects list`);
// "" when none.
std::string RejectsNote(const std::string& project, const std::string& table,
                        const std::vector<uint64_t>& set_ids, uint64_t rows);

}  // namespace deltatunnel::tool
