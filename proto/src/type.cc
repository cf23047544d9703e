// Type grammar (any case, spaces anywhere between tokens):
//   type   := BOOLEAN | TINYINT | SMALLINT | INT | BIGINT | FLOAT | DOUBLE | DECIMAL [ "(" p "," s
//   ")" ]
//           | STRING | VARCHAR "(" n ")" | CHAR "(" n ")" | BINARY | JSON | DATE | DATETIME
//           | TIMESTAMP | TIMESTAMP_NTZ | ARRAY "<" type ">" | MAP "<" scalar "," type ">"
//           | STRUCT "<" name ":" type { "," name ":" type } ">"
#include <array>
#include <cctype>
#include <string>

#include "deltatunnel/proto/schema.h"
#include "deltatunnel/proto/type.h"

namespace deltatunnel::proto {
namespace {

// Bounds the recursion, so that a hostile "ARRAY<ARRAY<..." cannot exhaust the stack.
constexpr int kMaxNesting = 32;

struct Keyword {
  std::string_view name;
  TypeKind kind;
};
constexpr std::array<Keyword, 20> kKeywords = {{
    {"BOOLEAN", TypeKind::kBoolean},
    {"TINYINT", TypeKind::kTinyint},
    {"SMALLINT", TypeKind::kSmallint},
    {"INT", TypeKind::kInt},
    {"BIGINT", TypeKind::kBigint},
    {"FLOAT", TypeKind::kFloat},
    {"DOUBLE", TypeKind::kDouble},
    {"DECIMAL", TypeKind::kDecimal},
    {"STRING", TypeKind::kString},
    {"VARCHAR", TypeKind::kVarchar},
    {"CHAR", TypeKind::kChar},
    {"BINARY", TypeKind::kBinary},
    {"JSON", TypeKind::kJson},
    {"DATE", TypeKind::kDate},
    {"DATETIME", TypeKind::kDatetime},
    {"TIMESTAMP", TypeKind::kTimestamp},
    {"TIMESTAMP_NTZ", TypeKind::kTimestampNtz},
    {"ARRAY", TypeKind::kArray},
    {"MAP", TypeKind::kMap},
    {"STRUCT", TypeKind::kStruct},
}};

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Result<Type> ParseAll() {
    Type t;
    DT_RETURN_IF_ERROR(ParseType(0, &t));
    SkipSpaces();
    if (pos_ != text_.size()) return Error("unexpected text after the type");
    return t;
  }

 private:
  Status Error(std::string_view what) const {
    return InvalidArgument("invalid type '" + std::string(text_) + "': " + std::string(what));
  }

  void SkipSpaces() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }

