#include "feed/consumers.h"

#include <fmt/format.h>

#include "api_util.h"
#include "feed/change_feed.h"

namespace deltatunnel::server {
namespace {

const std::string& Project(const Request& req) { return PathParam(req, "project"); }
const std::string& Table(const Request& req) { return PathParam(req, "table"); }
const std::string& Name(const Request& req) { return PathParam(req, "consumer"); }

nlohmann::json ConsumerJson(const storage::ConsumerInfo& c) {
  return {{"name", c.name},
          {"offset", c.offset},
          {"latest", c.latest},
          {"lag_versions", c.latest - c.offset},
          {"lag_seconds", static_cast<double>(c.lag_ms) / 1000.0},
          {"created_at", TimeOrNull(c.created_at_ms)},
          {"acked_at", TimeOrNull(c.acked_at_ms)},
          {"lost", c.lost}};
}

Result<uint64_t> VersionField(const nlohmann::json& body, const char* name) {
  auto v = body.find(name);
  if (v == body.end() || !v->is_number_unsigned()) {
    return InvalidArgument(fmt::format("'{}' must be a version number", name));
  }
  return v->get<uint64_t>();
}

Result<Response> Create(ApiContext& ctx, Request& req) {
  DT_ASSIGN_OR_RETURN(nlohmann::json body, ParseJsonBody(req));
  if (!body.is_object()) return InvalidArgument("the body must be a JSON object");
  auto name = body.find("name");
  if (name == body.end() || !name->is_string()) {
    return InvalidArgument("'name' must be the consumer's name");
  }
  std::optional<uint64_t> from;
  if (body.contains("from_version") && !body["from_version"].is_null()) {
    DT_ASSIGN_OR_RETURN(from, VersionField(body, "from_version"));
  }
  DT_ASSIGN_OR_RETURN(
      storage::ConsumerInfo c,
      ctx.engine->CreateConsumer(Project(req), Table(req), name->get<std::string>(), from));
  return JsonResponse(ConsumerJson(c), 201);
}

Result<Response> List(ApiContext& ctx, Request& req) {
  DT_ASSIGN_OR_RETURN(std::vector<storage::ConsumerInfo> all,
                      ctx.engine->ListConsumers(Project(req), Table(req)));
  nlohmann::json out = nlohmann::json::array();
  for (const auto& c : all) out.push_back(ConsumerJson(c));
  return JsonResponse({{"consumers", out}});
}

Result<Response> Get(ApiContext& ctx, Request& req) {
  DT_ASSIGN_OR_RETURN(storage::ConsumerInfo c,
                      ctx.engine->GetConsumer(Project(req), Table(req), Name(req)));
  return JsonResponse(ConsumerJson(c));
}

Result<Response> Changes(ApiContext& ctx, Request& req) {
  DT_ASSIGN_OR_RETURN(storage::ConsumerInfo c,
                      ctx.engine->GetConsumer(Project(req), Table(req), Name(req)));
  if (c.lost) {
    return Status(ErrorCode::kVersionExpired,
                  fmt::format("consumer '{}' lost its place: its offset {} is past the table's "
                              "retention and past the longest a consumer holds it; acknowledge a "
                              "readable version to go on from there",
                              c.name, c.offset));
  }
  if (req.Query("from_version") != nullptr) {
    return InvalidArgument("a consumer's changes start at its offset: no from_version");
  }
  return FullChanges(ctx, req, c.offset);
}

Result<Response> Ack(ApiContext& ctx, Request& req) {
  DT_ASSIGN_OR_RETURN(nlohmann::json body, ParseJsonBody(req));
  if (!body.is_object()) return InvalidArgument("the body must be a JSON object");
  DT_ASSIGN_OR_RETURN(const uint64_t version, VersionField(body, "version"));
  DT_ASSIGN_OR_RETURN(storage::ConsumerInfo c,
                      ctx.engine->AckConsumer(Project(req), Table(req), Name(req), version));
  return JsonResponse(ConsumerJson(c));
}

Result<Response> Drop(ApiContext& ctx, Request& req) {
  DT_RETURN_IF_ERROR(ctx.engine->DropConsumer(Project(req), Table(req), Name(req)));
  Response r;
  r.status = 204;
  return r;
}

}  // namespace

Response HandleCreateConsumer(ApiContext& ctx, Request& req) {
  return Answer(req, [&] { return Create(ctx, req); });
}
Response HandleListConsumers(ApiContext& ctx, Request& req) {
  return Answer(req, [&] { return List(ctx, req); });
}
Response HandleGetConsumer(ApiContext& ctx, Request& req) {
  return Answer(req, [&] { return Get(ctx, req); });
}
Response HandleConsumerChanges(ApiContext& ctx, Request& req) {
  return Answer(req, [&] { return Changes(ctx, req); });
}
Response HandleAckConsumer(ApiContext& ctx, Request& req) {
  return Answer(req, [&] { return Ack(ctx, req); });
}
Response HandleDropConsumer(ApiContext& ctx, Request& req) {
  return Answer(req, [&] { return Drop(ctx, req); });
}

}  // namespace deltatunnel::server
