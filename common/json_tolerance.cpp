#include "common/json_tolerance.h"

namespace webmon::common {
namespace {

bool isJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

}  // namespace

std::string blankTrailingCommas(std::string_view json) {
  std::string out(json);
  bool in_string = false;
  // The last character outside strings and whitespace: a comma right after '{', '[' or ','
  // follows no value, is no trailing comma, and stays for the parser to report.
  char previous = '\0';
  for (std::size_t i = 0; i < out.size(); ++i) {
    const char c = out[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // whatever is escaped, a quote included, stays in the string
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (isJsonSpace(c)) continue;
    if (c == '"') {
      in_string = true;
    } else if (c == ',' && previous != '{' && previous != '[' && previous != ',' &&
               previous != '\0') {
      std::size_t next = i + 1;
      while (next < out.size() && isJsonSpace(out[next])) ++next;
      if (next < out.size() && (out[next] == '}' || out[next] == ']')) {
        out[i] = ' ';
        continue;  // as if it had never been there
      }
    }
    previous = c;
  }
  return out;
}

}  // namespace webmon::common