  bool Accept(char c) {
    SkipSpaces();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  Status Expect(char c) {
    if (Accept(c)) return Status::Ok();
    return Error(std::string("expected '") + c + "'");
  }

  std::string_view Word() {
    SkipSpaces();
    size_t start = pos_;
    while (pos_ < text_.size() &&
           (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_')) {
      ++pos_;
    }
    return text_.substr(start, pos_ - start);
  }

  Status Number(int* out) {
    SkipSpaces();
    size_t start = pos_;
    int64_t v = 0;
    while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) {
      v = v * 10 + (text_[pos_] - '0');
      if (v > 1'000'000) return Error("number out of range");
      ++pos_;
    }
    if (pos_ == start) return Error("expected a number");
    *out = static_cast<int>(v);
    return Status::Ok();
  }

  Status ParseType(int depth, Type* t) {
    if (depth > kMaxNesting) return Error("nested too deeply");
    std::string_view word = Word();
    if (word.empty()) return Error("expected a type name");
    const Keyword* kw = nullptr;
    for (const Keyword& k : kKeywords) {
      if (NamesEqual(k.name, word)) kw = &k;
    }
    if (kw == nullptr) return Error("unknown type '" + std::string(word) + "'");
    t->kind = kw->kind;
    switch (t->kind) {
      case TypeKind::kDecimal:
        return ParseDecimalArgs(t);
      case TypeKind::kVarchar:
      case TypeKind::kChar:
        DT_RETURN_IF_ERROR(Expect('('));
        DT_RETURN_IF_ERROR(Number(&t->length));
        DT_RETURN_IF_ERROR(Expect(')'));
        if (t->length < 1 || t->length > 65535) return Error("length must be 1 to 65535");
        return Status::Ok();
      case TypeKind::kArray:
        t->children.resize(1);
        DT_RETURN_IF_ERROR(Expect('<'));
        DT_RETURN_IF_ERROR(ParseType(depth + 1, &t->children[0]));
        return Expect('>');
      case TypeKind::kMap:
        t->children.resize(2);
        DT_RETURN_IF_ERROR(Expect('<'));
        DT_RETURN_IF_ERROR(ParseType(depth + 1, &t->children[0]));
        if (!t->children[0].IsScalar()) return Error("a MAP key must be a scalar type");
        DT_RETURN_IF_ERROR(Expect(','));
        DT_RETURN_IF_ERROR(ParseType(depth + 1, &t->children[1]));
        return Expect('>');
      case TypeKind::kStruct:
        return ParseStructFields(depth, t);
      default:
        return Status::Ok();
    }
  }

  Status ParseDecimalArgs(Type* t) {
    t->precision = 38;
    t->scale = 18;
    if (!Accept('(')) return Status::Ok();
    DT_RETURN_IF_ERROR(Number(&t->precision));
    // DECIMAL(p) means scale 0, as in SQL.
    t->scale = 0;
    if (Accept(',')) DT_RETURN_IF_ERROR(Number(&t->scale));
    DT_RETURN_IF_ERROR(Expect(')'));
    if (t->precision < 1 || t->precision > 38) return Error("DECIMAL precision must be 1 to 38");
    if (t->scale > t->precision) return Error("DECIMAL scale must be 0 to the precision");
    return Status::Ok();
  }

  Status ParseStructFields(int depth, Type* t) {
    DT_RETURN_IF_ERROR(Expect('<'));
    do {
      std::string_view name = Word();
      if (!IsValidName(name)) return Error("invalid STRUCT field name '" + std::string(name) + "'");
      for (const std::string& other : t->field_names) {
        if (NamesEqual(other, name)) {
          return Error("duplicate STRUCT field name '" + std::string(name) + "'");
        }
      }
      DT_RETURN_IF_ERROR(Expect(':'));
      t->field_names.emplace_back(name);
      t->children.emplace_back();
      DT_RETURN_IF_ERROR(ParseType(depth + 1, &t->children.back()));
    } while (Accept(','));
    return Expect('>');
  }

  std::string_view text_;
  size_t pos_ = 0;
};

void AppendType(const Type& t, std::string* out) {
  for (const Keyword& k : kKeywords) {
    if (k.kind == t.kind) out->append(k.name);
  }
  switch (t.kind) {
    case TypeKind::kDecimal:
      *out += "(" + std::to_string(t.precision) + "," + std::to_string(t.scale) + ")";
      return;
    case TypeKind::kVarchar:
    case TypeKind::kChar:
      *out += "(" + std::to_string(t.length) + ")";
      return;
    case TypeKind::kArray:
    case TypeKind::kMap:
      *out += '<';
      for (size_t i = 0; i < t.children.size(); ++i) {
        if (i > 0) *out += ',';
        AppendType(t.children[i], out);
      }
      *out += '>';
      return;
    case TypeKind::kStruct:
      *out += '<';
      for (size_t i = 0; i < t.children.size(); ++i) {
        if (i > 0) *out += ',';
        if (i < t.field_names.size()) *out += t.field_names[i];
        *out += ':';
        AppendType(t.children[i], out);
      }
      *out += '>';
      return;
    default:
      return;
  }
}

}  // namespace

Result<Type> Type::Parse(std::string_view text) { return Parser(text).ParseAll(); }

std::string Type::ToString() const {
  std::string out;
  AppendType(*this, &out);
  return out;
}

}  // namespace deltatunnel::proto
