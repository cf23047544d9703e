// ReadJsonArray (format/load.h): one JSON array of row objects; an element's index (1-based) is its
// "line". A value that does not fit its column rejects that element only; malformed JSON refuses
// the body, since nothing after it can be read. An empty body is an empty array.
#include "deltatunnel/server/format_load.h"
#include "format/json_row.h"
#include "format/json_value.h"
#include "format/row_assembler.h"

namespace deltatunnel::server {

namespace od = simdjson::ondemand;

namespace {

std::string_view TrimEnd(std::string_view s) {
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

// The text of an element that is not an object (an array, a string, a number, ...).
std::string_view ElementText(od::value& v) {
  std::string_view text;
  od::array array;
  if (v.get_array().get(array) == simdjson::SUCCESS) {
    if (array.raw_json().get(text) != simdjson::SUCCESS) return {};
  } else {
    text = v.raw_json_token();
  }
  return TrimEnd(text);
}

}  // namespace

LoadResult ReadJsonArray(std::string_view body, const LoadOptions& options,
                         proto::RowBatch* batch) {
  RowAssembler a(options, batch);
  if (body.substr(0, 3) == "\xEF\xBB\xBF") body.remove_prefix(3);
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos || a.done()) return a.Finish();
  const simdjson::padded_string padded(body);
  od::parser parser;
  od::document doc;
  od::array array;
  if (auto e = parser.iterate(padded).get(doc)) {
    a.RejectBody(0, "", JsonSyntaxError(e).message());
    return a.Finish();
  }
  if (auto e = doc.get_array().get(array)) {
    a.RejectBody(0, "",
                 e == simdjson::INCORRECT_TYPE ? "the body is not a JSON array of row objects"
                                               : JsonSyntaxError(e).message());
    return a.Finish();
  }
  uint64_t index = 0;
  for (auto element : array) {
    if (a.done()) break;
    ++index;
    if (element.error()) {
      a.RejectBody(index, "", JsonSyntaxError(element.error()).message());
      break;
    }
    od::object object;
    if (auto e = element.get_object().get(object)) {
      if (e != simdjson::INCORRECT_TYPE) {
        a.RejectBody(index, "", JsonSyntaxError(e).message());
        break;
      }
      std::string_view text;
      if (options.keep_rejected) text = ElementText(element.value_unsafe());
      a.BeginRow(index, text);
      a.RejectRow("", "the element is not a JSON object");
    } else {
      // The element's text is read ahead only when a rejected row keeps it: raw_json passes over
      // the object, reset goes back to its start.
      std::string_view text;
      if (options.keep_rejected && (object.raw_json().get(text) || object.reset().error())) {
        a.RejectBody(index, "", "malformed JSON: the body cannot be read past this element");
        break;
      }
      a.BeginRow(index, TrimEnd(text));
      if (!ReadJsonRow(object, &a)) {
        a.RejectBody(index, "", "malformed JSON: the body cannot be read past this element");
        break;
      }
    }
    a.FinishRow();
  }
  if (!a.done()) {
    const char* rest;
    if (doc.current_location().get(rest) == simdjson::SUCCESS) {
      a.RejectBody(index, "", "unexpected text after the closing ']'");
    }
  }
  return a.Finish();
}

}  // namespace deltatunnel::server
