// The daemon's command line. The flags --config FILE, --listen HOST:PORT and --data-dir DIR are
// fixed (tools and tests start the server with them); flags override the file's keys.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "deltatunnel/proto/status.h"
#include "deltatunnel/server/config.h"

namespace deltatunnel::server {

struct CommandLine {
  ServerConfig config;
  // After binding, the server writes its port to this file (for tools and tests that start it
  // on port 0).
  std::string port_file;
  // --restore DIR [--backup-id N]: before starting, restore that backup (the latest without an
  // id) into the data directory, which must not hold a database yet.
  std::string restore_from;
  std::optional<uint32_t> backup_id;
  // --verify-backup DIR [--backup-id N]: check that backup, print what it holds, and exit (0 when
  // it is sound, 1 when not) without starting.
  std::string verify_backup;
  // --help or --version: print `output` and exit with `exit_code` without starting.
  bool exit_now = false;
  int exit_code = 0;
  std::string output;
};

// Parses argv, loads --config when given (the built-in defaults otherwise, which equal
// conf/deltatunnel.toml), applies the flags and validates. InvalidArgument with a message for the
// user on any error.
Result<CommandLine> ParseCommandLine(int argc, const char* const* argv);

}  // namespace deltatunnel::server
