// deltatunnel load FILE: a CSV or NDJSON file into a table.
//
// By default in ONE upsert session (api.md section 3): the file is sent in chunks of about
// --chunk-size bytes, each a PUT of NDJSON or CSV rows that the server places in their buckets, one
// after the other (so a key written twice in the file ends as its last line says), then one
// commit: the whole file becomes visible at once under one version, or nothing of it does (a
// failure or a kill halfway leaves the session uncommitted; it is aborted when the tool can, and
// expires otherwise). A chunk whose answer was lost is sent again, which re-applies the same rows
// in the same order: harmless.
//
// With --commit-every-chunk (and always with --max-bad-rows, which only one-shot loads take), as
// one-shot loads (api.md section 3) of --chunk-size each: each chunk is one atomic commit carrying
// an Idempotency-Key (<run id>-<chunk>), so a retried chunk is never applied twice; the file as a
// whole is not atomic: a failure stops at a chunk boundary and says how many rows were committed
// before it. For files too big for one session's lifetime.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <random>
#include <vector>

#include "chunker.h"
#include "deltatunnel/client/upsert_session.h"
#include "progress.h"
#include "tool.h"

namespace deltatunnel::tool {
namespace {

std::string RunId() {
  std::random_device rd;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%08x%08x", rd(), rd());
  return buf;
}

struct LoadArgs {
  std::string project, table, partition, format, file, timezone;
  std::string chunk_size = "8mb";
  std::optional<int64_t> max_bad_rows;
  bool partial_update = false;
  bool quiet = false;
  bool commit_every_chunk = false;
};

// One session, one commit. Answers the exit code.
int LoadInOneSession(client::Client& c, const LoadArgs& a, const std::string& format,
                     Chunker& chunker, Progress& progress) {
  client::SessionOptions so;
  so.partition = a.partition;
  auto session = client::UpsertSession::Create(c, a.project, a.table, so);
  if (!session.ok()) return Fail("load", session.status());
  const std::string content_type = ContentTypeOfFormat(format);
  std::string body;
  uint64_t rows = 0, first_line = 0, chunks = 0, written = 0;
  while (chunker.Next(&body, &rows, &first_line)) {
    auto r = (*session)->WriteRows(body, content_type, a.partial_update, a.timezone);
    if (!r.ok()) {
      progress.Finish();
      Status aborted = (*session)->Abort();
      std::cerr << "deltatunnel: chunk " << chunks + 1 << " (file lines from " << first_line
                << "; line numbers below count within the chunk"
                << (format == "csv" ? ", whose line 1 is the header" : "")
                << ") failed; nothing of the file was committed"
                << (aborted.ok() ? " (the session is aborted)" : " (the session expires by itself)")
                << "\n";
      return Fail("load", r.status());
    }
    written += r->value("rows", uint64_t{0});
    ++chunks;
    progress.Add(r->value("rows", uint64_t{0}), body.size());
  }
  Status committed = (*session)->Commit();
  progress.Finish();
  if (!committed.ok()) {
    std::cerr << "deltatunnel: the commit failed; nothing of the file is visible\n";
    return Fail("load", committed);
  }
  if (!a.quiet) {
    std::cout << progress.Summary(written, chunks,
                                  static_cast<int64_t>((*session)->commit_version()))
              << ", one commit\n";
  }
  return 0;
}
}  // namespace

void AddLoadCommand(CLI::App& app, const GlobalFlags& flags, int* exit_code) {
  auto a = std::make_shared<LoadArgs>();
  auto* load = app.add_subcommand(
      "load",
      "Load a CSV or NDJSON file in one upsert session: sent in chunks of --chunk-size, then\n"
      "one commit (the whole file or nothing). --commit-every-chunk: one-shot loads instead,\n"
      "each chunk its own commit (retried safely), the whole file not atomic.");
  load->add_option("--project", a->project, "Project")->required();
  load->add_option("--table", a->table, "Table")->required();
  load->add_option("--partition", a->partition, "Partition spec, ds=20261125");
  load->add_option("--format", a->format, "csv or ndjson (default: by the file's extension)")
      ->check(CLI::IsMember({"csv", "ndjson"}));
  load->add_option("--chunk-size", a->chunk_size, "Bytes per load request")->capture_default_str();
  load->add_option("--max-bad-rows", a->max_bad_rows,
                   "Skip up to N bad rows per chunk (implies --commit-every-chunk)");
  load->add_flag("--commit-every-chunk", a->commit_every_chunk,
                 "Commit each chunk on its own (files too big for one session)");
  load->add_option("--timezone", a->timezone, "Zone of TIMESTAMP values without an offset");
  load->add_flag("--partial-update", a->partial_update, "Update only the columns given");
  load->add_flag("--quiet", a->quiet, "No progress or summary");
  load->add_option("FILE", a->file, "The file (.csv, .ndjson, .jsonl)")->required();
  load->callback([&flags, a, exit_code] {
    std::string format = a->format;
    if (format.empty()) {
      format = FormatByExtension(a->file);
      if (format == "json") format = "ndjson";  // loads read a .json file as NDJSON
    }
    if (format.empty()) {
      std::cerr << "deltatunnel: cannot tell the format of " << a->file << "; give --format\n";
      return void(*exit_code = kExitUsage);
    }
    auto chunk = client::ParseByteSize(a->chunk_size);
    if (!chunk.ok() || *chunk < 1024) {
      std::cerr << "deltatunnel: --chunk-size must be a size of at least 1kb\n";
      return void(*exit_code = kExitUsage);
    }
    Chunker chunker(a->file, format == "csv", *chunk);
    if (access(a->file.c_str(), R_OK) != 0 || !chunker.ok()) {
      std::cerr << "deltatunnel: cannot read " << a->file << "\n";
      return void(*exit_code = kExitLocalIo);
    }
    auto c = OpenClient(flags);
    if (!c) return void(*exit_code = kExitUsage);

    if (!a->commit_every_chunk && !a->max_bad_rows) {
      Progress progress(chunker.file_size(), !a->quiet && isatty(STDERR_FILENO));
      return void(*exit_code = LoadInOneSession(*c, *a, format, chunker, progress));
    }

    client::LoadOptions o;
    o.partition = a->partition;
    o.content_type = ContentTypeOfFormat(format);
    o.max_bad_rows = a->max_bad_rows;
    o.partial_update = a->partial_update;
    o.timezone = a->timezone;
    const std::string run = RunId();
    Progress progress(chunker.file_size(), !a->quiet && isatty(STDERR_FILENO));
    std::string body;
    uint64_t rows = 0, first_line = 0, committed = 0, chunks = 0, skipped = 0, kept = 0;
    std::vector<uint64_t> reject_sets;  // the sets the chunks' skipped rows are kept in
    int64_t version = -1;
    while (chunker.Next(&body, &rows, &first_line)) {
      const uint64_t bytes = body.size();
      o.idempotency_key = run + "-" + std::to_string(chunks);
      auto r = c->Load(a->project, a->table, std::move(body), o);
      if (!r.ok()) {
        progress.Finish();
        std::cerr << "deltatunnel: chunk " << chunks + 1 << " (file lines from " << first_line
                  << "; line numbers below count within the chunk"
                  << (format == "csv" ? ", whose line 1 is the header" : "") << ") failed; "
                  << committed << " rows were committed before it\n";
        return void(*exit_code = Fail("load", r.status()));
      }
      committed += r->value("rows", uint64_t{0});
      if (r->contains("skipped")) skipped += (*r)["skipped"].size();
      if (r->contains("rejects")) {
        const auto& set = (*r)["rejects"];
        reject_sets.push_back(set.value("id", uint64_t{0}));
        kept += set.value("rows", uint64_t{0});
      }
      version = r->value("version", version);
      ++chunks;
      progress.Add(r->value("rows", uint64_t{0}), bytes);
    }
    progress.Finish();
    if (!a->quiet) {
      std::cout << progress.Summary(committed, chunks, version)
                << (skipped ? ", " + std::to_string(skipped) + " bad rows skipped" : "") << "\n";
      if (!reject_sets.empty()) {
        std::cout << RejectsNote(a->project, a->table, reject_sets, kept) << "\n";
      }
    }
  });
}

}  // namespace deltatunnel::tool
