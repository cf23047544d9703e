// Answers read as they arrive, line by line, and the change feeds that follow a table with them
// (changes?follow=true, api.md "Change feeds"): records, a checkpoint after each batch, the last
// checkpoint again every heartbeat while idle, an error record as the last line if the feed cannot
// go on, and a clean end when the server shuts down.
#include <algorithm>

#include "deltatunnel/client/client.h"

namespace deltatunnel::client {
namespace {

std::string TablePath(const std::string& project, const std::string& table) {
  return "/api/v1/projects/" + PercentEncode(project) + "/tables/" + PercentEncode(table);
}

// The error record that ends a feed, {"error": {"code", "message"}}, as the Status it tells.
Status FeedError(std::string_view line) {
  auto json = nlohmann::json::parse(line, nullptr, false);
  HttpResponse as_answer;
  as_answer.status = 500;
  as_answer.body = std::string(line);
  if (json.is_object() && json["error"].is_object()) {
    as_answer.body = nlohmann::json{{"Code", json["error"].value("code", "")},
                                    {"Message", json["error"].value("message", "")}}
                         .dump();
  }
  return StatusFromResponse(as_answer);
}

}  // namespace

Status Client::StreamLines(const std::string& path, const Query& query,
                           std::chrono::milliseconds idle_timeout, const LineHandler& on_line,
                           const std::function<bool()>& stop) {
  std::string pending;  // what arrived after the last newline
  bool began = false, stopped = false;
  auto stopping = [&] { return stopped || (stop && stop()); };
  const BodySink sink = [&](std::string_view piece) {
    began |= !piece.empty();
    pending.append(piece);
    size_t start = 0;
    for (size_t end = 0; !stopped && (end = pending.find('\n', start)) != std::string::npos;
         start = end + 1) {
      stopped = (stop && stop()) || !on_line(std::string_view(pending).substr(start, end - start));
    }
    pending.erase(0, start);
    if (piece.empty() && stop && stop()) stopped = true;
    return !stopped;
  };
  Result<HttpResponse> res = CallWith(
      "GET", path, query, {}, {}, Retry::kYes,
      [&](const HttpRequest& req) { return transport_->SendStreaming(req, idle_timeout, sink); },
      [&] { return !began && !stopping(); });
  if (stopping()) return Status::Ok();
  if (!res.ok()) return res.status();
  if (!pending.empty()) on_line(pending);  // a last line without its newline
  return Status::Ok();
}

Status Client::Follow(const std::string& path, Query query, const FollowOptions& options,
                      const FeedHandler& on_line) {
  query.emplace_back("follow", "true");
  if (options.include_before) query.emplace_back("include", "before");
  query.emplace_back("heartbeat_s", std::to_string(options.heartbeat_s));
  const std::chrono::milliseconds idle =
      options.idle_timeout.value_or(std::max<std::chrono::milliseconds>(
          std::chrono::seconds(3 * options.heartbeat_s), std::chrono::seconds(10)));
  Status error_record;
  Status s = StreamLines(
      path, query, idle,
      [&](std::string_view line) {
        FeedLine l{line, std::nullopt};
        // Records begin {"version":..., so only these two need a look.
        if (line.starts_with(R"({"checkpoint")")) {
          auto json = nlohmann::json::parse(line, nullptr, false);
          if (json.is_object() && json["checkpoint"].is_number_integer()) {
            l.checkpoint = json["checkpoint"].get<int64_t>();
          }
        } else if (line.starts_with(R"({"error")")) {
          error_record = FeedError(line);
          return false;
        }
        return on_line(l);
      },
      options.stop);
  DT_RETURN_IF_ERROR(s);
  return error_record;
}

Status Client::FollowChanges(const std::string& project, const std::string& table,
                             const FollowOptions& options, const FeedHandler& on_line) {
  Query q{{"from_version", std::to_string(options.from_version)}, {"form", "full"}};
  if (!options.partition.empty()) q.emplace_back("partition", options.partition);
  return Follow(TablePath(project, table) + "/changes", std::move(q), options, on_line);
}

Status Client::FollowConsumerChanges(const std::string& project, const std::string& table,
                                     const std::string& name, const FollowOptions& options,
                                     const FeedHandler& on_line) {
  return Follow(TablePath(project, table) + "/consumers/" + PercentEncode(name) + "/changes", {},
                options, on_line);
}

}  // namespace deltatunnel::client
