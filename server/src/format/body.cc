#include "deltatunnel/server/format_body.h"

#include <string>

#include "deltatunnel/proto/schema.h"

namespace deltatunnel::server {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

Result<BodyFormat> ParseBodyFormat(std::string_view name) {
  using proto::NamesEqual;
  if (NamesEqual(name, "ndjson") || NamesEqual(name, "jsonl")) return BodyFormat::kNdjson;
  if (NamesEqual(name, "csv")) return BodyFormat::kCsv;
  if (NamesEqual(name, "json")) return BodyFormat::kJson;
  return InvalidArgument("format '" + std::string(name) + "' is not one of ndjson, csv, json");
}

Result<BodyFormat> BodyFormatFromContentType(std::string_view content_type) {
  using proto::NamesEqual;
  const std::string_view media = Trim(content_type.substr(0, content_type.find(';')));
  if (NamesEqual(media, "application/x-ndjson") || NamesEqual(media, "application/ndjson") ||
      NamesEqual(media, "application/jsonl") || NamesEqual(media, "application/x-jsonlines")) {
    return BodyFormat::kNdjson;
  }
  if (NamesEqual(media, "text/csv")) return BodyFormat::kCsv;
  if (NamesEqual(media, "application/json")) return BodyFormat::kJson;
  return Status(ErrorCode::kUnsupportedMediaType,
                "Content-Type '" + std::string(content_type) +
                    "' is not application/x-ndjson, text/csv or application/json");
}

std::string_view NameOf(BodyFormat format) {
  switch (format) {
    case BodyFormat::kNdjson:
      return "ndjson";
    case BodyFormat::kCsv:
      return "csv";
    case BodyFormat::kJson:
      return "json";
  }
  return "ndjson";
}

std::string_view ContentTypeOf(BodyFormat format) {
  switch (format) {
    case BodyFormat::kNdjson:
      return "application/x-ndjson";
    case BodyFormat::kCsv:
      return "text/csv; charset=utf-8";
    case BodyFormat::kJson:
      return "application/json";
  }
  return "application/octet-stream";
}

}  // namespace deltatunnel::server
