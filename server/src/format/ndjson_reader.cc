// ReadNdjson (format/load.h): one JSON object a line; blank lines are skipped, a line may end in
// CRLF. Each line is its own simdjson document, so a malformed line costs that row and nothing
// else. Each line is copied into one reusable buffer with simdjson's padding after it and parsed
// there: the body is not copied whole (a load of body_limit_bytes would hold it twice).
#include <cstring>
#include <vector>

#include "deltatunnel/server/format_load.h"
#include "format/json_row.h"
#include "format/json_value.h"
#include "format/row_assembler.h"

namespace deltatunnel::server {
namespace {

namespace od = simdjson::ondemand;

bool IsBlank(std::string_view s) {
  for (char c : s) {
    if (c != ' ' && c != '\t' && c != '\r') return false;
  }
  return true;
}

}  // namespace

LoadResult ReadNdjson(std::string_view body, const LoadOptions& options, proto::RowBatch* batch) {
  RowAssembler a(options, batch);
  if (body.substr(0, 3) == "\xEF\xBB\xBF") body.remove_prefix(3);  // a UTF-8 byte order mark
  const char* data = body.data();
  const size_t size = body.size();
  std::vector<char> line_buf;
  od::parser parser;
  uint64_t line = 0;
  for (size_t pos = 0; pos < size && !a.done();) {
    ++line;
    const void* newline = std::memchr(data + pos, '\n', size - pos);
    const size_t end = newline != nullptr ? static_cast<const char*>(newline) - data : size;
    const std::string_view text(data + pos, end - pos);
    pos = end + 1;
    if (IsBlank(text)) continue;
    a.BeginRow(line, text);
    if (line_buf.size() < text.size() + simdjson::SIMDJSON_PADDING) {
      line_buf.resize(text.size() + simdjson::SIMDJSON_PADDING);
    }
    std::memcpy(line_buf.data(), text.data(), text.size());
    od::document doc;
    od::object object;
    const simdjson::padded_string_view view(line_buf.data(), text.size(), line_buf.size());
    if (auto e = parser.iterate(view).get(doc)) {
      a.RejectRow("", JsonSyntaxError(e).message());
    } else if (auto e2 = doc.get_object().get(object)) {
      a.RejectRow("", e2 == simdjson::INCORRECT_TYPE ? "the line is not a JSON object"
                                                     : JsonSyntaxError(e2).message());
    } else if (ReadJsonRow(object, &a) && !a.row_rejected()) {
      const char* rest;
      if (doc.current_location().get(rest) == simdjson::SUCCESS) {
        a.RejectRow("", "unexpected text after the row's closing '}'");
      }
    }
    a.FinishRow();
  }
  return a.Finish();
}

}  // namespace deltatunnel::server
