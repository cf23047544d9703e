// The little XML the ODPS REST surface needs. Out: escaping for element text and CDATA sections
// for answers built by hand. In: a small, strict reader for the job documents clients POST
// (<Instance><Job><Tasks>...), which refuses malformed input rather than guessing. It keeps
// elements and their text (CDATA included, entities decoded); attributes are checked for shape and
// dropped, and there is no DTD, namespace or processing-instruction support beyond skipping the
// <?xml ...?> declaration.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "deltatunnel/proto/status.h"

namespace deltatunnel::server::odps {

struct XmlElement {
  std::string name;
  std::string text;  // the element's own character data, concatenated
  std::vector<XmlElement> children;

  // The first child named `name` (exact), or nullptr.
  const XmlElement* Child(std::string_view name) const;
  // The text of the first child named `name`, or "" when there is none.
  std::string ChildText(std::string_view name) const;
};

// Nesting beyond this is refused (the job documents are 6 deep).
inline constexpr int kMaxXmlDepth = 32;

// Parses one document; InvalidArgument naming the offset for malformed input.
Result<XmlElement> ParseXml(std::string_view doc);

// `text` with & < > " ' escaped, for element text and attribute values.
std::string XmlEscape(std::string_view text);
// `text` as one or more CDATA sections (a "]]>" inside is split across two).
std::string XmlCData(std::string_view text);

}  // namespace deltatunnel::server::odps
