#include "common/copy_row.h"

#include <fmt/format.h>

#include <iterator>
#include <type_traits>

namespace webmon::common {

void CopyRow::put(const char* value) { values_.at(next_++) = value; }

void CopyRow::text(std::string_view name) {
  buffer().assign(name);
  put(buffer().c_str());
}

void CopyRow::integer(long long value) {
  buffer() = std::to_string(value);
  put(buffer().c_str());
}

void CopyRow::number(double value) {
  auto& out = buffer();
  out.clear();
  fmt::format_to(std::back_inserter(out), "{}", value);
  put(out.c_str());
}

void CopyRow::time(SystemTime value) {
  buffer() = formatRfc3339(value);
  put(buffer().c_str());
}

template <typename T>
void CopyRow::optional(const std::optional<T>& value) {
  if (!value) {
    null();
  } else if constexpr (std::is_same_v<T, std::string>) {
    text(*value);
  } else if constexpr (std::is_same_v<T, bool>) {
    boolean(*value);
  } else if constexpr (std::is_same_v<T, double>) {
    number(*value);
  } else if constexpr (std::is_same_v<T, SystemTime>) {
    time(*value);
  } else {
    integer(*value);
  }
}

template void CopyRow::optional(const std::optional<std::string>&);
template void CopyRow::optional(const std::optional<bool>&);
template void CopyRow::optional(const std::optional<double>&);
template void CopyRow::optional(const std::optional<int>&);
template void CopyRow::optional(const std::optional<SystemTime>&);

}  // namespace webmon::common
