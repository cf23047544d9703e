// Starting and reaping the processes tests drive (the server, etcd).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace deltatunnel::testing {

// Starts `args[0]` (a path, or a name looked up in PATH) with `args`, its stdout and stderr
// appended to `log_path`, no signal blocked and no file of this process open in it but 0-2.
// Throws std::runtime_error when it cannot be started.
pid_t Spawn(std::vector<std::string> args, const std::string& log_path);

// Waits up to `timeout` for `pid` to exit; true (and its exit code, 128 + signal when killed by
// one) when it did.
bool Reap(pid_t pid, std::chrono::milliseconds timeout, int* exit_code);

// A TCP port on 127.0.0.1 that nothing listens on right now.
uint16_t FreePort();

}  // namespace deltatunnel::testing
