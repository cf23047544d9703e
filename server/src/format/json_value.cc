// ReadJsonValue (format/json_value.h). On Demand reads each value once, front to back: every branch
// below consumes the value it is given, which is what lets the caller go on to the next key.
#include "format/json_value.h"

#include <string>

#include "deltatunnel/proto/schema.h"
#include "deltatunnel/server/format_scalar.h"

namespace deltatunnel::server {
namespace {

using proto::Type;
using proto::TypeKind;
using proto::Value;
namespace od = simdjson::ondemand;

std::string_view KindName(od::json_type t) {
  switch (t) {
    case od::json_type::array:
      return "an array";
    case od::json_type::object:
      return "an object";
    case od::json_type::number:
      return "a number";
    case od::json_type::string:
      return "a string";
    case od::json_type::boolean:
      return "a boolean";
    case od::json_type::null:
      return "null";
  }
  return "a value";
}

Status Prefixed(const std::string& prefix, const Status& s) {
  return {s.code(), prefix + s.message()};
}

std::string_view TrimRight(std::string_view s) {
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

Status ReadArray(od::value json, const Type& type, const TimeZone& zone, Value* out) {
  od::array array;
  if (auto e = json.get_array().get(array)) return JsonSyntaxError(e);
  proto::List list;
  for (auto element : array) {
    od::value v;
    if (auto e = element.get(v)) return JsonSyntaxError(e);
    list.emplace_back();
    Status s = ReadJsonValue(v, type.children[0], zone, &list.back());
    if (!s.ok()) return Prefixed("element " + std::to_string(list.size() - 1) + ": ", s);
  }
  *out = Value(std::move(list));
  return Status::Ok();
}

Status ReadMap(od::value json, const Type& type, const TimeZone& zone, Value* out) {
  od::object object;
  if (auto e = json.get_object().get(object)) return JsonSyntaxError(e);
  proto::List list;
  for (auto field : object) {
    std::string_view key;
    if (auto e = field.unescaped_key().get(key)) return JsonSyntaxError(e);
    Value k;
    Status s = ParseScalarText(type.children[0], key, TextSource::kJsonString, zone, &k);
    if (!s.ok()) return Prefixed("key " + QuoteForMessage(key) + ": ", s);
    for (size_t i = 0; i < list.size(); i += 2) {
      if (list[i] == k) return InvalidArgument("key " + QuoteForMessage(key) + " appears twice");
    }
    list.push_back(std::move(k));
    od::value v;
    if (auto e = field.value().get(v)) return JsonSyntaxError(e);
    list.emplace_back();
    s = ReadJsonValue(v, type.children[1], zone, &list.back());
    if (!s.ok()) return Prefixed("value of key " + QuoteForMessage(key) + ": ", s);
  }
  *out = Value(std::move(list));
  return Status::Ok();
}

Status ReadStruct(od::value json, const Type& type, const TimeZone& zone, Value* out) {
  od::object object;
  if (auto e = json.get_object().get(object)) return JsonSyntaxError(e);
  proto::List fields(type.children.size());
  std::vector<bool> seen(type.children.size(), false);
  for (auto field : object) {
    std::string_view key;
    if (auto e = field.unescaped_key().get(key)) return JsonSyntaxError(e);
    size_t i = 0;
    while (i < type.field_names.size() && !proto::NamesEqual(type.field_names[i], key)) ++i;
    if (i == type.field_names.size()) {
      return InvalidArgument("unknown field " + QuoteForMessage(key) + " for " + type.ToString());
    }
    if (seen[i]) return InvalidArgument("field " + QuoteForMessage(key) + " appears twice");
    seen[i] = true;
    od::value v;
    if (auto e = field.value().get(v)) return JsonSyntaxError(e);
    Status s = ReadJsonValue(v, type.children[i], zone, &fields[i]);
    if (!s.ok()) return Prefixed("field '" + type.field_names[i] + "': ", s);
  }
  *out = Value(std::move(fields));
  return Status::Ok();
}

}  // namespace

Status JsonSyntaxError(simdjson::error_code error) {
  return {ErrorCode::kCorruptedDataStream,
          std::string("malformed JSON: ") + simdjson::error_message(error)};
}

Status ReadJsonValue(od::value json, const Type& type, const TimeZone& zone, Value* out) {
  od::json_type kind;
  if (auto e = json.type().get(kind)) return JsonSyntaxError(e);
  if (kind == od::json_type::null) {
    bool is_null = false;
    if (auto e = json.is_null().get(is_null); e || !is_null) {
      return JsonSyntaxError(e ? e : simdjson::INCORRECT_TYPE);
    }
    *out = Value();
    return Status::Ok();
  }
  const auto mismatch = [&]() {
    return InvalidArgument("expected " +
                           std::string(type.kind == TypeKind::kArray ? "an array"
                                       : type.IsScalar()             ? "a scalar"
                                                                     : "an object") +
                           " for " + type.ToString() + ", got " + std::string(KindName(kind)));
  };
  switch (type.kind) {
    case TypeKind::kArray:
      if (kind != od::json_type::array) return mismatch();
      return ReadArray(json, type, zone, out);
    case TypeKind::kMap:
      if (kind != od::json_type::object) return mismatch();
      return ReadMap(json, type, zone, out);
    case TypeKind::kStruct:
      if (kind != od::json_type::object) return mismatch();
      return ReadStruct(json, type, zone, out);
    default:
      break;
  }
  switch (kind) {
    case od::json_type::string: {
      std::string_view text;
      if (auto e = json.get_string().get(text)) return JsonSyntaxError(e);
      return ParseScalarText(type, text, TextSource::kJsonString, zone, out);
    }
    case od::json_type::number: {
      std::string_view text = TrimRight(json.raw_json_token());
      return ParseScalarText(type, text, TextSource::kJsonNumber, zone, out);
    }
    case od::json_type::boolean: {
      bool b;
      if (auto e = json.get_bool().get(b)) return JsonSyntaxError(e);
      if (type.kind != TypeKind::kBoolean) {
        return InvalidArgument("expected " + type.ToString() + ", got " + (b ? "true" : "false"));
      }
      *out = Value(b);
      return Status::Ok();
    }
    default:
      return InvalidArgument("expected " + type.ToString() + ", got " +
                             std::string(KindName(kind)));
  }
}

}  // namespace deltatunnel::server
