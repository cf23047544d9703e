// The crash tests' child process: this test binary run again (fork + exec) with one hidden test
// case, so that it starts clean instead of as a fork of a multi-threaded process; it reports
// through a pipe whose write end it finds in an environment variable, and is killed with SIGKILL.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

namespace dt_test {

struct CrashChild {
  pid_t pid = -1;
  int fd = -1;       // the read end of its pipe
  std::string text;  // what it said so far

  // Starts `test_name` with `env` set and the pipe's write end in `fd_env`.
  CrashChild(const std::string& test_name, std::vector<std::pair<std::string, std::string>> env,
             const std::string& fd_env) {
    char self[4096];
    const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    REQUIRE(n > 0);
    self[n] = '\0';
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      close(fds[0]);
      for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
      setenv(fd_env.c_str(), std::to_string(fds[1]).c_str(), 1);
      execl(self, self, test_name.c_str(), nullptr);
      _exit(4);
    }
    close(fds[1]);
    fd = fds[0];
  }

  // Reads until `done(text)` or the pipe's end; answers done(text).
  template <typename Pred>
  bool ReadUntil(Pred&& done) {
    char buf[4096];
    while (!done(text)) {
      const ssize_t got = read(fd, buf, sizeof buf);
      if (got <= 0) return done(text);
      text.append(buf, static_cast<size_t>(got));
    }
    return true;
  }

  // SIGKILL, then what it said up to its death.
  void Kill() {
    kill(pid, SIGKILL);
    int wstatus = 0;
    waitpid(pid, &wstatus, 0);
    REQUIRE(WIFSIGNALED(wstatus));
    char buf[4096];
    for (ssize_t got; (got = read(fd, buf, sizeof buf)) > 0;) {
      text.append(buf, static_cast<size_t>(got));
    }
    close(fd);
    fd = -1;
  }
};

}  // namespace dt_test
