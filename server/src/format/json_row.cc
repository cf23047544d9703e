// ReadJsonRow (format/json_row.h).
#include "format/json_row.h"

#include "format/json_value.h"

namespace deltatunnel::server {

namespace od = simdjson::ondemand;
using Slot = RowAssembler::Slot;

bool ReadJsonRow(od::object object, RowAssembler* a) {
  auto malformed = [a](simdjson::error_code e) {
    a->RejectRow("", JsonSyntaxError(e).message());
    return false;
  };
  size_t position = 0;
  for (auto field : object) {
    if (field.error()) return malformed(field.error());
    std::string_view key;
    if (auto e = field.unescaped_key().get(key)) return malformed(e);
    const Slot slot = a->Resolve(position++, key);
    if (!a->Claim(slot, key)) return true;
    od::value value;
    if (auto e = field.value().get(value)) return malformed(e);
    if (slot.kind == Slot::Kind::kOp) {
      od::json_type type;
      if (auto e = value.type().get(type)) return malformed(e);
      if (type == od::json_type::null) continue;  // the default, upsert
      std::string_view op;
      if (type != od::json_type::string) {
        a->RejectRow("__op", "must be the string \"upsert\" or \"delete\"");
        return true;
      }
      if (auto e = value.get_string().get(op)) return malformed(e);
      if (!a->SetOp(op)) return true;
      continue;
    }
    Status s = ReadJsonValue(value, a->TypeOf(slot), a->zone(), a->ValueOf(slot));
    if (!s.ok()) {
      a->RejectRow(a->NameOf(slot), s.message());
      return s.code() != ErrorCode::kCorruptedDataStream;
    }
  }
  return true;
}

}  // namespace deltatunnel::server
