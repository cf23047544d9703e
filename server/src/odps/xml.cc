#include "odps/xml.h"

#include <fmt/format.h>

#include <charconv>

namespace deltatunnel::server::odps {
namespace {

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.' || c == ':';
}
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

class Reader {
 public:
  explicit Reader(std::string_view doc) : doc_(doc) {}

  Result<XmlElement> Document() {
    SkipSpace();
    if (Starts("<?xml")) {
      size_t end = doc_.find("?>", pos_);
      if (end == std::string_view::npos) return Fail("unterminated <?xml declaration");
      pos_ = end + 2;
    }
    DT_RETURN_IF_ERROR(SkipMisc());
    if (!Starts("<")) return Fail("expected the root element");
    DT_ASSIGN_OR_RETURN(XmlElement root, Element(1));
    DT_RETURN_IF_ERROR(SkipMisc());
    if (pos_ != doc_.size()) return Fail("content after the root element");
    return root;
  }

 private:
  bool Starts(std::string_view s) const { return doc_.substr(pos_, s.size()) == s; }
  void SkipSpace() {
    while (pos_ < doc_.size() && IsSpace(doc_[pos_])) ++pos_;
  }
  Status Fail(std::string_view what) const {
    return InvalidArgument(fmt::format("malformed XML at offset {}: {}", pos_, what));
  }
  // Whitespace and comments between elements.
  Status SkipMisc() {
    while (true) {
      SkipSpace();
      if (!Starts("<!--")) return Status::Ok();
      size_t end = doc_.find("-->", pos_ + 4);
      if (end == std::string_view::npos) return Fail("unterminated comment");
      pos_ = end + 3;
    }
  }

  Result<std::string> Name() {
    size_t start = pos_;
    while (pos_ < doc_.size() && IsNameChar(doc_[pos_])) ++pos_;
    if (pos_ == start) return Fail("expected a name");
    return std::string(doc_.substr(start, pos_ - start));
  }

  // Decodes one entity reference at pos_ ('&') onto `out`.
  Status Entity(std::string& out) {
    size_t semi = doc_.find(';', pos_);
    if (semi == std::string_view::npos || semi - pos_ > 12) return Fail("unterminated entity");
    std::string_view ref = doc_.substr(pos_ + 1, semi - pos_ - 1);
    pos_ = semi + 1;
    if (ref == "lt") return out.push_back('<'), Status::Ok();
    if (ref == "gt") return out.push_back('>'), Status::Ok();
    if (ref == "amp") return out.push_back('&'), Status::Ok();
    if (ref == "quot") return out.push_back('"'), Status::Ok();
    if (ref == "apos") return out.push_back('\''), Status::Ok();
    if (ref.size() >= 2 && ref[0] == '#') {
      const bool hex = ref[1] == 'x' || ref[1] == 'X';
      std::string_view digits = ref.substr(hex ? 2 : 1);
      uint32_t cp = 0;
      auto [end, ec] =
          std::from_chars(digits.data(), digits.data() + digits.size(), cp, hex ? 16 : 10);
      if (!digits.empty() && ec == std::errc() && end == digits.data() + digits.size() && cp > 0 &&
          cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF)) {
        AppendUtf8(out, cp);
        return Status::Ok();
      }
    }
    return Fail(fmt::format("unknown entity '&{};'", ref));
  }

  Status Attributes() {
    while (true) {
      SkipSpace();
      if (pos_ >= doc_.size()) return Fail("unterminated tag");
      if (doc_[pos_] == '>' || doc_[pos_] == '/') return Status::Ok();
      DT_ASSIGN_OR_RETURN(std::string name, Name());
      SkipSpace();
      if (!Starts("=")) return Fail("expected '=' after an attribute name");
      ++pos_;
      SkipSpace();
      if (pos_ >= doc_.size() || (doc_[pos_] != '"' && doc_[pos_] != '\'')) {
        return Fail("expected a quoted attribute value");
      }
      size_t end = doc_.find(doc_[pos_], pos_ + 1);
      if (end == std::string_view::npos) return Fail("unterminated attribute value");
      if (doc_.substr(pos_ + 1, end - pos_ - 1).find('<') != std::string_view::npos) {
        return Fail("'<' in an attribute value");
      }
      pos_ = end + 1;
    }
  }

  Result<XmlElement> Element(int depth) {
    if (depth > kMaxXmlDepth) return Fail("nested too deeply");
    ++pos_;  // '<'
    XmlElement e;
    DT_ASSIGN_OR_RETURN(e.name, Name());
    DT_RETURN_IF_ERROR(Attributes());
    if (Starts("/>")) {
      pos_ += 2;
      return e;
    }
    ++pos_;  // '>'
    while (true) {
      if (pos_ >= doc_.size()) return Fail(fmt::format("unterminated element <{}>", e.name));
      const char c = doc_[pos_];
      if (c == '&') {
        DT_RETURN_IF_ERROR(Entity(e.text));
      } else if (c != '<') {
        if (c == '>' && pos_ >= 2 && doc_.substr(pos_ - 2, 2) == "]]") {
          return Fail("']]>' in text");
        }
        e.text.push_back(c);
        ++pos_;
      } else if (Starts("<![CDATA[")) {
        size_t end = doc_.find("]]>", pos_ + 9);
        if (end == std::string_view::npos) return Fail("unterminated CDATA section");
        e.text.append(doc_.substr(pos_ + 9, end - pos_ - 9));
        pos_ = end + 3;
      } else if (Starts("<!--")) {
        size_t end = doc_.find("-->", pos_ + 4);
        if (end == std::string_view::npos) return Fail("unterminated comment");
        pos_ = end + 3;
      } else if (Starts("</")) {
        pos_ += 2;
        DT_ASSIGN_OR_RETURN(std::string closing, Name());
        if (closing != e.name) {
          return Fail(fmt::format("</{}> closes <{}>", closing, e.name));
        }
        SkipSpace();
        if (!Starts(">")) return Fail("expected '>'");
        ++pos_;
        return e;
      } else if (Starts("<!") || Starts("<?")) {
        return Fail("declarations and processing instructions are not accepted here");
      } else {
        DT_ASSIGN_OR_RETURN(XmlElement child, Element(depth + 1));
        e.children.push_back(std::move(child));
      }
    }
  }

  std::string_view doc_;
  size_t pos_ = 0;
};

}  // namespace

const XmlElement* XmlElement::Child(std::string_view child_name) const {
  for (const XmlElement& c : children) {
    if (c.name == child_name) return &c;
  }
  return nullptr;
}

std::string XmlElement::ChildText(std::string_view child_name) const {
  const XmlElement* c = Child(child_name);
  return c == nullptr ? std::string() : c->text;
}

Result<XmlElement> ParseXml(std::string_view doc) { return Reader(doc).Document(); }

std::string XmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out.push_back(c);
        break;
    }
  }
  return out;
}

std::string XmlCData(std::string_view text) {
  std::string out = "<![CDATA[";
  size_t start = 0;
  while (true) {
    size_t end = text.find("]]>", start);
    if (end == std::string_view::npos) break;
    // "]]" ends this section, ">" starts the next: the reader concatenates them back.
    out.append(text.substr(start, end + 2 - start));
    out += "]]><![CDATA[";
    start = end + 2;
  }
  out.append(text.substr(start));
  out += "]]>";
  return out;
}

}  // namespace deltatunnel::server::odps
