#include "common/utf8.h"

namespace webmon::common {

std::string escapeInvalidUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t length = 0;
    unsigned int min_code = 0;
    if (lead < 0x80) {
      length = 1;
    } else if ((lead & 0xe0) == 0xc0) {
      length = 2;
      min_code = 0x80;
    } else if ((lead & 0xf0) == 0xe0) {
      length = 3;
      min_code = 0x800;
    } else if ((lead & 0xf8) == 0xf0) {
      length = 4;
      min_code = 0x10000;
    }
    bool valid = length > 0 && i + length <= text.size();
    unsigned int code = length > 1 ? lead & (0x7f >> length) : lead;
    for (std::size_t j = 1; valid && j < length; ++j) {
      const auto next = static_cast<unsigned char>(text[i + j]);
      valid = (next & 0xc0) == 0x80;
      code = (code << 6) | (next & 0x3f);
    }
    // Reject overlong forms, surrogates and code points past U+10FFFF, as PostgreSQL does.
    valid = valid && code >= min_code && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff);
    if (valid && lead != 0) {
      out.append(text.substr(i, length));
      i += length;
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[lead >> 4];
      out += kHex[lead & 0x0f];
      ++i;
    }
  }
  return out;
}

}  // namespace webmon::common
