#pragma once
// Making arbitrary bytes safe for a PostgreSQL text column or a log line.

#include <string>
#include <string_view>

namespace webmon::common {

/// `text` with every byte that is not part of valid UTF-8 (and every NUL) written as \xNN.
/// Valid UTF-8 passes through unchanged.
std::string escapeInvalidUtf8(std::string_view text);

}  // namespace webmon::common
