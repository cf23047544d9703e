// `changes --follow` and `consumer changes --follow`: a change feed printed as it comes, NDJSON on
// stdout (the full form: records, a checkpoint after each batch), until the server shuts down
// (exit 0), SIGINT or SIGTERM (0), an error record ends the feed (1, with the server's message), or
// the connection is lost or silent for three heartbeats, at least 10 s (3).
//
// Output is whole batches: a batch's records are held until its checkpoint (up to 4 MiB; a larger
// batch goes out as it comes, and a signal then waits for its checkpoint) and written with it, and
// stdout is flushed, so a pipe sees each commit at once and a stop leaves no half batch. A
// checkpoint repeated (the server's heartbeat) is not printed. With --resume-file F each printed
// checkpoint is then written to F (F.tmp, fsync, rename), and a follow that finds F starts after
// the version in it: stopped by a signal and started again, it misses and repeats nothing; killed
// (SIGKILL), at most the batch printed last comes again.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <iostream>

#include "tool.h"

namespace deltatunnel::tool {
namespace {

volatile std::sig_atomic_t g_signalled = 0;
void OnSignal(int) { g_signalled = 1; }

constexpr size_t kBatchHeld = 4 << 20;

void CatchStopSignals() {
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  // Writes to stdout are restarted; the feed's waits (poll) are cut short all the same.
  sa.sa_flags = SA_RESTART;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

bool WriteResumeFile(const std::string& path, int64_t version) {
  const std::string tmp = path + ".tmp", text = std::to_string(version) + "\n";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  bool ok = fd >= 0 && ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
            ::fsync(fd) == 0;
  if (fd >= 0) ok = ::close(fd) == 0 && ok;
  ok = ok && std::rename(tmp.c_str(), path.c_str()) == 0;
  if (!ok) std::cerr << "deltatunnel: writing " << path << ": " << std::strerror(errno) << "\n";
  return ok;
}

// Prints a feed's lines in whole batches (see the top of the file).
class Printer {
 public:
  explicit Printer(std::string resume_file) : resume_file_(std::move(resume_file)) {}

  bool OnLine(const client::FeedLine& line) {
    if (line.checkpoint && line.checkpoint == last_) return true;  // a heartbeat
    held_.append(line.json);
    held_.push_back('\n');
    if (!line.checkpoint) {
      if (held_.size() >= kBatchHeld) {
        Write();
        batch_out_ = true;
      }
      return true;
    }
    Write();
    std::cout.flush();
    batch_out_ = false;
    last_ = line.checkpoint;
    if (!std::cout) {
      std::cerr << "deltatunnel: writing to standard output failed\n";
      failed_ = true;
    } else if (!resume_file_.empty() && !WriteResumeFile(resume_file_, *last_)) {
      failed_ = true;
    }
    return !failed_;
  }
  // A signal stops the follow between batches; what is held of the next one is not printed.
  bool Stop() const { return g_signalled != 0 && !batch_out_; }
  bool failed() const { return failed_; }

 private:
  void Write() {
    std::cout.write(held_.data(), static_cast<std::streamsize>(held_.size()));
    held_.clear();
  }

  std::string resume_file_;
  std::string held_;        // the batch's records since its last checkpoint, not yet printed
  bool batch_out_ = false;  // part of the batch was printed (it outgrew kBatchHeld)
  std::optional<int64_t> last_;
  bool failed_ = false;
};

using FeedStart = std::function<Status(const client::FollowOptions&, const client::FeedHandler&)>;

int Follow(const std::string& what, client::FollowOptions options, const std::string& resume_file,
           const FeedStart& start) {
  Printer printer(resume_file);
  CatchStopSignals();
  options.stop = [&printer] { return printer.Stop(); };
  Status s =
      start(options, [&printer](const client::FeedLine& line) { return printer.OnLine(line); });
  if (printer.failed()) return kExitLocalIo;
  if (!s.ok()) return Fail(what, s);
  return kExitOk;
}

}  // namespace

void AddFollowFlags(CLI::App* cmd, FollowFlags* flags, bool resumable) {
  cmd->add_flag("--follow", flags->follow,
                "Go on as the table is committed: each commit's records (the full form) and its "
                "checkpoint as they come, until the server shuts down or SIGINT/SIGTERM (exit 0); "
                "a feed ended by an error (its table dropped) exits 1 with the server's message");
  cmd->add_option("--heartbeat", flags->heartbeat_s,
                  "With --follow: seconds between the server's heartbeats (not printed); three "
                  "missed (at least 10 s) are a dead connection (exit 3)")
      ->check(CLI::Range(1, 300))
      ->capture_default_str();
  if (resumable) {
    cmd->add_option("--resume-file", flags->resume_file,
                    "With --follow: keep the last printed checkpoint in this file, and start "
                    "after it when the file exists (instead of --from-version)");
  }
}

int FollowTableChanges(client::Client& c, const std::string& project, const std::string& table,
                       const std::string& partition, bool include_before,
                       std::optional<int64_t> from_version, const FollowFlags& flags) {
  if (!flags.resume_file.empty()) {
    std::ifstream in(flags.resume_file);
    if (in) {
      int64_t v = -1;
      if (!(in >> v) || v < 0) {
        std::cerr << "deltatunnel: " << flags.resume_file << " holds no version\n";
        return kExitLocalIo;
      }
      from_version = v;
    }
  }
  if (!from_version) {
    std::cerr << "deltatunnel: changes --follow needs --from-version (or a --resume-file that "
                 "exists)\n";
    return kExitUsage;
  }
  client::FollowOptions o;
  o.from_version = *from_version;
  o.partition = partition;
  o.include_before = include_before;
  o.heartbeat_s = flags.heartbeat_s;
  return Follow("changes", o, flags.resume_file,
                [&](const client::FollowOptions& options, const client::FeedHandler& on_line) {
                  return c.FollowChanges(project, table, options, on_line);
                });
}

int FollowConsumerChanges(client::Client& c, const std::string& project, const std::string& table,
                          const std::string& name, bool include_before, const FollowFlags& flags) {
  client::FollowOptions o;
  o.include_before = include_before;
  o.heartbeat_s = flags.heartbeat_s;
  return Follow("consumer changes", o, "",
                [&](const client::FollowOptions& options, const client::FeedHandler& on_line) {
                  return c.FollowConsumerChanges(project, table, name, options, on_line);
                });
}

}  // namespace deltatunnel::tool
