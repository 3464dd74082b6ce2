#pragma once
// What the config reader forgives in JSON: a comma before a closing bracket, as in the config
// example of web-monitor (the monitor webmon succeeds), which operators copy verbatim. JSON
// itself does not allow it and nlohmann 3.11 has no switch for it.

#include <string>
#include <string_view>

namespace webmon::common {

/// `json` with every comma that stands (whitespace aside) right before a '}' or ']' outside a
/// string turned into a space: the same length, so a parse error's position still points
/// into the text as written.
std::string blankTrailingCommas(std::string_view json);

}  // namespace webmon::common
