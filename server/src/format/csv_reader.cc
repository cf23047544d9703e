// ReadCsv (format/load.h): a header line naming columns (any case, any order, optionally __op),
// then one record a row. An unquoted empty field is null; a quoted empty field ("") is the empty
// string, so both survive a round trip through the CSV writer. Lines holding nothing are skipped.
// ARRAY, MAP and STRUCT columns cannot be loaded from CSV (api.md section 3): naming one in the
// header refuses the body.
#include <simdjson.h>

#include <algorithm>

#include "deltatunnel/server/format_load.h"
#include "deltatunnel/server/format_scalar.h"
#include "format/csv_scanner.h"
#include "format/row_assembler.h"

namespace deltatunnel::server {
namespace {

using Slot = RowAssembler::Slot;

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool IsBlankRecord(const std::vector<CsvScanner::Field>& fields) {
  return fields.size() == 1 && !fields[0].quoted && TrimSpaces(fields[0].raw).empty();
}

bool NeedsUtf8Check(const proto::Type& type) {
  return type.kind == proto::TypeKind::kString || type.kind == proto::TypeKind::kVarchar ||
         type.kind == proto::TypeKind::kChar || type.kind == proto::TypeKind::kJson;
}

// Reads the header into `slots`; false (body refused) if it names a column twice, an unknown
// column, or a nested one.
bool ReadHeader(const std::vector<CsvScanner::Field>& fields, uint64_t line, RowAssembler* a,
                std::vector<Slot>* slots) {
  std::string scratch;
  std::vector<std::string> seen;
  for (size_t i = 0; i < fields.size(); ++i) {
    const std::string_view name = TrimSpaces(CsvScanner::Text(fields[i], &scratch));
    const Slot slot = a->Resolve(i, name);
    if (slot.kind == Slot::Kind::kUnknown) {
      a->RejectBody(line, name,
                    name.empty() ? "header field " + std::to_string(i + 1) + " is empty"
                                 : "the header names unknown column '" + std::string(name) + "'");
      return false;
    }
    const std::string canonical(a->NameOf(slot));
    if (std::find(seen.begin(), seen.end(), canonical) != seen.end()) {
      a->RejectBody(line, canonical, "the header names '" + canonical + "' twice");
      return false;
    }
    seen.push_back(canonical);
    if (slot.kind != Slot::Kind::kOp && !a->TypeOf(slot).IsScalar()) {
      a->RejectBody(line, canonical,
                    a->TypeOf(slot).ToString() +
                        " columns cannot be loaded from CSV; send NDJSON or a JSON array");
      return false;
    }
    slots->push_back(slot);
  }
  return true;
}

void ReadRecord(const std::vector<CsvScanner::Field>& fields, const std::vector<Slot>& slots,
                RowAssembler* a, std::string* scratch) {
  if (fields.size() != slots.size()) {
    a->RejectRow("", "the record has " + std::to_string(fields.size()) + " fields, the header " +
                         std::to_string(slots.size()));
    return;
  }
  for (size_t i = 0; i < fields.size(); ++i) {
    const Slot slot = slots[i];
    if (!a->Claim(slot, a->NameOf(slot))) return;
    const CsvScanner::Field& f = fields[i];
    const std::string_view text = CsvScanner::Text(f, scratch);
    if (slot.kind == Slot::Kind::kOp) {
      if (!text.empty() && !a->SetOp(text)) return;
      continue;
    }
    if (text.empty() && !f.quoted) continue;  // null
    const proto::Type& type = a->TypeOf(slot);
    if (NeedsUtf8Check(type) && !simdjson::validate_utf8(text.data(), text.size())) {
      a->RejectRow(a->NameOf(slot), "the text is not valid UTF-8");
      return;
    }
    Status s = ParseScalarText(type, text, TextSource::kCsvField, a->zone(), a->ValueOf(slot));
    if (!s.ok()) {
      a->RejectRow(a->NameOf(slot), s.message());
      return;
    }
  }
}

}  // namespace

LoadResult ReadCsv(std::string_view body, const LoadOptions& options, proto::RowBatch* batch) {
  RowAssembler a(options, batch);
  if (body.substr(0, 3) == "\xEF\xBB\xBF") body.remove_prefix(3);
  CsvScanner scanner(body);
  std::vector<CsvScanner::Field> fields;
  std::vector<Slot> slots;
  std::string error, scratch;
  uint64_t line = 0;
  bool have_header = false;
  // A record's text as sent, without its line break.
  auto text_from = [&](size_t start) {
    std::string_view t = body.substr(start, scanner.position() - start);
    if (!t.empty() && t.back() == '\n') t.remove_suffix(1);
    if (!t.empty() && t.back() == '\r') t.remove_suffix(1);
    return t;
  };
  std::string header;
  while (!a.done()) {
    const size_t start = scanner.position();
    const CsvScanner::Next next = scanner.Read(&fields, &line, &error);
    if (next == CsvScanner::Next::kEnd) break;
    if (next == CsvScanner::Next::kBadBody) {
      a.RejectBody(line, "", error);
      break;
    }
    if (!have_header) {
      if (next == CsvScanner::Next::kBadRecord) {
        a.RejectBody(line, "", "the header is malformed: " + error);
        break;
      }
      if (IsBlankRecord(fields)) continue;
      if (!ReadHeader(fields, line, &a, &slots)) break;
      have_header = true;
      header = text_from(start);
      continue;
    }
    if (next == CsvScanner::Next::kRecord && IsBlankRecord(fields)) continue;
    a.BeginRow(line, text_from(start));
    if (next == CsvScanner::Next::kBadRecord) {
      a.RejectRow("", error);
    } else {
      ReadRecord(fields, slots, &a, &scratch);
    }
    a.FinishRow();
  }
  LoadResult r = a.Finish();
  if (!r.refused) r.csv_header = std::move(header);
  return r;
}

}  // namespace deltatunnel::server
