// The parts of format_load.h that are not a reader: dispatch, and the account of errors.
#include "deltatunnel/server/format_load.h"

namespace deltatunnel::server {

LoadResult ReadBody(BodyFormat format, std::string_view body, const LoadOptions& options,
                    proto::RowBatch* batch) {
  switch (format) {
    case BodyFormat::kNdjson:
      return ReadNdjson(body, options, batch);
    case BodyFormat::kCsv:
      return ReadCsv(body, options, batch);
    case BodyFormat::kJson:
      return ReadJsonArray(body, options, batch);
  }
  return ReadNdjson(body, options, batch);
}

Status LoadResult::ToStatus() const {
  if (!refused) return Status::Ok();
  std::string m = std::to_string(bad_rows) + (bad_rows == 1 ? " bad row" : " bad rows");
  if (!errors.empty()) {
    const RowError& e = errors.front();
    m += "; line " + std::to_string(e.line);
    if (!e.column.empty()) m += ", column '" + e.column + "'";
    m += ": " + e.reason;
  }
  return InvalidArgument(std::move(m));
}

nlohmann::json RowErrorsJson(const std::vector<RowError>& errors) {
  nlohmann::json out = nlohmann::json::array();
  for (const RowError& e : errors) {
    nlohmann::json j = {{"line", e.line}};
    if (!e.column.empty()) j["column"] = e.column;
    j["reason"] = e.reason;
    if (!e.text.empty()) j["text"] = e.text;
    out.push_back(std::move(j));
  }
  return out;
}

}  // namespace deltatunnel::server
